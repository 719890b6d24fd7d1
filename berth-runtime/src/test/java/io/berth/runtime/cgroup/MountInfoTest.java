package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountInfoTest {
  /** This machine's layout: v1 controllers, a named systemd hierarchy and cgroup2 beside them. */
  static final String HYBRID =
      """
      22 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
      31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
      34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
      35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
      37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
      38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
      39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
      40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/lib/x,name=systemd
      41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;

  static final String V2 =
      """
      25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
      30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
      """;

  @Test
  void findsEveryHierarchyOfAHybridHost() {
    List<CgroupMount> mounts = MountInfo.parse(HYBRID, "");
    assertEquals(10, mounts.size());
    assertEquals(
        new CgroupMount("/sys/fs/cgroup/memory", "/", List.of("memory"), false), mounts.get(3));
    assertEquals(List.of("name=systemd"), mounts.get(8).controllers());
    CgroupMount unified = mounts.get(9);
    assertTrue(unified.unified());
    assertEquals("/sys/fs/cgroup/unified", unified.mountPoint());
    assertEquals(List.of(Cgroup.UNIFIED), unified.keys());
  }

  @Test
  void readsAPureV2HostWithOptionalFields() {
    List<CgroupMount> mounts = MountInfo.parse(V2, "/fake");
    assertEquals(List.of(new CgroupMount("/fake/sys/fs/cgroup", "/", List.of(), true)), mounts);
  }

  @Test
  void coMountedControllersShareOneHierarchyAndDuplicatesCountOnce() {
    String text =
        """
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
        33 31 0:30 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory,clone_children
        90 80 0:29 / /var/lib/ctr/sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpuacct,cpu
        """;
    List<CgroupMount> mounts = MountInfo.parse(text, "");
    assertEquals(2, mounts.size());
    assertEquals(List.of("cpu", "cpuacct"), mounts.get(0).keys());
    assertEquals("/docker/abc", mounts.get(1).mountRoot());
    assertEquals(List.of("memory"), mounts.get(1).controllers());
  }

  @Test
  void unescapesOctalSequencesInPaths() {
    String text = "41 31 0:38 / /mnt/my\\040cgroups rw - cgroup2 cgroup2 rw\n";
    assertEquals("/mnt/my cgroups", MountInfo.parse(text, "").getFirst().mountPoint());
    assertEquals("a\\b", MountInfo.unescape("a\\b"));
  }

  @Test
  void ignoresOtherFilesystems() {
    assertFalse(MountInfo.parse("22 1 254:0 / / rw - ext4 /dev/vda rw\n", "").iterator().hasNext());
  }

  @Test
  void aCgroup2MountedOverAV1LayoutHidesIt() {
    String covered = HYBRID + "90 31 0:40 / /sys/fs/cgroup rw,relatime - cgroup2 none rw\n";
    List<CgroupMount> mounts = MountInfo.parse(covered, "");
    assertEquals(List.of(new CgroupMount("/sys/fs/cgroup", "/", List.of(), true)), mounts);
  }
}
