package io.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The cgroup layout of a host: its mounted hierarchies and the cgroups of the calling process.
 * Tests build one from literal mountinfo text and a fake root directory, so that every layout can
 * be exercised on any machine.
 */
final class CgroupHost {
  private final List<CgroupMount> mounts;
  private final Map<String, String> ownCgroups;

  /**
   * @param rootPrefix prepended to every mount point ("" for the real host)
   * @param procSelfCgroup the text of /proc/self/cgroup, for relative cgroupsPaths
   */
  CgroupHost(String mountinfo, String procSelfCgroup, String rootPrefix) {
    this.mounts = MountInfo.parse(mountinfo, rootPrefix);
    this.ownCgroups = CgroupPaths.parseProcCgroup(procSelfCgroup);
  }

  static CgroupHost current() {
    return new CgroupHost(readProc("/proc/self/mountinfo"), readProc("/proc/self/cgroup"), "");
  }

  List<CgroupMount> mounts() {
    return mounts;
  }

  List<Hierarchy> hierarchies() {
    List<Hierarchy> out = new ArrayList<>();
    for (CgroupMount m : mounts) {
      List<String> controllers = m.controllers();
      if (m.unified()) {
        String listed = ControlFiles.readIfPresent(Path.of(m.mountPoint(), "cgroup.controllers"));
        controllers =
            listed == null || listed.isEmpty() ? List.of() : Arrays.asList(listed.split("\\s+"));
      }
      out.add(new Hierarchy(m.mountPoint(), controllers, m.unified()));
    }
    return out;
  }

  /** The cgroup for a container; see {@link Cgroup#create}. */
  Cgroup cgroup(String cgroupsPath, String containerId) {
    if (mounts.isEmpty()) {
      throw new CgroupException(
          "no cgroup filesystem is mounted (nothing of type cgroup or cgroup2 in"
              + " /proc/self/mountinfo); mount cgroup2 on /sys/fs/cgroup");
    }
    Map<String, Path> dirs = CgroupPaths.resolve(mounts, ownCgroups, cgroupsPath, containerId);
    boolean anyV1 = mounts.stream().anyMatch(m -> !m.unified());
    return anyV1 ? new V1Cgroup(dirs, Map.of()) : new V2Cgroup(dirs.get(Cgroup.UNIFIED), null);
  }

  private static String readProc(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new CgroupException("cannot read " + file + ": " + ControlFiles.reason(e), e);
    }
  }
}
