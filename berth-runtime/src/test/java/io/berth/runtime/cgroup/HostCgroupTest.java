package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Resources;
import io.berth.oci.Resources.BlockIO;
import io.berth.oci.Resources.Cpu;
import io.berth.oci.Resources.DeviceRule;
import io.berth.oci.Resources.HugepageLimit;
import io.berth.oci.Resources.Memory;
import io.berth.oci.Resources.Pids;
import io.berth.oci.Resources.ThrottleDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real cgroups on a v1 or hybrid host, as root: everything is created under a random top-level path
 * and removed again afterwards, whatever the test did.
 */
class HostCgroupTest {
  private static final long MIB = 1L << 20;

  private String top;
  private final List<Process> processes = new ArrayList<>();
  private List<Hierarchy> hierarchies;

  @BeforeEach
  void requireRootOnAV1Host() throws IOException {
    assertTrue(
        Files.readString(Path.of("/proc/self/status")).contains("\nUid:\t0\t"), "needs root");
    hierarchies = Cgroup.hierarchies();
    assertTrue(
        hierarchies.stream().anyMatch(h -> !h.unified() && h.controllers().contains("memory")),
        "needs a v1 memory hierarchy");
    top = "/berth-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (top == null) {
      return;
    }
    Path freezer = Path.of("/sys/fs/cgroup/freezer" + top);
    // a frozen task does not die until thawed
    if (Files.isDirectory(freezer)) {
      try (Stream<Path> s = Files.walk(freezer)) {
        for (Path state : s.filter(p -> p.endsWith("freezer.state")).toList()) {
          Files.writeString(state, "THAWED");
        }
      }
    }
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor();
    }
    for (Hierarchy h : hierarchies) {
      Path dir = Path.of(h.mountPoint() + top);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.walk(dir)) {
          for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(d);
          }
        }
      }
    }
  }

  private Process sleeper() throws IOException {
    Process p = new ProcessBuilder("sleep", "30").start();
    processes.add(p);
    return p;
  }

  private static String read(String controller, String cgroup, String file) throws IOException {
    return Files.readString(Path.of("/sys/fs/cgroup/" + controller + cgroup, file)).strip();
  }

  private boolean unifiedHas(String controller) {
    return hierarchies.stream().anyMatch(h -> h.unified() && h.controllers().contains(controller));
  }

  private static Resources memory(long limit, long swap) {
    return new Resources(
        null,
        new Memory(limit, null, swap, null, null, null, null, null, null),
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** major:minor of some block device, for throttle rules the kernel accepts. */
  private static long[] aBlockDevice() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/sys/block"))) {
      for (Path dev : s.sorted().toList()) {
        if (Files.exists(dev.resolve("dev")) && !dev.getFileName().toString().startsWith("loop")) {
          String[] mm = Files.readString(dev.resolve("dev")).strip().split(":");
          return new long[] {Long.parseLong(mm[0]), Long.parseLong(mm[1])};
        }
      }
    }
    return null;
  }

  @Test
  void listsTheHostHierarchies() {
    assertTrue(
        hierarchies.contains(new Hierarchy("/sys/fs/cgroup/memory", List.of("memory"), false)));
    assertTrue(hierarchies.stream().filter(Hierarchy::unified).count() <= 1);
  }

  @Test
  void applyCreatesEveryHierarchyAndWritesTheLimits() throws IOException {
    String path = top + "/c1";
    long[] dev = aBlockDevice();
    Resources r =
        new Resources(
            List.of(
                new DeviceRule(false, null, null, null, "rwm"),
                new DeviceRule(true, "c", 1L, 3L, "rwm"),
                new DeviceRule(true, "c", 1L, 5L, "rw")),
            new Memory(64 * MIB, 32 * MIB, 96 * MIB, null, null, 10L, true, null, null),
            new Cpu(512L, 50000L, null, 100000L, null, null, "0", "0", null),
            new Pids(64),
            dev == null
                ? null
                : new BlockIO(
                    null,
                    null,
                    null,
                    List.of(new ThrottleDevice(dev[0], dev[1], MIB)),
                    null,
                    null,
                    null),
            unifiedHas("hugetlb") ? List.of(new HugepageLimit("2MB", 4 * 2 * MIB)) : null,
            null,
            null);
    Cgroup cg = Cgroup.create(path, "c1");
    cg.apply(r);

    for (Hierarchy h : hierarchies) {
      assertTrue(Files.isDirectory(Path.of(h.mountPoint() + path)), h.mountPoint());
    }
    assertEquals(String.valueOf(64 * MIB), read("memory", path, "memory.limit_in_bytes"));
    assertEquals(String.valueOf(32 * MIB), read("memory", path, "memory.soft_limit_in_bytes"));
    assertEquals(String.valueOf(96 * MIB), read("memory", path, "memory.memsw.limit_in_bytes"));
    assertEquals("10", read("memory", path, "memory.swappiness"));
    assertTrue(read("memory", path, "memory.oom_control").contains("oom_kill_disable 1"));
    assertEquals("512", read("cpu", path, "cpu.shares"));
    assertEquals("50000", read("cpu", path, "cpu.cfs_quota_us"));
    assertEquals("100000", read("cpu", path, "cpu.cfs_period_us"));
    assertEquals("0", read("cpuset", path, "cpuset.cpus"));
    assertEquals("64", read("pids", path, "pids.max"));
    assertEquals(
        List.of("c 1:3 rwm", "c 1:5 rw"), read("devices", path, "devices.list").lines().toList());
    if (dev != null) {
      assertEquals(
          dev[0] + ":" + dev[1] + " " + MIB, read("blkio", path, "blkio.throttle.read_bps_device"));
    }
    if (unifiedHas("hugetlb")) {
      assertEquals(String.valueOf(8 * MIB), read("unified", path, "hugetlb.2MB.max"));
    }
  }

  @Test
  void aProcessJoinsEveryHierarchyEvenANewCpuset() throws Exception {
    String path = top + "/deep/c2";
    Cgroup cg = Cgroup.create(path, "c2");
    cg.apply(null);
    assertFalse(
        read("cpuset", top, "cpuset.cpus").isEmpty(), "created levels get the parent's cpus");
    assertFalse(read("cpuset", path, "cpuset.mems").isEmpty());
    Process p = sleeper();
    int pid = (int) p.pid();
    cg.addProcess(pid);

    List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"));
    assertEquals(hierarchies.size(), lines.size(), String.join("\n", lines));
    for (String line : lines) {
      assertTrue(line.endsWith(":" + path), line);
    }
    assertEquals(List.of(pid), cg.pids());
    assertEquals(List.of(pid), Cgroup.load(cg.paths()).pids());
  }

  @Test
  void freezeAndThaw() throws Exception {
    String path = top + "/c3";
    Cgroup cg = Cgroup.create(path, "c3");
    cg.apply(null);
    Process p = sleeper();
    cg.addProcess((int) p.pid());

    cg.freeze();
    assertEquals("FROZEN", read("freezer", path, "freezer.state"));
    assertTrue(cg.isFrozen());
    assertTrue(Cgroup.load(cg.paths()).isFrozen());
    cg.thaw();
    assertEquals("THAWED", read("freezer", path, "freezer.state"));
    assertFalse(cg.isFrozen());
    assertTrue(p.isAlive());
  }

  @Test
  void statsReportUsageAndLimits() throws Exception {
    Cgroup cg = Cgroup.create(top + "/c4", "c4");
    cg.apply(new Resources(null, null, null, new Pids(32), null, null, null, null));
    Process p = sleeper();
    cg.addProcess((int) p.pid());
    CgroupStats s = cg.stats();
    assertEquals(1L, s.pidsCurrent());
    assertEquals(32L, s.pidsLimit());
    assertEquals(-1L, s.memoryLimitBytes());
    assertNotNull(s.memoryUsageBytes());
    assertNotNull(s.cpuUsageNanos());
    assertTrue(s.cpuUsageNanos() >= 0);
  }

  @Test
  void updateRaisesAndLowersMemoryAndSwapInTheOrderTheKernelNeeds() throws Exception {
    String path = top + "/c5";
    Cgroup cg = Cgroup.create(path, "c5");
    cg.apply(memory(64 * MIB, 96 * MIB));
    Process p = sleeper();
    cg.addProcess((int) p.pid());

    cg.update(memory(200 * MIB, 300 * MIB));
    assertEquals(String.valueOf(200 * MIB), read("memory", path, "memory.limit_in_bytes"));
    assertEquals(String.valueOf(300 * MIB), read("memory", path, "memory.memsw.limit_in_bytes"));
    cg.update(memory(32 * MIB, 48 * MIB));
    assertEquals(String.valueOf(32 * MIB), read("memory", path, "memory.limit_in_bytes"));
    assertEquals(String.valueOf(48 * MIB), read("memory", path, "memory.memsw.limit_in_bytes"));
    cg.update(memory(-1, 0));
    assertEquals(-1L, cg.stats().memoryLimitBytes());
    assertEquals(
        -1L,
        ControlFiles.readLimit(
            Path.of("/sys/fs/cgroup/memory" + path, "memory.memsw.limit_in_bytes")));

    Cgroup loaded = Cgroup.load(cg.paths());
    loaded.update(new Resources(null, null, null, new Pids(10), null, null, null, null));
    assertEquals("10", read("pids", path, "pids.max"));
  }

  @Test
  void errorsNameTheFileAndTheValue() {
    Cgroup cg = Cgroup.create(top + "/c6", "c6");
    cg.apply(null);
    Cpu cpus = new Cpu(null, null, null, null, null, null, "99", null, null);
    CgroupException e =
        assertThrows(
            CgroupException.class,
            () -> cg.update(new Resources(null, null, cpus, null, null, null, null, null)));
    assertTrue(
        e.getMessage().contains("cpuset.cpus") && e.getMessage().contains("\"99\""),
        e.getMessage());

    BlockIO leaf = new BlockIO(null, 200, null, null, null, null, null);
    e =
        assertThrows(
            CgroupException.class,
            () -> cg.update(new Resources(null, null, null, null, leaf, null, null, null)));
    assertTrue(e.getMessage().contains("blkio.leaf_weight"), e.getMessage());

    e = assertThrows(CgroupException.class, () -> cg.update(memory(64 * MIB, 32 * MIB)));
    assertTrue(e.getMessage().contains("memory.swap"), e.getMessage());
  }

  @Test
  void blkioWeightFallsBackToBfq() throws IOException {
    String path = top + "/c7";
    Cgroup cg = Cgroup.create(path, "c7");
    cg.apply(null);
    Path blkio = Path.of("/sys/fs/cgroup/blkio" + path);
    assertTrue(
        !Files.exists(blkio.resolve("blkio.weight"))
            && Files.exists(blkio.resolve("blkio.bfq.weight")));
    cg.update(
        new Resources(
            null,
            null,
            null,
            null,
            new BlockIO(300, null, null, null, null, null, null),
            null,
            null,
            null));
    assertTrue(read("blkio", path, "blkio.bfq.weight").endsWith("300"));
  }

  @Test
  void destroyRemovesOnlyWhatItCreated() throws Exception {
    Cgroup a = Cgroup.create(top + "/a", "a");
    a.apply(null);
    Cgroup b = Cgroup.create(top + "/b", "b");
    b.apply(null);
    assertEquals("/sys/fs/cgroup/memory" + top, a.paths().get("created:memory"));
    assertEquals("/sys/fs/cgroup/memory" + top + "/b", b.paths().get("created:memory"));

    Cgroup.load(a.paths()).destroy();
    for (Hierarchy h : hierarchies) {
      assertFalse(Files.exists(Path.of(h.mountPoint() + top + "/a")), h.mountPoint());
      assertTrue(Files.isDirectory(Path.of(h.mountPoint() + top)), "the parent still holds b");
    }
    b.destroy();
    for (Hierarchy h : hierarchies) {
      assertFalse(Files.exists(Path.of(h.mountPoint() + top + "/b")), h.mountPoint());
      assertTrue(Files.isDirectory(Path.of(h.mountPoint() + top)), "b did not create the parent");
    }
    assertDoesNotThrow(b::destroy);

    Cgroup c = Cgroup.create(top + "/c", "c");
    c.apply(null);
    c.destroy();
    assertTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/memory" + top)));
    Cgroup fresh = Cgroup.create(top + "-solo/x", "x");
    fresh.apply(null);
    fresh.destroy();
    for (Hierarchy h : hierarchies) {
      assertFalse(Files.exists(Path.of(h.mountPoint() + top + "-solo")), h.mountPoint());
      assertTrue(Files.isDirectory(Path.of(h.mountPoint())));
    }
  }

  @Test
  void destroyWithALiveProcessFailsAndNamesIt() throws Exception {
    Cgroup cg = Cgroup.create(top + "/busy", "busy");
    cg.apply(null);
    Process p = sleeper();
    cg.addProcess((int) p.pid());
    long start = System.nanoTime();
    CgroupException e = assertThrows(CgroupException.class, cg::destroy);
    assertTrue(e.getMessage().contains(String.valueOf(p.pid())), e.getMessage());
    assertTrue(System.nanoTime() - start < 5_000_000_000L, "one timeout for all hierarchies");
    p.destroyForcibly();
    p.waitFor();
    cg.destroy();
    assertFalse(Files.exists(Path.of("/sys/fs/cgroup/memory" + top + "/busy")));
  }
}
