package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * podman with conmon, driving the runtime through its command line (podman --runtime): the
 * consumer runc's CLI exists for. The image is a busybox rootfs imported into a podman store of
 * the test's own.
 */
class PodmanTest extends ConformanceBase {
  private static final Path PODMAN = Path.of("/usr/bin/podman");
  // This host's root cannot raise RLIMIT_NOFILE/NPROC to podman's defaults (MACHINE.md).
  private static final List<String> LIMITS =
      List.of("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--network", "none");

  private List<String> podman(TestRuntime rt, Path store, String... args) {
    String runtime = rt.isBerth() ? rt.command.get(0) : "/usr/sbin/runc";
    List<String> cmd = new ArrayList<>(List.of(
        PODMAN.toString(), "--root", store.resolve("storage").toString(), "--runroot", store.resolve("run").toString(),
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--runtime", runtime));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private Path store(TestRuntime rt) throws Exception {
    assertTrue(Files.isExecutable(PODMAN), "podman is not installed (scripts/setup installs it)");
    Path store = Files.createDirectory(tmp.resolve("podman"));
    Path rootfs = bundle("true").dir.resolve("rootfs");
    Path tar = tmp.resolve("rootfs.tar");
    ok(rt.exec(tmp, List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".")));
    ok(rt.exec(tmp, podman(rt, store, "import", tar.toString(), "localhost/berth-test:latest")));
    onCleanup(() -> {
      rt.exec(tmp, podman(rt, store, "rm", "-af", "-t", "0"));
      rt.exec(tmp, podman(rt, store, "rmi", "-af"));
    });
    return store;
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void podmanRunsAContainerThroughTheRuntime(TestRuntime rt) throws Exception {
    Path store = store(rt);
    List<String> run = new ArrayList<>(List.of("run", "--rm"));
    run.addAll(LIMITS);
    run.addAll(List.of("localhost/berth-test:latest", "sh", "-c", "echo hello $(id -u); exit 4"));
    var r = rt.exec(tmp, podman(rt, store, run.toArray(String[]::new)));
    assertEquals(4, r.code(), r.toString());
    assertEquals("hello 0\n", r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void podmanDetachedExecStopRemove(TestRuntime rt) throws Exception {
    Path store = store(rt);
    List<String> run = new ArrayList<>(List.of("run", "-d"));
    run.addAll(LIMITS);
    run.addAll(List.of("localhost/berth-test:latest", "sh", "-c", "echo started; trap 'exit 0' TERM; while true; do sleep 1; done"));
    String id = ok(rt.exec(tmp, podman(rt, store, run.toArray(String[]::new)))).out().trim();
    var exec = ok(rt.exec(tmp, podman(rt, store, "exec", id, "sh", "-c", "echo exec $(hostname)")));
    assertEquals("exec " + id.substring(0, 12) + "\n", exec.out());
    String status = ok(rt.exec(tmp, podman(rt, store, "inspect", "--format", "{{.State.Status}}", id))).out().trim();
    assertEquals("running", status);
    ok(rt.exec(tmp, podman(rt, store, "stop", "-t", "5", id)));
    String exited = ok(rt.exec(tmp, podman(rt, store, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id))).out().trim();
    assertEquals("exited 0", exited, "stopped by SIGTERM, which the trap turns into exit 0");
    assertTrue(ok(rt.exec(tmp, podman(rt, store, "logs", id))).out().contains("started"));
    ok(rt.exec(tmp, podman(rt, store, "rm", id)));
  }
}
