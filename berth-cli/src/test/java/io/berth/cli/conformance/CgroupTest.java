package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** linux.resources at linux.cgroupsPath, update, and removal on delete (cgroups v1 here). */
class CgroupTest extends ConformanceBase {
  private static final Path V1 = Path.of("/sys/fs/cgroup");

  private static String read(Path p) throws Exception {
    try (var in = new java.io.FileInputStream(p.toFile())) {
      return new String(in.readAllBytes()).trim();
    }
  }

  /** The parent cgroup these tests' cgroupsPath share, in every hierarchy, once it is empty. */
  private static void removeConformanceParents() {
    for (String c : new String[] {"memory", "pids", "cpu", "cpuacct", "cpuset", "devices", "freezer", "blkio", "systemd"}) {
      V1.resolve(c + "/berth-conformance").toFile().delete();
    }
    Path.of("/sys/fs/cgroup/unified/berth-conformance").toFile().delete();
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void limitsAreAppliedAtCgroupsPathAndRemovedOnDelete(TestRuntime rt) throws Exception {
    String cg = "/berth-conformance/" + rt.name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Bundle b = bundle().script("cat /proc/self/cgroup | grep -E ':(memory|pids):'; sleep 1000");
    b.linux().put("cgroupsPath", cg);
    ObjectNode res = b.linux().with("resources");
    res.putObject("memory").put("limit", 64L << 20);
    res.putObject("pids").put("limit", 42);
    res.putObject("cpu").put("shares", 512).put("quota", 50000).put("period", 100000);
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    Path mem = V1.resolve("memory" + cg);
    Path pids = V1.resolve("pids" + cg);
    Path cpu = V1.resolve("cpu" + cg);
    assertEquals(String.valueOf(64L << 20), read(mem.resolve("memory.limit_in_bytes")));
    assertEquals("42", read(pids.resolve("pids.max")));
    assertEquals("512", read(cpu.resolve("cpu.shares")));
    assertEquals("50000", read(cpu.resolve("cpu.cfs_quota_us")));
    int pid = state(rt, id).get("pid").asInt();
    assertTrue(read(pids.resolve("cgroup.procs")).lines().anyMatch(l -> l.equals(String.valueOf(pid))));

    ok(rt.run(tmp, "update", "--pids-limit", "77", "--memory", "128m", id));
    assertEquals("77", read(pids.resolve("pids.max")));
    assertEquals(String.valueOf(128L << 20), read(mem.resolve("memory.limit_in_bytes")));

    ok(rt.run(tmp, "delete", "--force", id));
    assertFalse(Files.exists(mem), mem + " removed");
    assertFalse(Files.exists(pids), pids + " removed");
    onCleanup(CgroupTest::removeConformanceParents);
  }

  /**
   * Berth's container process, and a process exec'd into it, enter their cgroups by themselves
   * (v1: "0" to each hierarchy's tasks file; cgroup2: clone3 into the directory): each must be in
   * every hierarchy, named and unified too.
   */
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void theProcessIsInItsCgroupInEveryHierarchy(TestRuntime rt) throws Exception {
    String cg = "/berth-conformance/join-" + rt.name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Bundle b = bundle().script("sleep 1000");
    b.linux().put("cgroupsPath", cg);
    b.write();
    String id = id(rt);
    onCleanup(CgroupTest::removeConformanceParents);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    int pid = state(rt, id).get("pid").asInt();
    Path pidFile = tmp.resolve("exec-" + rt.name + ".pid");
    ok(rt.run(tmp, "exec", "--detach", "--pid-file", pidFile.toString(), id, "sleep", "77"));
    int execPid = Integer.parseInt(read(pidFile));
    for (int p : new int[] {pid, execPid}) {
      java.util.List<String> lines = read(Path.of("/proc/" + p + "/cgroup")).lines().toList();
      assertTrue(lines.size() > 1, lines.toString());
      for (String line : lines) {
        assertTrue(line.endsWith(cg), "pid " + p + " in " + cg + ": " + line);
      }
      if (Files.exists(Path.of("/sys/fs/cgroup/unified/cgroup.procs"))) {
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("0::")), "the cgroup2 hierarchy too: " + lines);
      }
    }
    ok(rt.run(tmp, "delete", "--force", id));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void memoryLimitIsEnforced(TestRuntime rt) {
    // 16 MiB limit; tail buffers /dev/zero without end until the OOM killer ends it.
    Bundle b = bundle("tail", "/dev/zero");
    b.linux().with("resources").putObject("memory").put("limit", 16L << 20).put("swap", 16L << 20);
    var r = run(rt, b);
    assertEquals(137, r.code(), "killed by SIGKILL: " + r);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void pidsLimitIsEnforced(TestRuntime rt) throws Exception {
    String cg = "/berth-conformance-pids-" + rt.name + "-" + System.nanoTime();
    Bundle b = bundle().script("for i in 1 2 3 4 5 6 7 8; do sleep 100 & done; wait");
    b.linux().put("cgroupsPath", cg);
    b.linux().with("resources").putObject("pids").put("limit", 4);
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "run", "--detach", "--bundle", b.dir.toString(), id));
    Path events = V1.resolve("pids" + cg + "/pids.events");
    long end = System.currentTimeMillis() + 5000;
    String ev = read(events);
    while (ev.equals("max 0") && System.currentTimeMillis() < end) {
      Thread.sleep(20);
      ev = read(events);
    }
    assertTrue(Integer.parseInt(ev.split(" ")[1]) > 0, "forks beyond the limit failed: " + ev);
    assertTrue(Integer.parseInt(read(V1.resolve("pids" + cg + "/pids.current"))) <= 4);
  }
}
