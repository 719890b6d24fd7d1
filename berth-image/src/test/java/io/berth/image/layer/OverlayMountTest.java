package io.berth.image.layer;

import io.berth.image.spec.Compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.sys.Libc;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real consumer: overlayfs reads the unpacked layers, whiteouts and opaque dirs included. */
class OverlayMountTest {
  @TempDir Path work;
  private Path merged;

  @BeforeAll
  static void asRoot() {
    assertTrue(Syscalls.geteuid() == 0, "mounting overlayfs needs root");
  }

  @AfterEach
  void unmount() {
    if (merged != null) {
      Libc.umount(merged.toString(), 0);
    }
  }

  @Test
  void mergedViewHonoursWhiteoutsAndOpaqueDirectories() throws Exception {
    Path lower = work.resolve("lower");
    Path upper = work.resolve("upper");
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.gzip(Tars.pax()
        .file("a", "a")
        .file("b", "b")
        .dir("dir", 0755)
        .file("dir/x", "x")
        .dir("keep", 0755)
        .file("keep/k", "k")
        .tar())), Compression.GZIP, lower);
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.zstd(Tars.pax()
        .file(".wh.a", "")
        .dir("dir", 0755)
        .file("dir/.wh..wh..opq", "")
        .file("dir/y", "y")
        .file("keep/new", "n")
        .tar())), Compression.ZSTD, upper);

    Path mnt = Files.createDirectory(work.resolve("merged"));
    Libc.mount("overlay", mnt.toString(), "overlay", 1 /* MS_RDONLY */,
        "lowerdir=" + upper + ":" + lower);
    merged = mnt;

    assertFalse(Files.exists(mnt.resolve("a")), "whited out");
    assertEquals("b", Files.readString(mnt.resolve("b")));
    assertFalse(Files.exists(mnt.resolve("dir/x")), "hidden by the opaque dir");
    assertEquals("y", Files.readString(mnt.resolve("dir/y")));
    assertEquals(List.of("", "y"), Disk.listing(mnt.resolve("dir")));
    assertEquals("k", Files.readString(mnt.resolve("keep/k")), "a plain dir merges");
    assertEquals("n", Files.readString(mnt.resolve("keep/new")));
    assertTrue(Disk.listing(mnt).stream().noneMatch(p -> p.contains(".wh.")), "no marker shows");
  }
}
