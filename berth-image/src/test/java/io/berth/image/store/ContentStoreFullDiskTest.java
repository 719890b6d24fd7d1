package io.berth.image.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import io.berth.sys.Libc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store on a 1 MiB tmpfs, filled past its end. Needs root to mount. */
class ContentStoreFullDiskTest {
  private static final int MNT_DETACH = 2;

  @TempDir Path temp;
  Path small;
  boolean mounted;

  @BeforeEach
  void mountSmallFilesystem() throws IOException {
    assertTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
        "mounting a tmpfs needs root");
    small = Files.createDirectory(temp.resolve("small"));
    Libc.mount("tmpfs", small.toString(), "tmpfs", 0, "size=1m,mode=0700");
    mounted = true;
  }

  @AfterEach
  void unmount() {
    if (mounted) {
      Libc.umount(small.toString(), MNT_DETACH);
    }
  }

  @Test
  void aFullDiskLeavesNoBlobAndNoTemp() throws IOException {
    ContentStore store = new ContentStore(small.resolve("content"));
    byte[] content = Blobs.random(300, 2 * 1024 * 1024);
    Digest digest = Blobs.sha256(content);
    long freeBefore = Files.getFileStore(small).getUsableSpace();

    IOException e;
    try (ContentStore.Writer writer = store.writer("big", digest, content.length)) {
      e = assertThrows(IOException.class, () -> {
        for (int at = 0; at < content.length; at += 64 * 1024) {
          writer.write(content, at, 64 * 1024);
        }
        writer.commit();
      });
    }
    assertFalse(e instanceof DigestMismatchException, e.toString());
    assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
    assertTrue(e.getMessage().contains(digest.toString()), e.getMessage());

    assertFalse(store.exists(digest));
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), Blobs.ingestFiles(small.resolve("content")));
    assertEquals(freeBefore, Files.getFileStore(small).getUsableSpace(), "the partial's space was given back");

    // The store still works once there is room.
    byte[] fits = Blobs.random(301, 100_000);
    assertEquals(Blobs.sha256(fits), store.put(new ByteArrayInputStream(fits), Blobs.sha256(fits), fits.length));
  }

  @Test
  void putOnAFullDiskFailsCleanly() throws IOException {
    ContentStore store = new ContentStore(small.resolve("content"));
    byte[] content = Blobs.random(302, 3 * 1024 * 1024);
    Digest digest = Blobs.sha256(content);
    IOException e = assertThrows(IOException.class,
        () -> store.put(new ByteArrayInputStream(content), digest, content.length));
    assertInstanceOf(IOException.class, e.getCause());
    assertFalse(store.exists(digest));
    assertEquals(List.of(), Blobs.ingestFiles(small.resolve("content")));
    assertEquals(List.of(), Blobs.blobFiles(small.resolve("content")));
  }
}
