package io.berth.runtime.cgroup;

import java.util.List;

/**
 * One mounted cgroup hierarchy of the host.
 *
 * @param mountPoint where it is mounted, e.g. {@code /sys/fs/cgroup/memory}
 * @param controllers for v1 the controllers bound to it (a named hierarchy appears as {@code
 *     name=systemd}); for the unified hierarchy the controllers in its root {@code
 *     cgroup.controllers}
 * @param unified true for cgroup2
 */
public record Hierarchy(String mountPoint, List<String> controllers, boolean unified) {
  public Hierarchy {
    controllers = List.copyOf(controllers);
  }
}
