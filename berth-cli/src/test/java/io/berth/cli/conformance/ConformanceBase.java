package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.SpecJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Shared plumbing of the conformance tests: runtimes, unique ids, clean-up. */
abstract class ConformanceBase {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Path RUNTIME_STATE = Path.of("/tmp/berth-conformance-" + ProcessHandle.current().pid());

  @TempDir Path tmp;

  private final List<Runnable> cleanups = new ArrayList<>();

  static Stream<TestRuntime> runtimes() {
    return TestRuntime.available(RUNTIME_STATE).stream();
  }

  /** Berth only, through both paths: features runc 1.1.5 lacks, or Berth's own guarantees. */
  static Stream<TestRuntime> berthRuntimes() {
    return runtimes().filter(TestRuntime::isBerth);
  }

  /** Berth with a JVM per command: killing the command kills the work only on that path. */
  static Stream<TestRuntime> berthDirect() {
    return runtimes().filter(rt -> rt.name.equals("berth"));
  }

  /** Runtimes that run in the caller's mount namespace (the service has its own). */
  static Stream<TestRuntime> inCallersNamespace() {
    return runtimes().filter(rt -> !rt.name.equals("berth-service"));
  }

  String id(TestRuntime rt) {
    String id = "ct-" + rt.name + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    cleanups.add(() -> rt.run(tmp, "delete", "--force", id));
    return id;
  }

  Bundle bundle(String... args) {
    return Bundle.busybox(tmp.resolve("bundle-" + SEQ.incrementAndGet()), args);
  }

  void onCleanup(Runnable r) {
    cleanups.add(r);
  }

  @AfterEach
  void cleanUp() {
    for (int i = cleanups.size() - 1; i >= 0; i--) {
      try {
        cleanups.get(i).run();
      } catch (RuntimeException | AssertionError e) {
        // Best effort: one failed clean-up must not hide the others.
      }
    }
  }

  /**
   * The cgroups of this JVM's test containers that a delete could not remove: a container's last
   * process can linger as a zombie of PID 1, which on these machines reaps late, and a zombie
   * keeps its cgroup busy past the runtime's wait. They are empty once PID 1 gets to it; this
   * removes them then (waiting up to 10 s), so the host keeps no trace of the tests.
   */
  @org.junit.jupiter.api.AfterAll
  static void removeLeftoverCgroups() throws InterruptedException {
    String mine = "-" + ProcessHandle.current().pid() + "-";
    List<Path> left = new ArrayList<>();
    try (Stream<Path> hierarchies = java.nio.file.Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path h : hierarchies.toList()) {
        Path parent = h.resolve("berth");
        if (java.nio.file.Files.isDirectory(parent)) {
          try (Stream<Path> kids = java.nio.file.Files.list(parent)) {
            kids.filter(k -> k.getFileName().toString().startsWith("ct-") && k.getFileName().toString().contains(mine))
                .forEach(left::add);
          }
        }
      }
    } catch (java.io.IOException e) {
      return;
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      left.removeIf(d -> {
        try {
          java.nio.file.Files.deleteIfExists(d);
          return true;
        } catch (java.io.IOException e) {
          return false; // still busy
        }
      });
      if (!left.isEmpty()) {
        Thread.sleep(100);
      }
    }
  }

  /** runtime run: create, start and wait; returns the result with the container's output. */
  TestRuntime.Result run(TestRuntime rt, Bundle b) {
    b.write();
    return rt.run(tmp, "run", "--bundle", b.dir.toString(), id(rt));
  }

  TestRuntime.Result ok(TestRuntime.Result r) {
    if (r.code() != 0) {
      fail("expected success, got " + r);
    }
    return r;
  }

  JsonNode state(TestRuntime rt, String id) {
    TestRuntime.Result r = ok(rt.run(tmp, "state", id));
    return SpecJson.parse(r.out().getBytes(), JsonNode.class, "state");
  }

  String status(TestRuntime rt, String id) {
    return state(rt, id).get("status").asText();
  }

  void awaitStatus(TestRuntime rt, String id, String want) {
    long end = System.nanoTime() + 10_000_000_000L;
    String last = null;
    while (System.nanoTime() < end) {
      last = status(rt, id);
      if (last.equals(want)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    assertEquals(want, last, "status of " + id);
  }
}
