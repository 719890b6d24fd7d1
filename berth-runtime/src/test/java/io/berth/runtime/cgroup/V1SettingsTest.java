package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Resources;
import io.berth.oci.Resources.HugepageLimit;
import io.berth.oci.Resources.Memory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * v1 and hybrid decisions that do not need the kernel's checks, against a fake tree: a host without
 * swap accounting, hugetlb only in cgroup2, controllers that are not mounted.
 */
class V1SettingsTest {
  private static final String MOUNTS =
      """
      32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
      35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
      41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
      """;

  @TempDir Path tmp;
  private FakeCgroupFs fs;
  private Cgroup cg;

  @BeforeEach
  void layOutAHybridHostWithoutSwapAccounting() {
    fs = new FakeCgroupFs(tmp);
    fs.dir(
        "/sys/fs/cgroup/memory/c1",
        "cgroup.procs",
        "memory.limit_in_bytes",
        "memory.soft_limit_in_bytes",
        "memory.kmem.limit_in_bytes",
        "memory.usage_in_bytes");
    fs.dir("/sys/fs/cgroup/cpu,cpuacct/c1", "cgroup.procs", "cpu.shares", "cpuacct.usage");
    fs.dir("/sys/fs/cgroup/unified/c1", "cgroup.procs", "hugetlb.2MB.max", "memory.high");
    cg = fs.host(MOUNTS, "0::/\n").cgroup("/c1", "c1");
  }

  private static Resources memory(Long limit, Long swap) {
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

  @Test
  void swapEqualToTheLimitNeedsNoSwapAccounting() {
    cg.apply(memory(1L << 26, 1L << 26));
    assertEquals(
        String.valueOf(1L << 26), fs.read("/sys/fs/cgroup/memory/c1/memory.limit_in_bytes"));
    assertDoesNotThrow(() -> cg.apply(memory(1L << 26, -1L)));
  }

  @Test
  void aRealSwapCapWithoutSwapAccountingIsAnError() {
    CgroupException e =
        assertThrows(CgroupException.class, () -> cg.apply(memory(1L << 26, 1L << 27)));
    assertTrue(e.getMessage().contains("memory.memsw.limit_in_bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("swapaccount=1"), e.getMessage());
  }

  @Test
  void swapBelowTheLimitIsRejectedBeforeAnyWrite() {
    fs.put("/sys/fs/cgroup/memory/c1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
    CgroupException e =
        assertThrows(CgroupException.class, () -> cg.apply(memory(1L << 27, 1L << 26)));
    assertTrue(e.getMessage().contains("memory+swap"), e.getMessage());
    assertEquals("", fs.read("/sys/fs/cgroup/memory/c1/memory.limit_in_bytes"));
  }

  @Test
  void kernelMemoryIsIgnored() {
    Resources r =
        new Resources(
            null,
            new Memory(null, null, null, 1L << 20, null, null, null, null, null),
            null,
            null,
            null,
            null,
            null,
            null);
    cg.apply(r);
    assertEquals("", fs.read("/sys/fs/cgroup/memory/c1/memory.kmem.limit_in_bytes"));
  }

  @Test
  void hugetlbGoesToTheUnifiedHierarchyWhenV1HasNone() {
    cg.apply(
        new Resources(
            null, null, null, null, null, List.of(new HugepageLimit("2MB", 4194304)), null, null));
    assertEquals("4194304", fs.read("/sys/fs/cgroup/unified/c1/hugetlb.2MB.max"));
  }

  @Test
  void unifiedEntriesGoToTheUnifiedHierarchyOfAHybridHost() {
    cg.apply(
        new Resources(null, null, null, null, null, null, null, Map.of("memory.high", "5000")));
    assertEquals("5000", fs.read("/sys/fs/cgroup/unified/c1/memory.high"));
  }

  @Test
  void unifiedEntriesOnPureV1AreAnError() {
    String v1Only =
        MOUNTS.lines().filter(l -> !l.contains("cgroup2")).reduce("", (a, b) -> a + b + "\n");
    Cgroup pure = fs.host(v1Only, "").cgroup("/c1", "c1");
    Resources r =
        new Resources(null, null, null, null, null, null, null, Map.of("memory.high", "5000"));
    CgroupException e = assertThrows(CgroupException.class, () -> pure.apply(r));
    assertTrue(e.getMessage().contains("cgroup v2"), e.getMessage());
  }

  @Test
  void aControllerThatIsNotMountedIsNamed() {
    Resources r = new Resources(null, null, null, new Resources.Pids(10), null, null, null, null);
    CgroupException e = assertThrows(CgroupException.class, () -> cg.apply(r));
    assertTrue(e.getMessage().contains("pids"), e.getMessage());
  }

  @Test
  void netClsAndNetPrioAreOptional() {
    Resources r =
        new Resources(
            null,
            null,
            null,
            null,
            null,
            null,
            new Resources.Network(0x100001L, List.of(new Resources.Priority("eth0", 5))),
            null);
    assertDoesNotThrow(() -> cg.apply(r));
  }

  @Test
  void coMountedControllersShareADirectoryAndTheStateSurvivesLoad() {
    Map<String, String> paths = cg.paths();
    assertEquals(paths.get("cpu"), paths.get("cpuacct"));
    assertEquals(fs.path("/sys/fs/cgroup/unified/c1").toString(), paths.get("unified"));
    Cgroup loaded = Cgroup.load(paths);
    assertInstanceOf(V1Cgroup.class, loaded);
    assertEquals(paths, loaded.paths());
    loaded.addProcess(4242);
    assertEquals("4242", fs.read("/sys/fs/cgroup/cpu,cpuacct/c1/cgroup.procs"));
    assertEquals("4242", fs.read("/sys/fs/cgroup/unified/c1/cgroup.procs"));
  }

  @Test
  void statsTreatTheV1UnlimitedValueAsMinusOne() {
    fs.put("/sys/fs/cgroup/memory/c1/memory.limit_in_bytes", "9223372036854771712\n");
    fs.put("/sys/fs/cgroup/memory/c1/memory.usage_in_bytes", "8192\n");
    fs.put("/sys/fs/cgroup/cpu,cpuacct/c1/cpuacct.usage", "777\n");
    CgroupStats s = cg.stats();
    assertEquals(8192L, s.memoryUsageBytes());
    assertEquals(-1L, s.memoryLimitBytes());
    assertEquals(777L, s.cpuUsageNanos());
    assertEquals(null, s.pidsCurrent(), "pids is not mounted");
  }
}
