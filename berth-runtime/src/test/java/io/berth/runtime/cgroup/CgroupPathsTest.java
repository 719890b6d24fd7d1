package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CgroupPathsTest {
  private static final String OWN_HYBRID =
      """
      9:name=systemd:/
      8:pids:/
      4:memory:/process_api/083c
      1:cpu:/
      0::/session-1
      """;

  private static Map<String, Path> resolve(String mountinfo, String own, String cgroupsPath) {
    return CgroupPaths.resolve(
        MountInfo.parse(mountinfo, ""), CgroupPaths.parseProcCgroup(own), cgroupsPath, "c1");
  }

  @Test
  void absolutePathIsBelowEachHierarchyRoot() {
    Map<String, Path> dirs = resolve(MountInfoTest.HYBRID, OWN_HYBRID, "/pod/c1");
    assertEquals(Path.of("/sys/fs/cgroup/memory/pod/c1"), dirs.get("memory"));
    assertEquals(Path.of("/sys/fs/cgroup/systemd/pod/c1"), dirs.get("name=systemd"));
    assertEquals(Path.of("/sys/fs/cgroup/unified/pod/c1"), dirs.get("unified"));
    assertEquals(10, dirs.size());
  }

  @Test
  void missingPathDefaultsToBerthAndTheContainerId() {
    assertEquals(
        Path.of("/sys/fs/cgroup/berth/c1"),
        resolve(MountInfoTest.V2, "0::/\n", null).get("unified"));
    assertEquals(
        Path.of("/sys/fs/cgroup/berth/c1"), resolve(MountInfoTest.V2, "0::/\n", "").get("unified"));
  }

  @Test
  void relativePathIsBelowTheCallersOwnCgroupInEachHierarchy() {
    Map<String, Path> dirs = resolve(MountInfoTest.HYBRID, OWN_HYBRID, "sub/c1");
    assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/083c/sub/c1"), dirs.get("memory"));
    assertEquals(Path.of("/sys/fs/cgroup/cpu/sub/c1"), dirs.get("cpu"));
    assertEquals(Path.of("/sys/fs/cgroup/unified/session-1/sub/c1"), dirs.get("unified"));
  }

  @Test
  void relativePathStripsTheMountRootOfABindMountedCgroup() {
    String mountinfo = "33 31 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    Map<String, Path> dirs = resolve(mountinfo, "0::/docker/abc/init\n", "c1");
    assertEquals(Path.of("/sys/fs/cgroup/init/c1"), dirs.get("unified"));
  }

  @Test
  void normalizesRedundantSeparators() {
    assertEquals("/a/b/c", CgroupPaths.normalize("/a//b/./c/", "x"));
    assertEquals("a/b", CgroupPaths.normalize("a/b", "x"));
  }

  @Test
  void rejectsEscapesSystemdFormRootsAndBadIds() {
    for (String bad : List.of("/a/../../etc", "system.slice:berth:c1", "/", "..")) {
      CgroupException e =
          assertThrows(CgroupException.class, () -> CgroupPaths.normalize(bad, "c1"), bad);
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
    assertThrows(CgroupException.class, () -> CgroupPaths.normalize(null, "../x"));
    assertThrows(CgroupException.class, () -> CgroupPaths.normalize(null, ""));
  }

  @Test
  void hostPicksTheImplementationForItsLayout() {
    CgroupHost v2 = new CgroupHost(MountInfoTest.V2, "0::/\n", "");
    assertInstanceOf(V2Cgroup.class, v2.cgroup("/x", "c1"));
    CgroupHost hybrid = new CgroupHost(MountInfoTest.HYBRID, OWN_HYBRID, "");
    assertInstanceOf(V1Cgroup.class, hybrid.cgroup("/x", "c1"));
    assertThrows(CgroupException.class, () -> new CgroupHost("", "", "").cgroup("/x", "c1"));
  }
}
