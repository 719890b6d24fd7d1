package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.cli.conformance.BerthCommand.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One short root and run root for a test class (the shim's socket paths under the run root must
 * fit 108 bytes, so no @TempDir under a long build path), bin/berth run against them, and the
 * checks that a failed or removed container left nothing behind.
 */
final class ContainerFixture implements AutoCloseable {
  final Path dir;
  final Path root;
  final Path runRoot;
  final Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();

  ContainerFixture() throws IOException {
    dir = Files.createTempDirectory(Path.of("/tmp"), "bc");
    root = dir.resolve("r");
    runRoot = dir.resolve("x");
    Files.createDirectories(dir.resolve("scratch"));
  }

  Result berth(String... args) throws Exception {
    return berthIn("", args);
  }

  Result berthIn(String stdin, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--run-root", runRoot.toString()));
    all.addAll(List.of(args));
    return BerthCommand.run(dir.resolve("scratch"), root, Map.of(), stdin, all.toArray(String[]::new));
  }

  /** Runs and expects exit 0; returns stdout. */
  String ok(String... args) throws Exception {
    Result r = berth(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + "\nstdout: " + r.out() + "\nstderr: " + r.err());
    return r.out();
  }

  /** The command line of bin/berth with this fixture's roots, for processes a test drives itself. */
  List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/berth").toString(),
        "--root", root.toString(), "--run-root", runRoot.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** A failure the way podman reports one: a single line on stderr, "berth: ...", nothing on stdout. */
  static void assertOneLineError(Result r, int code, String mustContain) {
    assertEquals(code, r.code(), "exit code; stderr: " + r.err());
    assertTrue(r.err().startsWith("berth: "), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertTrue(r.err().toLowerCase().contains(mustContain.toLowerCase()), "expected \"" + mustContain + "\" in: " + r.err());
    assertEquals("", r.out());
  }

  List<String> containerDirs() throws IOException {
    Path d = root.resolve("containers");
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}")).toList();
    }
  }

  /** Mount points under this root (rootfs overlays, binds), from the kernel's own list. */
  List<String> mountsUnderRoot() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mp = line.split(" ")[4];
      if (mp.startsWith(root + "/") || mp.startsWith(runRoot + "/")) {
        out.add(mp);
      }
    }
    return out;
  }

  /** The container's cgroups in every hierarchy, at berth/ID or under our own cgroup's path. */
  static List<Path> cgroupsOf(String id) throws IOException {
    List<Path> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] f = line.split(":", 3);
      String hierarchy = f[1].isEmpty() ? "unified" : f[1].replace("name=", "");
      for (String ctrl : hierarchy.split(",")) {
        for (String base : List.of("/", f[2])) {
          Path p = Path.of("/sys/fs/cgroup", ctrl, base, "berth", id);
          if (Files.isDirectory(p)) {
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /** Processes whose command line names this fixture's run root (shims, stuck inits). */
  List<Long> processesOfThisRoot() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != ProcessHandle.current().pid())
        .filter(p -> {
          try {
            String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), StandardCharsets.UTF_8);
            return cmd.contains(runRoot.toString() + "/") && cmd.contains("shim");
          } catch (IOException e) {
            return false;
          }
        })
        .map(ProcessHandle::pid).toList();
  }

  /** Nothing of the container with this ID is left: no directory, mount, cgroup or shim. */
  void assertGone(String id) throws Exception {
    assertFalse(containerDirs().contains(id), "container dir of " + id);
    assertFalse(Files.exists(runRoot.resolve("s").resolve(id.substring(0, 32))), "shim dir of " + id);
    assertEquals(List.of(), mountsUnderRoot().stream().filter(m -> m.contains(id)).toList(), "mounts of " + id);
    assertEquals(List.of(), cgroupsOf(id), "cgroups of " + id);
    assertEquals(125, berth("inspect", id).code(), "the record of " + id);
  }

  /** Nothing at all exists under this root: for a command that must fail before creating. */
  void assertNothingCreated() throws Exception {
    assertEquals(List.of(), containerDirs(), "container dirs");
    assertEquals(List.of(), mountsUnderRoot(), "mounts");
    assertEquals("", ok("ps", "-a", "-q"), "records");
    assertEquals(List.of(), processesOfThisRoot(), "shims");
  }

  static void waitFor(Process p, int seconds) throws InterruptedException {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out after " + seconds + " s: " + p.info().commandLine().orElse("?"));
    }
  }

  /** Removes every container of this root (each by its own ID), then the directories. */
  @Override
  public void close() throws Exception {
    Result ids = berth("ps", "-a", "-q", "--no-trunc");
    for (String id : ids.out().lines().filter(l -> !l.isBlank()).toList()) {
      berth("rm", "-f", "-v", id);
    }
    Result nets = berth("network", "ls", "-q", "--no-trunc");
    for (String id : nets.out().lines().filter(l -> !l.isBlank()).toList()) {
      berth("network", "rm", id);
    }
    for (String m : mountsUnderRoot().reversed()) {
      new ProcessBuilder("umount", "-l", m).start().waitFor();
    }
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
