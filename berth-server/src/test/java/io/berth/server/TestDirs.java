package io.berth.server;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Short scratch directories (unix socket paths must fit 108 bytes) and their removal, and the
 * reaping of the shims this JVM adopted (PID 1 on these machines reaps nothing).
 */
final class TestDirs {
  private TestDirs() {}

  static Path create() throws IOException {
    return Files.createTempDirectory(Path.of("/tmp"), "bs");
  }

  /** Fails when a mount is left under {@code dir}, then removes it. */
  static void remove(Path dir) throws IOException {
    try (Stream<String> s = Files.lines(Path.of("/proc/self/mountinfo"))) {
      assertFalse(s.map(l -> Path.of(l.split(" ")[4])).anyMatch(p -> p.startsWith(dir)), "a mount was left under " + dir);
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Waits for this process's berth-shim children to exit and reaps them: a test JVM is their
   * subreaper, and a shim left a zombie when it exits would be handed to PID 1, which here never
   * reaps.
   */
  static void reapShims() throws IOException, InterruptedException {
    long self = ProcessHandle.current().pid();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      boolean left = false;
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
          String stat;
          try {
            stat = Files.readString(p.resolve("stat"));
          } catch (IOException e) {
            continue;
          }
          int close = stat.lastIndexOf(')');
          String[] f = stat.substring(close + 2).split(" ");
          if (Long.parseLong(f[1]) != self || !stat.substring(stat.indexOf('(') + 1, close).equals("berth-shim")) {
            continue;
          }
          left = true;
          if (f[0].equals("Z")) {
            io.berth.sys.Libc.waitpid(Integer.parseInt(p.getFileName().toString()), io.berth.sys.Libc.WNOHANG);
          }
        }
      }
      if (!left || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(20);
    }
  }
}
