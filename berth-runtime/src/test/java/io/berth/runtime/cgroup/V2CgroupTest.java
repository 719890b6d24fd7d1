package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import io.berth.oci.Resources.WeightDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cgroup v2 logic against a fake /sys/fs/cgroup, so it is tested on hosts that are not v2. */
class V2CgroupTest {
  private static final String CONTROLLERS = "cpuset cpu io memory hugetlb pids";
  private static final String[] LEAF_FILES = {
    "cgroup.procs",
    "cgroup.freeze",
    "cgroup.events",
    "memory.max",
    "memory.swap.max",
    "memory.low",
    "memory.high",
    "memory.current",
    "cpu.weight",
    "cpu.max",
    "cpu.max.burst",
    "cpu.idle",
    "cpu.stat",
    "cpuset.cpus",
    "cpuset.mems",
    "pids.max",
    "pids.current",
    "io.max",
    "io.weight",
    "hugetlb.2MB.max"
  };

  @TempDir Path tmp;
  private FakeCgroupFs fs;
  private CgroupHost host;

  @BeforeEach
  void layOutAV2Host() {
    fs = new FakeCgroupFs(tmp);
    for (String dir : List.of("/sys/fs/cgroup", "/sys/fs/cgroup/berth")) {
      fs.dir(dir, "cgroup.subtree_control");
      fs.put(dir + "/cgroup.controllers", CONTROLLERS + "\n");
    }
    fs.dir("/sys/fs/cgroup/berth/c1", LEAF_FILES);
    fs.put("/sys/fs/cgroup/berth/c1/cpu.max", "max 100000\n");
    host = fs.host(MountInfoTest.V2, "0::/\n");
  }

  private String leaf(String file) {
    return fs.read("/sys/fs/cgroup/berth/c1/" + file);
  }

  private static Resources memory(Memory m) {
    return new Resources(null, m, null, null, null, null, null, null);
  }

  private static Memory mem(Long limit, Long swap) {
    return new Memory(limit, null, swap, null, null, null, null, null, null);
  }

  @Test
  void applyWritesConvertedValues() {
    Resources r =
        new Resources(
            List.of(new DeviceRule(false, "a", null, null, "rwm")),
            new Memory(1L << 30, 1L << 29, 3L << 29, 1L << 20, null, 60L, true, null, null),
            new Cpu(1024L, 50000L, 1000L, 100000L, null, null, "0-1", "0", 1L),
            new Pids(0),
            new BlockIO(
                500,
                100,
                List.of(new WeightDevice(8, 0, 1000, null)),
                List.of(new ThrottleDevice(8, 0, 1048576)),
                List.of(new ThrottleDevice(8, 0, 0)),
                List.of(new ThrottleDevice(8, 16, 100)),
                null),
            List.of(new HugepageLimit("2MB", 4194304)),
            null,
            null);
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    cg.apply(r);
    assertEquals(String.valueOf(1L << 30), leaf("memory.max"));
    assertEquals(String.valueOf(1L << 29), leaf("memory.swap.max"), "swap minus limit");
    assertEquals(String.valueOf(1L << 29), leaf("memory.low"));
    assertEquals("39", leaf("cpu.weight"));
    assertEquals("50000 100000", leaf("cpu.max"));
    assertEquals("1000", leaf("cpu.max.burst"));
    assertEquals("1", leaf("cpu.idle"));
    assertEquals("0-1", leaf("cpuset.cpus"));
    assertEquals("0", leaf("cpuset.mems"));
    assertEquals("max", leaf("pids.max"));
    assertEquals("8:0 10000", leaf("io.weight"), "last write is the per-device weight");
    assertEquals("8:16 riops=100", leaf("io.max"), "one line per device, the last device last");
    assertEquals("4194304", leaf("hugetlb.2MB.max"));
  }

  @Test
  void throttlesOfOneDeviceShareOneIoMaxLine() {
    BlockIO b =
        new BlockIO(
            null,
            null,
            null,
            List.of(new ThrottleDevice(8, 0, 1048576)),
            List.of(new ThrottleDevice(8, 0, 0)),
            null,
            List.of(new ThrottleDevice(8, 0, 20)));
    host.cgroup("/berth/c1", "c1")
        .apply(new Resources(null, null, null, null, b, null, null, null));
    assertEquals("8:0 rbps=1048576 wbps=max wiops=20", leaf("io.max"));
  }

  @Test
  void applyEnablesControllersInEveryAncestor() {
    host.cgroup("/berth/c1", "c1").apply(null);
    String all = "+cpuset +cpu +io +memory +hugetlb +pids";
    assertEquals(all, fs.read("/sys/fs/cgroup/cgroup.subtree_control"));
    assertEquals(all, fs.read("/sys/fs/cgroup/berth/cgroup.subtree_control"));
  }

  @Test
  void alreadyEnabledControllersAreNotWrittenAgain() {
    fs.put("/sys/fs/cgroup/cgroup.subtree_control", "cpuset cpu io memory pids\n");
    host.cgroup("/berth/c1", "c1").apply(null);
    assertEquals("+hugetlb", fs.read("/sys/fs/cgroup/cgroup.subtree_control"));
  }

  @Test
  void unifiedEntriesAreWrittenVerbatimAndLast() {
    Map<String, String> unified = new LinkedHashMap<>();
    unified.put("memory.high", "300000");
    unified.put("memory.max", "400000");
    Resources r = new Resources(null, mem(100000L, null), null, null, null, null, null, unified);
    host.cgroup("/berth/c1", "c1").apply(r);
    assertEquals("300000", leaf("memory.high"));
    assertEquals("400000", leaf("memory.max"));
  }

  @Test
  void unifiedKeysCannotLeaveTheCgroup() {
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    for (String key : List.of("../cgroup.procs", "sub/memory.max", "..", "")) {
      Resources r = new Resources(null, null, null, null, null, null, null, Map.of(key, "1"));
      CgroupException e = assertThrows(CgroupException.class, () -> cg.apply(r), key);
      assertTrue(e.getMessage().contains("\"" + key + "\""), e.getMessage());
    }
    assertEquals("", leaf("cgroup.procs"));
  }

  @Test
  void aMissingFileIsNamedWithTheValue() {
    Resources r =
        new Resources(
            null, null, null, null, null, null, null, Map.of("rdma.max", "mlx4_0 hca_handle=2"));
    CgroupException e =
        assertThrows(CgroupException.class, () -> host.cgroup("/berth/c1", "c1").apply(r));
    assertTrue(e.getMessage().contains("rdma.max"), e.getMessage());
    assertTrue(e.getMessage().contains("mlx4_0 hca_handle=2"), e.getMessage());
  }

  @Test
  void realtimeCpuIsRejected() {
    Cpu rt = new Cpu(null, null, null, null, 950000L, 1000000L, null, null, null);
    Resources r = new Resources(null, null, rt, null, null, null, null, null);
    assertThrows(CgroupException.class, () -> host.cgroup("/berth/c1", "c1").apply(r));
  }

  @Test
  void deviceRulesAndV1OnlySettingsAreIgnoredNotFatal() {
    Resources r =
        new Resources(
            List.of(
                new DeviceRule(false, null, null, null, "rwm"),
                new DeviceRule(true, "c", 1L, 3L, "rwm")),
            new Memory(null, null, null, 1L << 20, 1L << 20, 10L, true, false, null),
            null,
            null,
            null,
            null,
            new Resources.Network(7L, List.of(new Resources.Priority("eth0", 3))),
            null);
    assertDoesNotThrow(() -> host.cgroup("/berth/c1", "c1").apply(r));
  }

  @Test
  void swapAloneUsesTheLimitInForce() {
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    fs.put("/sys/fs/cgroup/berth/c1/memory.max", "1000\n");
    cg.update(memory(mem(null, 3000L)));
    assertEquals("2000", leaf("memory.swap.max"));
    fs.put("/sys/fs/cgroup/berth/c1/memory.max", "max\n");
    assertThrows(CgroupException.class, () -> cg.update(memory(mem(null, 3000L))));
  }

  @Test
  void unlimitedMemoryLiftsSwapToo() {
    host.cgroup("/berth/c1", "c1").apply(memory(mem(-1L, null)));
    assertEquals("max", leaf("memory.max"));
    assertEquals("max", leaf("memory.swap.max"));
  }

  @Test
  void updatingThePeriodKeepsTheQuota() {
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    fs.put("/sys/fs/cgroup/berth/c1/cpu.max", "50000 100000\n");
    cg.update(
        new Resources(
            null,
            null,
            new Cpu(null, null, null, 200000L, null, null, null, null, null),
            null,
            null,
            null,
            null,
            null));
    assertEquals("50000 200000", leaf("cpu.max"));
  }

  @Test
  void checkBeforeUpdateRefusesALimitBelowUsage() {
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    fs.put("/sys/fs/cgroup/berth/c1/memory.current", "5000\n");
    Memory checked = new Memory(1000L, null, null, null, null, null, null, null, true);
    CgroupException e = assertThrows(CgroupException.class, () -> cg.update(memory(checked)));
    assertTrue(e.getMessage().contains("5000"), e.getMessage());
    cg.update(memory(mem(1000L, null)));
    assertEquals("1000", leaf("memory.max"));
  }

  @Test
  void updateOfAMissingCgroupSaysSo() {
    Cgroup cg = host.cgroup("/berth/gone", "gone");
    CgroupException e =
        assertThrows(CgroupException.class, () -> cg.update(memory(mem(1L << 20, null))));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void statsReadV2Files() {
    fs.put("/sys/fs/cgroup/berth/c1/memory.current", "4096\n");
    fs.put("/sys/fs/cgroup/berth/c1/memory.max", "max\n");
    fs.put(
        "/sys/fs/cgroup/berth/c1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    fs.put("/sys/fs/cgroup/berth/c1/pids.current", "3\n");
    fs.put("/sys/fs/cgroup/berth/c1/pids.max", "64\n");
    fs.put("/sys/fs/cgroup/berth/c1/io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=10 wbytes=0\n");
    CgroupStats s = host.cgroup("/berth/c1", "c1").stats();
    assertEquals(new CgroupStats(4096L, -1L, 1_500_000L, 1_000_000L, 500_000L, 3L, 64L,
        java.util.List.of(new CgroupStats.DeviceIo(8, 0, 4096, 8192), new CgroupStats.DeviceIo(253, 1, 10, 0))), s);
  }

  @Test
  void statsOfAMissingControllerAreNull() {
    CgroupStats s = host.cgroup("/berth/other", "other").stats();
    assertEquals(new CgroupStats(null, null, null, null, null, null, null, null), s);
  }

  @Test
  void pidsIncludeDescendantCgroups() {
    fs.put("/sys/fs/cgroup/berth/c1/cgroup.procs", "12\n10\n");
    fs.put("/sys/fs/cgroup/berth/c1/inner/cgroup.procs", "11\n");
    assertEquals(List.of(10, 11, 12), host.cgroup("/berth/c1", "c1").pids());
    assertEquals(List.of(), host.cgroup("/berth/none", "none").pids());
  }

  @Test
  void freezeWaitsForTheKernelToReportFrozen() {
    fs.put("/sys/fs/cgroup/berth/c1/cgroup.events", "populated 1\nfrozen 1\n");
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    cg.freeze();
    assertEquals("1", leaf("cgroup.freeze"));
    assertTrue(cg.isFrozen());
  }

  @Test
  void freezeThatNeverCompletesThawsAndFails() {
    fs.put("/sys/fs/cgroup/berth/c1/cgroup.events", "populated 1\nfrozen 0\n");
    Path dir = fs.path("/sys/fs/cgroup/berth/c1");
    Cgroup cg = new V2Cgroup(dir, null, Duration.ofMillis(50));
    CgroupException e = assertThrows(CgroupException.class, cg::freeze);
    assertTrue(e.getMessage().contains("frozen 1"), e.getMessage());
    assertEquals("0", leaf("cgroup.freeze"));
    assertFalse(cg.isFrozen());
  }

  @Test
  void destroyRemovesWhatApplyCreatedAndKeepsThePreexistingParent() {
    Cgroup cg = host.cgroup("/berth/new/deep", "x");
    cg.apply(null);
    Path parent = fs.path("/sys/fs/cgroup/berth");
    assertEquals(parent.resolve("new").toString(), cg.paths().get("created:unified"));
    Cgroup loaded = Cgroup.load(cg.paths());
    assertEquals(cg.paths(), loaded.paths());
    loaded.destroy();
    assertFalse(Files.exists(parent.resolve("new")));
    assertTrue(Files.isDirectory(parent));
    assertDoesNotThrow(loaded::destroy, "destroying twice is a no-op");
  }

  @Test
  void destroyLeavesACgroupItDidNotCreate() {
    Cgroup cg = host.cgroup("/berth/c1", "c1");
    cg.apply(null);
    assertEquals(Map.of("unified", fs.path("/sys/fs/cgroup/berth/c1").toString()), cg.paths());
    cg.destroy();
    assertTrue(Files.isDirectory(fs.path("/sys/fs/cgroup/berth/c1")));
  }

  @Test
  void loadRebuildsAV2CgroupAndRejectsDamagedPaths() {
    assertInstanceOf(V2Cgroup.class, Cgroup.load(Map.of("unified", "/sys/fs/cgroup/berth/c1")));
    assertThrows(CgroupException.class, () -> Cgroup.load(Map.of()));
    assertThrows(CgroupException.class, () -> Cgroup.load(Map.of("unified", "relative/c1")));
    assertThrows(
        CgroupException.class, () -> Cgroup.load(Map.of("unified", "/sys/fs/cgroup/../etc")));
    assertThrows(
        CgroupException.class,
        () -> Cgroup.load(Map.of("unified", "/sys/fs/cgroup/berth/c1", "created:unified", "/etc")));
  }
}
