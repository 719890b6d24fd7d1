package io.berth.image.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ImageDatabaseConcurrencyTest {
  @TempDir Path tmp;

  @Test
  void threadsSharingOneDatabaseRecordImagesAtOnce() throws Exception {
    int threads = 4;
    int each = 25;
    try (ImageDatabase db = ImageDatabase.open(tmp.resolve("images.db"));
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String prefix = "t" + t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            db.recordImage(Synthetic.image("localhost/" + prefix + ":" + i, prefix + "-" + i));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }

      List<ImageRecord> images = db.list();
      assertEquals(threads * each, images.size());
      assertEquals(threads * each, images.stream().map(i -> i.names().get(0)).distinct().count());
      assertTrue(images.stream().allMatch(i -> i.layerDigests().get(0).equals(Synthetic.BASE.toString())));
    }
  }

  /**
   * One connection keeps replacing an image on the shared base while another collects garbage as
   * fast as it can: the base is always referenced, so no collection may ever return it, and every
   * image left must have all its blobs accounted for.
   */
  @Test
  void garbageCollectionOnAnotherConnectionNeverTakesABlobInUse() throws Exception {
    Path file = tmp.resolve("images.db");
    try (ImageDatabase writer = ImageDatabase.open(file);
        ImageDatabase collector = ImageDatabase.open(file);
        ExecutorService pool = Executors.newFixedThreadPool(2)) {
      writer.recordImage(Synthetic.image("localhost/app:0", "app0"));
      AtomicBoolean writing = new AtomicBoolean(true);
      Future<List<GarbageCollection>> collections = pool.submit(() -> {
        List<GarbageCollection> seen = new ArrayList<>();
        while (writing.get()) {
          seen.add(collector.collectGarbage());
        }
        return seen;
      });
      Future<?> churn = pool.submit(() -> {
        try {
          for (int i = 1; i <= 60; i++) {
            writer.recordImage(Synthetic.image("localhost/app:" + i, "app" + i));
            writer.removeImage("localhost/app:" + (i - 1), false);
          }
        } finally {
          writing.set(false);
        }
        return null;
      });
      churn.get();
      List<GarbageCollection> seen = collections.get();

      assertFalse(seen.isEmpty());
      Set<Digest> collected = seen.stream().flatMap(g -> g.blobs().stream()).collect(Collectors.toSet());
      assertFalse(collected.contains(Synthetic.BASE), "the shared base was collected while in use");
      assertFalse(seen.stream().anyMatch(g -> g.chainIds().contains(Synthetic.BASE)));
      GarbageCollection rest = writer.collectGarbage();
      ImageRecord last = writer.resolve("localhost/app:60").orElseThrow();
      for (String blob : List.of(last.id(), last.manifestDigest(), last.layerDigests().get(0), last.layerDigests().get(1))) {
        assertTrue(writer.isKnownBlob(Digest.parse(blob)), blob);
        assertFalse(rest.blobs().contains(Digest.parse(blob)));
      }
      assertEquals(1, writer.list().size());
    }
  }

  @Test
  void twoProcessesRecordIntoOneFileAtOnce() throws Exception {
    Path file = tmp.resolve("images.db");
    int each = 200;
    try (ImageDatabase db = ImageDatabase.open(file)) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"),
          Synthetic.class.getName(), file.toString(), "child", Integer.toString(each))
          .redirectErrorStream(true)
          .start();
      // Keep writing for as long as the child lives, so that its writes meet ours.
      int parent = 0;
      while (parent < each || child.isAlive()) {
        db.recordImage(Synthetic.image("localhost/parent:" + parent, "parent" + parent));
        parent++;
      }
      assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the child process hung");
      String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, child.exitValue(), output);
      assertTrue(output.contains("recorded " + each), output);

      List<ImageRecord> images = db.list();
      assertEquals(parent + each, images.size());
      assertEquals(each, images.stream().filter(i -> i.names().get(0).startsWith("localhost/child:")).count());
    }
  }
}
