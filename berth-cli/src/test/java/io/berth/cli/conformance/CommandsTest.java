package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.oci.SpecValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** spec, features, exec's flags, update -r, --log, --no-pivot, time and cgroup namespaces. */
class CommandsTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void specWritesAValidDefaultConfigOnce(TestRuntime rt) throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("spec"));
    ok(rt.run(dir, "spec"));
    Spec spec = SpecJson.readConfig(dir.resolve("config.json"));
    SpecValidator.validate(spec, true);
    assertEquals("rootfs", spec.root().path());
    assertTrue(spec.process().isNoNewPrivileges());
    assertNotEquals(0, rt.run(dir, "spec").code(), "an existing config.json is not overwritten");
    Path rootless = Files.createDirectory(tmp.resolve("rootless"));
    ok(rt.run(rootless, "spec", "--rootless"));
    Spec r = SpecJson.readConfig(rootless.resolve("config.json"));
    assertTrue(r.linux().namespaces().stream().anyMatch(n -> n.type().equals("user")));
    assertEquals(1, r.linux().uidMappings().size());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void featuresDescribesTheRuntime(TestRuntime rt) {
    JsonNode f = SpecJson.parse(ok(rt.run(tmp, "features")).out().getBytes(), JsonNode.class, "features");
    assertTrue(f.get("ociVersionMax").asText().startsWith("1."));
    assertTrue(f.get("hooks").toString().contains("createContainer"));
    assertTrue(f.get("linux").get("namespaces").toString().contains("\"pid\""));
    assertTrue(f.get("linux").get("capabilities").toString().contains("CAP_SYS_ADMIN"));
    assertTrue(f.get("linux").get("seccomp").get("enabled").asBoolean());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void execWithProcessFileDetachAndPidFile(TestRuntime rt) throws Exception {
    Bundle b = bundle("sleep", "1000");
    b.config.with("root").put("readonly", false);
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    Path proc = tmp.resolve("process.json");
    Files.writeString(proc, """
        {"terminal": false, "user": {"uid": 42, "gid": 43}, "cwd": "/tmp",
         "env": ["PATH=/bin", "WHO=file"], "args": ["sh", "-c", "echo $WHO $(id -u):$(id -g) $(pwd) > /tmp/exec.out"]}
        """);
    ok(rt.run(tmp, "exec", "--process", proc.toString(), id));
    assertEquals("file 42:43 /tmp\n", Files.readString(b.dir.resolve("rootfs/tmp/exec.out")));
    Path pidFile = tmp.resolve("exec.pid");
    ok(rt.run(tmp, "exec", "--detach", "--pid-file", pidFile.toString(), id, "sleep", "77"));
    String pid = Files.readString(pidFile);
    assertTrue(pid.matches("\\d+"), pid);
    // runc writes the pid file before its init has exec'd the process: give it a moment
    long deadline = System.nanoTime() + 3_000_000_000L;
    String comm = Files.readString(Path.of("/proc", pid, "comm")).trim();
    while (!comm.equals("sleep") && System.nanoTime() < deadline) {
      Thread.sleep(20);
      comm = Files.readString(Path.of("/proc", pid, "comm")).trim();
    }
    assertEquals("sleep", comm);
    var ps = SpecJson.parse(ok(rt.run(tmp, "ps", "--format", "json", id)).out().getBytes(), JsonNode.class, "ps");
    assertTrue(ps.toString().contains(pid), "the exec'd process is in the container's cgroup: " + ps);
    var user = ok(rt.run(tmp, "exec", "--user", "7:8", "--cap", "CAP_NET_RAW", id, "sh", "-c", "echo $(id -u):$(id -g)"));
    assertEquals("7:8\n", user.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void updateFromAResourcesFile(TestRuntime rt) throws Exception {
    String cg = "/berth-conformance-update-" + rt.name + "-" + System.nanoTime();
    Bundle b = bundle("sleep", "1000");
    b.linux().put("cgroupsPath", cg);
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    Path res = tmp.resolve("res.json");
    Files.writeString(res, "{\"pids\": {\"limit\": 33}, \"cpu\": {\"shares\": 300}}");
    ok(rt.run(tmp, "update", "-r", res.toString(), id));
    assertEquals("33", Files.readString(Path.of("/sys/fs/cgroup/pids" + cg + "/pids.max")).trim());
    assertEquals("300", Files.readString(Path.of("/sys/fs/cgroup/cpu" + cg + "/cpu.shares")).trim());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void errorsGoToTheJsonLog(TestRuntime rt) throws Exception {
    Path log = tmp.resolve("rt.log");
    var r = rt.exec(tmp, rtArgs(rt, "--log", log.toString(), "--log-format", "json", "state", "missing-container"));
    assertNotEquals(0, r.code());
    String line = Files.readAllLines(log).stream().filter(l -> l.contains("\"level\":\"error\"")).findFirst().orElseThrow();
    JsonNode entry = SpecJson.parse(line.getBytes(), JsonNode.class, "log");
    assertTrue(entry.get("msg").asText().contains("does not exist"), line);
  }

  private static java.util.List<String> rtArgs(TestRuntime rt, String... args) {
    java.util.List<String> cmd = new java.util.ArrayList<>(rt.command);
    cmd.addAll(java.util.List.of(args));
    cmd.add(2 + rt.command.size() + 2, "--root");
    cmd.add(3 + rt.command.size() + 2, rt.root.toString());
    return cmd;
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void noPivotStillConfinesTheRoot(TestRuntime rt) {
    Bundle b = bundle().script("ls / | tr '\\n' ' '");
    b.write();
    var r = ok(rt.run(tmp, "run", "--no-pivot", "--bundle", b.dir.toString(), id(rt)));
    assertTrue(r.out().startsWith("bin dev etc proc sys tmp"), r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void cgroupNamespaceRootsTheContainersCgroup(TestRuntime rt) {
    var r = ok(run(rt, bundle().script("grep ':pids:' /proc/self/cgroup")));
    assertEquals("pids:/", r.out().trim().substring(r.out().trim().indexOf(':') + 1));
  }

  // runc 1.1.5 has no time namespace support (runc 1.2 has)
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void timeNamespaceOffsets(TestRuntime rt) throws Exception {
    Bundle b = bundle().script("cut -d' ' -f1 /proc/uptime");
    b.linux().withArray("namespaces").addObject().put("type", "time");
    b.linux().putObject("timeOffsets").putObject("boottime").put("secs", 86400 * 365).put("nanosecs", 0);
    var r = ok(run(rt, b));
    double inside = Double.parseDouble(r.out().trim());
    double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    assertTrue(inside - host > 86400 * 364, inside + " vs " + host);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void securityModulesTheHostLacksAreAnError(TestRuntime rt) {
    // The suite's machines have no AppArmor (scripts/setup's Debian VMs); the case needs that.
    assertFalse(Files.exists(Path.of("/sys/kernel/security/apparmor")), "AppArmor is enabled here");
    Bundle b = bundle("true");
    b.process().put("apparmorProfile", "berth-default");
    var r = run(rt, b);
    assertNotEquals(0, r.code(), r.toString());
    assertTrue(r.err().toLowerCase().contains("apparmor"), r.err());
  }
}
