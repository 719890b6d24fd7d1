package io.berth.image.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** What tests look at on disk, read without following symlinks. */
final class Disk {
  private Disk() {}

  static Syscalls.Stat stat(Path p) {
    Syscalls.Stat st = Syscalls.lstatat(Syscalls.AT_FDCWD, p.toString());
    assertNotNull(st, p + " should exist");
    return st;
  }

  static boolean exists(Path p) {
    return Syscalls.lstatat(Syscalls.AT_FDCWD, p.toString()) != null;
  }

  static byte[] xattr(Path p, String name) {
    return Syscalls.lgetxattr(p.toString(), name);
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every path below {@code dir}, relative, sorted: to prove that nothing appeared or vanished. */
  static List<String> listing(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return List.copyOf(new TreeSet<>(s.map(p -> dir.relativize(p).toString()).toList()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void assertMode(int expected, Path p) {
    assertEquals(Integer.toOctalString(expected), Integer.toOctalString(stat(p).mode() & 07777), p.toString());
  }

  static void assertXattr(String expected, Path p, String name) {
    byte[] v = xattr(p, name);
    assertNotNull(v, name + " on " + p);
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), v, name + " on " + p);
  }
}
