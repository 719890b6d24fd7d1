package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A runtime killed half-way leaves state that delete cleans up, and a retry succeeds. */
class RecoveryTest extends ConformanceBase {

  // Killing the command kills the create only when the command is the JVM doing it; a client
  // of the runtime service leaves the service to finish, and runc's leftovers differ.
  @ParameterizedTest
  @MethodSource("berthDirect")
  void createKilledDuringAHookIsCleanedUpAndRetried(TestRuntime rt) throws Exception {
    String cg = "/berth-conformance-recovery-" + System.nanoTime();
    Path started = tmp.resolve("hook-started");
    Bundle b = bundle("sleep", "1000");
    b.linux().put("cgroupsPath", cg);
    ObjectNode h = b.hooks("createRuntime").addObject();
    h.put("path", "/bin/sh");
    Bundle.strings(h, "args", "sh", "-c", "touch " + started + "; exec sleep 30");
    b.write();
    String id = id(rt);
    ProcessBuilder pb = new ProcessBuilder(rt.argv("create", "--bundle", b.dir.toString(), id));
    pb.environment().putAll(rt.env);
    Process create =
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    long end = System.currentTimeMillis() + 20_000;
    while (!Files.exists(started) && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(started), "the hook ran");
    create.destroyForcibly(); // SIGKILL, mid-create
    assertTrue(create.waitFor(10, TimeUnit.SECONDS));

    // The container's init notices its runtime is gone and exits; state reports it stopped.
    awaitStatus(rt, id, "stopped");
    ok(rt.run(tmp, "delete", id));
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/pids" + cg)), "cgroup removed");

    // The same id works again.
    b.config.remove("hooks");
    b.write();
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    assertEquals("created", status(rt, id));
  }

  // Berth's state layout
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void deleteForceOfAContainerThatNeverGotAPidIsSafe(TestRuntime rt) throws Exception {
    // A state directory as a create killed before clone leaves it: pid 0.
    String id = id(rt);
    Path dir = Files.createDirectories(rt.root.resolve(id));
    Files.writeString(dir.resolve("state.json"),
        "{\"id\":\"" + id + "\",\"ociVersion\":\"1.2.0\",\"bundle\":\"/nonexistent\",\"rootfs\":\"/nonexistent\",\"pid\":0,\"pidStartTime\":0,\"started\":false}");
    Files.writeString(dir.resolve("config.json"), "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}}");
    assertEquals("creating", status(rt, id));
    ok(rt.run(tmp, "delete", "--force", id));
    assertFalse(Files.exists(dir));
  }
}
