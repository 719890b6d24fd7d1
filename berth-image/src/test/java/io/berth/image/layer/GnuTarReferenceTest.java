package io.berth.image.layer;

import io.berth.image.spec.Compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference is the filesystem itself: a tree is archived by GNU tar, an independent writer,
 * unpacked by Berth and compared with the original, file by file.
 */
class GnuTarReferenceTest {
  private static final String[] XATTRS = {"user.note", "trusted.mark", "security.capability"};
  private static final String LONG = "long-" + "n".repeat(120);

  @TempDir Path work;

  @BeforeAll
  static void asRootWithGnuTar() {
    assertTrue(Syscalls.geteuid() == 0, "layer tests need root");
    assertTrue(Files.isExecutable(Path.of("/usr/bin/tar")), "GNU tar is the reference writer");
  }

  @ParameterizedTest
  @ValueSource(strings = {"posix", "gnu"})
  void unpackedTreeEqualsTheArchivedOne(String format) throws Exception {
    Path src = Files.createDirectory(work.resolve("src"));
    buildTree(src);
    Path tar = work.resolve("layer.tar");
    List<String> cmd = new ArrayList<>(List.of("tar", "--numeric-owner", "--format=" + format));
    if (format.equals("posix")) {
      cmd.addAll(List.of("--xattrs", "--xattrs-include=*")); // GNU format cannot hold xattrs
    }
    cmd.addAll(List.of("-cpf", tar.toString(), "-C", src.toString(), "."));
    run(cmd.toArray(String[]::new));
    Path out = work.resolve("out");
    try (InputStream in = new FileInputStream(tar.toFile())) {
      UnpackResult r = new LayerUnpacker().unpack(in, Compression.NONE, out);
      assertEquals(Tars.sha256(Files.readAllBytes(tar)), r.diffId());
    }
    assertSameTree(src, out, format.equals("posix"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"gnu", "posix:0.0", "posix:0.1", "posix:1.0"})
  void sparseFilesAreExpandedWithTheirHoles(String variant) throws Exception {
    Path src = Files.createDirectory(work.resolve("src"));
    Path sparse = src.resolve("sparse");
    long size = 64L << 20;
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(size);
      f.seek(0);
      f.write("head".getBytes(StandardCharsets.US_ASCII));
      f.seek(20L << 20);
      f.write(new byte[100_000]);
      f.seek(20L << 20);
      f.write("middle".repeat(10_000).getBytes(StandardCharsets.US_ASCII));
      f.seek(size - 5);
      f.write("tail!".getBytes(StandardCharsets.US_ASCII));
    }
    String[] parts = variant.split(":");
    List<String> cmd = new ArrayList<>(List.of("tar", "--sparse", "--format=" + parts[0]));
    if (parts.length > 1) {
      cmd.add("--sparse-version=" + parts[1]);
    }
    Path tar = work.resolve("sparse.tar");
    cmd.addAll(List.of("-cf", tar.toString(), "-C", src.toString(), "sparse"));
    run(cmd.toArray(String[]::new));
    assertTrue(Files.size(tar) < (4L << 20), "the archive stores only the data");
    Path out = work.resolve("out");
    try (InputStream in = new FileInputStream(tar.toFile())) {
      new LayerUnpacker().unpack(in, Compression.NONE, out);
    }
    assertEquals(-1L, Files.mismatch(sparse, out.resolve("sparse")), "same bytes");
    long blocks = Long.parseLong(run("stat", "-c", "%b", out.resolve("sparse").toString()).trim());
    assertTrue(blocks * 512 < size / 4, "holes stay holes: " + blocks + " blocks");
  }

  private void buildTree(Path src) throws Exception {
    Files.createDirectories(src.resolve("etc/app.d"));
    Files.createDirectories(src.resolve("bin"));
    Files.createDirectories(src.resolve("tmp"));
    Files.createDirectories(src.resolve("empty"));
    Files.createDirectories(src.resolve("dev"));
    Files.createDirectories(src.resolve("run"));
    Files.createDirectories(src.resolve("deep/" + "d".repeat(90) + "/" + "e".repeat(90)));
    Files.writeString(src.resolve("etc/app.d/conf"), "key=value\n");
    Files.writeString(src.resolve("bin/tool"), "#!/bin/sh\necho tool\n");
    Files.writeString(src.resolve("deep/" + "d".repeat(90) + "/" + "e".repeat(90) + "/" + LONG), "deep");
    Files.write(src.resolve("bin/blob"), new byte[70_000]);
    Files.createLink(src.resolve("bin/tool-again"), src.resolve("bin/tool"));
    Files.createSymbolicLink(src.resolve("bin/sh"), Path.of("tool"));
    Files.createSymbolicLink(src.resolve("abs"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(src.resolve("longlink"), Path.of("deep/" + "d".repeat(90) + "/" + "e".repeat(90) + "/" + LONG));
    Syscalls.mknodat(Syscalls.AT_FDCWD, src.resolve("dev/null").toString(), Syscalls.S_IFCHR | 0666, Syscalls.makedev(1, 3));
    Syscalls.mknodat(Syscalls.AT_FDCWD, src.resolve("run/fifo").toString(), Syscalls.S_IFIFO | 0600, 0);

    chmod(src.resolve("bin/tool"), 04755);
    chmod(src.resolve("tmp"), 01777);
    chmod(src.resolve("etc/app.d"), 02750);
    chmod(src.resolve("etc/app.d/conf"), 0640);
    chmod(src.resolve("dev/null"), 0666);
    Syscalls.lchownat(Syscalls.AT_FDCWD, src.resolve("etc/app.d/conf").toString(), 1000, 1001);
    Syscalls.lchownat(Syscalls.AT_FDCWD, src.resolve("etc/app.d").toString(), 0, 1001);
    Syscalls.lchownat(Syscalls.AT_FDCWD, src.resolve("bin/sh").toString(), 5, 6);
    int fd = Syscalls.openat(Syscalls.AT_FDCWD, src.resolve("etc/app.d/conf").toString(), Syscalls.O_RDONLY, 0);
    Syscalls.fsetxattr(fd, "user.note", "a note".getBytes(StandardCharsets.UTF_8));
    io.berth.sys.Libc.close(fd);
    fd = Syscalls.openat(Syscalls.AT_FDCWD, src.resolve("bin/tool").toString(), Syscalls.O_RDONLY, 0);
    Syscalls.fsetxattr(fd, "security.capability",
        new byte[] {0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    io.berth.sys.Libc.close(fd);
    fd = Syscalls.openat(Syscalls.AT_FDCWD, src.resolve("etc").toString(), Syscalls.O_RDONLY, 0);
    Syscalls.fsetxattr(fd, "trusted.mark", new byte[] {1, 2, (byte) 0xfe});
    io.berth.sys.Libc.close(fd);

    // Distinct mtimes, directories last (deepest first) so their contents do not disturb them.
    long t = 1_500_000_000L;
    List<Path> all = Disk.listing(src).stream().map(src::resolve).toList();
    for (Path p : all.reversed()) {
      Syscalls.setTimes(Syscalls.AT_FDCWD, p.toString(), t, 123_456_789);
      t += 1000;
    }
  }

  private static void chmod(Path p, int mode) {
    Syscalls.fchmodat(Syscalls.AT_FDCWD, p.toString(), mode);
  }

  private static void assertSameTree(Path src, Path out, boolean pax) throws Exception {
    List<String> names = Disk.listing(src);
    assertEquals(names, Disk.listing(out));
    Map<Long, String> srcInodes = new HashMap<>();
    Map<Long, String> outInodes = new HashMap<>();
    for (String name : names) {
      Path a = src.resolve(name);
      Path b = out.resolve(name);
      Syscalls.Stat sa = Disk.stat(a);
      Syscalls.Stat sb = Disk.stat(b);
      String what = "/" + name;
      assertEquals(Integer.toOctalString(sa.mode()), Integer.toOctalString(sb.mode()), what + " mode");
      assertEquals(sa.uid(), sb.uid(), what + " uid");
      assertEquals(sa.gid(), sb.gid(), what + " gid");
      assertEquals(sa.mtimeSec(), sb.mtimeSec(), what + " mtime");
      if (pax) { // GNU format stores whole seconds and no xattrs
        assertEquals(sa.mtimeNanos(), sb.mtimeNanos(), what + " mtime nanoseconds");
      }
      assertEquals(sa.rdevMajor(), sb.rdevMajor(), what + " major");
      assertEquals(sa.rdevMinor(), sb.rdevMinor(), what + " minor");
      assertEquals(sa.nlink() > 1 && !sa.isDirectory(), sb.nlink() > 1 && !sb.isDirectory(), what + " links");
      // Hard links: the same name is first seen for both inodes.
      assertEquals(srcInodes.computeIfAbsent(sa.ino(), k -> name), outInodes.computeIfAbsent(sb.ino(), k -> name),
          what + " hard link group");
      if (sa.type() == Syscalls.S_IFREG) {
        assertEquals(-1L, Files.mismatch(a, b), what + " content");
      }
      if (sa.type() == Syscalls.S_IFLNK) {
        assertEquals(Files.readSymbolicLink(a), Files.readSymbolicLink(b), what + " target");
      }
      if (pax && sa.type() != Syscalls.S_IFLNK) {
        for (String x : XATTRS) {
          byte[] va = Disk.xattr(a, x);
          byte[] vb = Disk.xattr(b, x);
          if (va == null) {
            assertEquals(null, vb, what + " " + x);
          } else {
            assertArrayEquals(va, vb, what + " " + x);
          }
        }
      }
    }
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    return out;
  }
}
