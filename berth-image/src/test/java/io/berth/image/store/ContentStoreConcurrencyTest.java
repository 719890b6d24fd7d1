package io.berth.image.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ContentStoreConcurrencyTest {
  private static final int WRITERS = 8;

  @TempDir Path root;
  ContentStore store;
  ExecutorService pool;

  @BeforeEach
  void open() throws IOException {
    store = new ContentStore(root);
    pool = Executors.newFixedThreadPool(WRITERS);
  }

  @AfterEach
  void close() {
    pool.shutdownNow();
  }

  /** Writes content from the writer's offset on, in uneven chunks with pauses, then commits. */
  private static Digest writeRest(ContentStore.Writer writer, byte[] content) throws IOException {
    int position = (int) writer.offset();
    while (position < content.length) {
      int chunk = Math.min(content.length - position, ThreadLocalRandom.current().nextInt(1, 200_000));
      writer.write(content, position, chunk);
      position += chunk;
      if (ThreadLocalRandom.current().nextInt(4) == 0) {
        Thread.yield();
      }
    }
    return writer.commit();
  }

  @Test
  void writersOfTheSameDigestUnderDifferentRefsAllSucceed() throws Exception {
    byte[] content = Blobs.random(100, 4 * 1024 * 1024);
    Digest digest = Blobs.sha256(content);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Digest>> results = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      String ref = "pull-" + i;
      results.add(pool.submit(() -> {
        start.await();
        try (ContentStore.Writer writer = store.writer(ref, digest, content.length)) {
          return writeRest(writer, content);
        }
      }));
    }
    start.countDown();
    for (Future<Digest> result : results) {
      assertEquals(digest, result.get());
    }
    try (InputStream in = store.open(digest)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(List.of(digest), store.list());
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void writersOfTheSameRefTakeTurnsAndNeverInterleave() throws Exception {
    byte[] content = Blobs.random(101, 3 * 1024 * 1024);
    Digest digest = Blobs.sha256(content);
    String ref = "layer-" + digest;
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Digest>> results = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      results.add(pool.submit(() -> {
        start.await();
        // The pattern the puller follows: take the ref, then see whether a turn before ours stored it.
        try (ContentStore.Writer writer = store.writer(ref, digest, content.length)) {
          if (store.exists(digest)) {
            writer.abort();
            return digest;
          }
          // Half the writers give up midway, like dropped connections; the next one resumes.
          if (ThreadLocalRandom.current().nextBoolean()) {
            int upTo = (int) Math.min(content.length - 1, writer.offset() + 700_000);
            writer.write(content, (int) writer.offset(), upTo - (int) writer.offset());
            return null;
          }
          return writeRest(writer, content);
        }
      }));
    }
    start.countDown();
    for (Future<Digest> result : results) {
      result.get(); // none may fail: an interleaved write would surface as a DigestMismatchException
    }
    if (!store.exists(digest)) {
      try (ContentStore.Writer last = store.writer(ref, digest, content.length)) {
        writeRest(last, content);
      }
    }
    try (InputStream in = store.open(digest)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void aSecondWriterOfTheRefWaitsThenResumes() throws Exception {
    byte[] content = Blobs.random(102, 500_000);
    Digest digest = Blobs.sha256(content);
    ContentStore.Writer first = store.writer("shared", digest, content.length);
    first.write(content, 0, 200_000);

    Future<Digest> second = pool.submit(() -> {
      try (ContentStore.Writer writer = store.writer("shared", digest, content.length)) {
        assertEquals(200_000, writer.offset());
        return writeRest(writer, content);
      }
    });
    assertThrows(TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS));
    first.close();
    assertEquals(digest, second.get(10, TimeUnit.SECONDS));
    assertTrue(store.exists(digest));
  }

  @Test
  void anotherStoreObjectOnTheSameRootWaitsToo() throws Exception {
    ContentStore other = new ContentStore(root);
    ContentStore.Writer first = store.writer("shared", null, ContentStore.UNKNOWN_SIZE);
    Future<Long> second = pool.submit(() -> {
      try (ContentStore.Writer writer = other.writer("shared", null, ContentStore.UNKNOWN_SIZE)) {
        return writer.offset();
      }
    });
    first.write(new byte[123]);
    assertThrows(TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS));
    first.close();
    assertEquals(123L, second.get(10, TimeUnit.SECONDS));
  }

  @Test
  void theSameThreadCannotOpenARefTwice() throws IOException {
    try (ContentStore.Writer writer = store.writer("mine", null, ContentStore.UNKNOWN_SIZE)) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> store.writer("mine", null, ContentStore.UNKNOWN_SIZE));
      assertTrue(e.getMessage().contains("already being written by this thread"), e.getMessage());
      writer.write(1);
    }
    try (ContentStore.Writer again = store.writer("mine", null, ContentStore.UNKNOWN_SIZE)) {
      assertEquals(1, again.offset());
    }
  }

  @Test
  void anInterruptedWaiterGivesUpWithoutTakingTheRef() throws Exception {
    ContentStore.Writer first = store.writer("busy", null, ContentStore.UNKNOWN_SIZE);
    Future<?> waiter = pool.submit(() -> store.writer("busy", null, ContentStore.UNKNOWN_SIZE));
    assertThrows(TimeoutException.class, () -> waiter.get(200, TimeUnit.MILLISECONDS));
    waiter.cancel(true);
    first.write(new byte[7]);
    first.close();
    try (ContentStore.Writer next = store.writer("busy", null, ContentStore.UNKNOWN_SIZE)) {
      assertEquals(7, next.offset());
    }
    assertFalse(Blobs.ingestFiles(root).isEmpty());
  }
}
