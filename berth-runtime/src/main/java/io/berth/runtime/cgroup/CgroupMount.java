package io.berth.runtime.cgroup;

import java.util.List;

/**
 * A cgroup hierarchy as found in mountinfo.
 *
 * @param mountRoot the cgroup that is visible at the mount point ("/" unless a sub-cgroup was
 *     bind-mounted or a cgroup namespace applies); needed to turn /proc/self/cgroup paths into
 *     directories
 */
record CgroupMount(String mountPoint, String mountRoot, List<String> controllers, boolean unified) {
  CgroupMount {
    controllers = List.copyOf(controllers);
  }

  /** The keys this hierarchy has in {@link Cgroup#paths()}. */
  List<String> keys() {
    return unified ? List.of(Cgroup.UNIFIED) : controllers;
  }
}
