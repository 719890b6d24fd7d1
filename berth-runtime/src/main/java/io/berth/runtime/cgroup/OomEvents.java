package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a container's OOM-kill counter will be, before the container exists: the file with the
 * {@code oom_kill N} line of the memory controller's cgroup (v1 memory.oom_control, v2
 * memory.events), resolved exactly as create resolves the cgroupsPath (a relative one below the
 * caller's own cgroup), so that a monitor spawned ahead of the container can watch it.
 */
public final class OomEvents {
  private OomEvents() {}

  /** The file, or null when no memory controller is mounted. */
  public static Path file(String cgroupsPath, String containerId) {
    CgroupHost host = CgroupHost.current();
    Map<String, Path> dirs = CgroupPaths.resolve(host.mounts(), ownCgroups(), cgroupsPath, containerId);
    if (dirs.containsKey("memory")) {
      return dirs.get("memory").resolve("memory.oom_control");
    }
    Path unified = dirs.get(Cgroup.UNIFIED);
    return unified == null ? null : unified.resolve("memory.events");
  }

  private static Map<String, String> ownCgroups() {
    try {
      return CgroupPaths.parseProcCgroup(java.nio.file.Files.readString(Path.of("/proc/self/cgroup")));
    } catch (java.io.IOException e) {
      throw new CgroupException("cannot read /proc/self/cgroup: " + e.getMessage(), e);
    }
  }
}
