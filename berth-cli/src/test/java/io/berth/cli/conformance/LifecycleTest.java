package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.SpecJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** create, start, state, kill, delete, run, list, ps, pause, resume: runtime.md's lifecycle. */
class LifecycleTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void runPrintsOutputAndReturnsTheExitCode(TestRuntime rt) {
    var r = run(rt, bundle().script("echo hello-$((6*7)); exit 3"));
    assertEquals(3, r.code(), r.toString());
    assertEquals("hello-42\n", r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void createStartStateKillDelete(TestRuntime rt) throws Exception {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    Path pidFile = tmp.resolve("pid");
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), "--pid-file", pidFile.toString(), id));
    String pidText = Files.readString(pidFile);
    assertTrue(pidText.matches("\\d+"), "pid file holds bare digits: '" + pidText + "'");
    JsonNode st = state(rt, id);
    assertEquals("created", st.get("status").asText());
    assertEquals(id, st.get("id").asText());
    assertEquals(Integer.parseInt(pidText), st.get("pid").asInt());
    assertEquals(b.dir.toString(), st.get("bundle").asText());
    assertTrue(st.get("ociVersion").asText().startsWith("1."));
    // The process exists but has not exec'd the user's program yet.
    assertNotEquals("sleep", Files.readString(Path.of("/proc", pidText, "comm")).trim());

    ok(rt.run(tmp, "start", id));
    assertEquals("running", status(rt, id));
    assertEquals("sleep", Files.readString(Path.of("/proc", pidText, "comm")).trim());

    ok(rt.run(tmp, "kill", id, "KILL"));
    awaitStatus(rt, id, "stopped");
    assertFalse(state(rt, id).has("pid") && state(rt, id).get("pid").asInt() != 0, "no pid once stopped");

    ok(rt.run(tmp, "delete", id));
    var gone = rt.run(tmp, "state", id);
    assertNotEquals(0, gone.code());
    assertFalse(gone.err().isBlank(), "a clear message: " + gone);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void wrongStateTransitionsFailClearly(TestRuntime rt) {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    ok(rt.run(tmp, "start", id));
    var again = rt.run(tmp, "start", id);
    assertNotEquals(0, again.code(), "start twice");
    assertEquals(1, again.err().strip().lines().count(), "one line: " + again.err());
    var del = rt.run(tmp, "delete", id);
    assertNotEquals(0, del.code(), "delete of a running container without --force");
    assertEquals("running", status(rt, id), "the failed delete changed nothing");
    ok(rt.run(tmp, "delete", "--force", id));
    assertNotEquals(0, rt.run(tmp, "state", id).code());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void duplicateIdIsRefusedAndTheFirstSurvives(TestRuntime rt) {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    var dup = rt.run(tmp, "create", "--bundle", b.dir.toString(), id);
    assertNotEquals(0, dup.code());
    assertTrue(dup.err().contains("exist"), dup.err());
    assertEquals("created", status(rt, id));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void unknownContainerIsAnError(TestRuntime rt) {
    for (String cmd : new String[] {"state", "start", "kill", "delete", "pause"}) {
      var r = rt.run(tmp, cmd, "no-such-container");
      assertNotEquals(0, r.code(), cmd);
      assertFalse(r.err().isBlank(), cmd);
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void listShowsContainersAsJsonAndTable(TestRuntime rt) {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    JsonNode list = SpecJson.parse(ok(rt.run(tmp, "list", "--format", "json")).out().getBytes(), JsonNode.class, "list");
    boolean found = false;
    for (JsonNode c : list) {
      if (c.get("id").asText().equals(id)) {
        found = true;
        assertEquals("created", c.get("status").asText());
        assertTrue(c.get("pid").asInt() > 0);
      }
    }
    assertTrue(found, list.toString());
    String table = ok(rt.run(tmp, "list")).out();
    assertTrue(table.startsWith("ID"), table);
    assertTrue(table.contains(id), table);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void psListsTheContainersProcesses(TestRuntime rt) throws Exception {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    Path pidFile = tmp.resolve("pid");
    ok(rt.run(tmp, "run", "--detach", "--pid-file", pidFile.toString(), "--bundle", b.dir.toString(), id));
    int pid = Integer.parseInt(Files.readString(pidFile));
    JsonNode pids = SpecJson.parse(ok(rt.run(tmp, "ps", "--format", "json", id)).out().getBytes(), JsonNode.class, "ps");
    assertEquals(1, pids.size(), pids.toString());
    assertEquals(pid, pids.get(0).asInt());
    String table = ok(rt.run(tmp, "ps", id)).out();
    assertTrue(table.contains("PID") && table.contains(String.valueOf(pid)), table);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void pauseAndResume(TestRuntime rt) {
    Bundle b = bundle("sleep", "1000").write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    ok(rt.run(tmp, "pause", id));
    assertEquals("paused", status(rt, id));
    ok(rt.run(tmp, "resume", id));
    assertEquals("running", status(rt, id));
    assertNotEquals(0, rt.run(tmp, "resume", id).code(), "resume of a running container");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void killAllSignalsEveryProcess(TestRuntime rt) {
    Bundle b = bundle().script("sleep 1000 & sleep 1000 & wait");
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    long end = System.currentTimeMillis() + 5000;
    int n = 0;
    while (System.currentTimeMillis() < end && n < 3) {
      n = SpecJson.parse(ok(rt.run(tmp, "ps", "--format", "json", id)).out().getBytes(), JsonNode.class, "ps").size();
    }
    assertEquals(3, n, "sh and two sleeps");
    ok(rt.run(tmp, "kill", "--all", id, "KILL"));
    awaitStatus(rt, id, "stopped");
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void stoppedContainerStaysQueryableUntilDelete(TestRuntime rt) {
    Bundle b = bundle("true").write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    ok(rt.run(tmp, "start", id));
    awaitStatus(rt, id, "stopped");
    assertNotEquals(0, rt.run(tmp, "kill", id, "TERM").code(), "kill of a stopped container");
    ok(rt.run(tmp, "delete", id));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void execRunsInTheContainer(TestRuntime rt) {
    Bundle b = bundle("sleep", "1000");
    b.config.put("hostname", "exec-host");
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    var r = rt.run(tmp, "exec", "--env", "X=42", "--cwd", "/tmp", id, "sh", "-c", "echo $(hostname) $X $(pwd); ls /proc | grep -c '^[0-9]'; exit 7");
    assertEquals(7, r.code(), r.toString());
    String[] lines = r.out().split("\n");
    assertEquals("exec-host 42 /tmp", lines[0]);
    // sleep, the exec'd sh and its ls (and grep): only the container's processes are visible.
    assertTrue(Integer.parseInt(lines[1].trim()) <= 4, r.out());
    var missing = rt.run(tmp, "exec", id, "no-such-binary");
    assertNotEquals(0, missing.code());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void foregroundRunForwardsSignalsToTheContainer(TestRuntime rt) throws Exception {
    Path ready = tmp.resolve("ready");
    Bundle b = bundle().script("trap 'echo got-term; exit 7' TERM; touch /ready; while true; do sleep 0.1; done");
    b.config.with("root").put("readonly", false);
    b.write();
    ProcessBuilder pb = new ProcessBuilder(rt.argv("run", "--bundle", b.dir.toString(), id(rt)));
    pb.environment().putAll(rt.env);
    Path out = tmp.resolve("run.out");
    Process p = pb.redirectOutput(out.toFile()).redirectError(tmp.resolve("run.err").toFile()).start();
    long end = System.currentTimeMillis() + 20_000;
    while (!Files.exists(b.dir.resolve("rootfs/ready")) && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }
    assertTrue(Files.exists(b.dir.resolve("rootfs/ready")), "the container started");
    Thread.sleep(200); // the runtime installs its forwarding once the container runs
    p.destroy(); // SIGTERM to the runtime process
    assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(7, p.exitValue(), Files.readString(tmp.resolve("run.err")));
    assertEquals("got-term\n", Files.readString(out));
    assertFalse(Files.exists(ready));
  }
}
