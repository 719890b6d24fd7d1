package io.berth.image.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.image.spec.Digest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A writer in another process, killed with SIGKILL mid-blob, as a pull killed by kill -9. */
@Timeout(60)
class ContentStoreCrashTest {
  private static final long SEED = 200;
  private static final int SIZE = 2_000_000;
  private static final int WRITTEN = 1_234_567;

  @TempDir Path root;
  Process child;
  final ExecutorService pool = Executors.newSingleThreadExecutor();

  @AfterEach
  void cleanUp() throws InterruptedException {
    if (child != null) {
      child.destroyForcibly();
      child.waitFor();
    }
    pool.shutdownNow();
  }

  private Process startChild(String ref) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        IngestChild.class.getName(), root.toString(), ref, Long.toString(SEED), Integer.toString(SIZE),
        Integer.toString(WRITTEN))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static void awaitReady(Process process) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("READY", out.readLine(), "the child writer did not start");
  }

  @Test
  void aKilledWriterLeavesNoBlobAndTheNextWriterResumes() throws Exception {
    byte[] content = Blobs.random(SEED, SIZE);
    Digest digest = Blobs.sha256(content);
    String ref = "layer-" + digest;
    ContentStore store = new ContentStore(root);

    child = startChild(ref);
    awaitReady(child);

    // The child holds the ref: a writer here waits for it, across processes.
    Future<Long> resumed = pool.submit(() -> {
      try (ContentStore.Writer writer = store.writer(ref, digest, SIZE)) {
        long offset = writer.offset();
        writer.write(content, (int) offset, SIZE - (int) offset);
        writer.commit();
        return offset;
      }
    });
    assertThrows(TimeoutException.class, () -> resumed.get(500, TimeUnit.MILLISECONDS));
    assertFalse(store.exists(digest));

    child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close
    child.waitFor();
    assertEquals(137, child.exitValue());

    // The kernel dropped the dead process's lock; the waiting writer took over its bytes.
    assertEquals(WRITTEN, resumed.get(20, TimeUnit.SECONDS));
    try (InputStream in = store.open(digest)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void nothingOfAKilledWriterIsVisibleUnderTheDigest() throws Exception {
    byte[] content = Blobs.random(SEED, SIZE);
    Digest digest = Blobs.sha256(content);
    child = startChild("killed");
    awaitReady(child);
    child.destroyForcibly();
    child.waitFor();

    ContentStore store = new ContentStore(root);
    assertFalse(store.exists(digest));
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), Blobs.blobFiles(root));
    assertEquals(List.of("killed"), Blobs.ingestFiles(root));
    assertEquals(List.of(), store.cleanIngest(java.time.Duration.ofDays(1)));
  }
}
