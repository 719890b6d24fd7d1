package io.berth.cli.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The end of a test class that ran its own `berth serve` under a scratch directory: what it left
 * there (mounts, processes of its run root) is found, cleared and handed back for the class to
 * assert on.
 */
final class RunRootLeftovers {
  private RunRootLeftovers() {}

  /** The mounts below {@code base}, deepest last; each is then detached (umount -l). */
  static List<String> unmountBelow(Path base) throws IOException, InterruptedException {
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mp = line.split(" ")[4];
      if (mp.startsWith(base + "/")) {
        mounts.add(mp);
      }
    }
    for (String m : mounts.reversed()) {
      new ProcessBuilder("umount", "-l", m).start().waitFor();
    }
    return mounts;
  }

  /** The pids of processes whose command line names a path under {@code runRoot} (shims). */
  static List<Long> processesOf(Path runRoot) {
    return ProcessHandle.allProcesses().filter(p -> commandLine(p).contains(runRoot + "/"))
        .map(ProcessHandle::pid).toList();
  }

  static void deleteTree(Path base) throws IOException {
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String commandLine(ProcessHandle p) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** A daemon's log for a failure message. */
  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
