package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns an OCI cgroupsPath into one directory per hierarchy (config-linux.md, "Cgroups path"). */
final class CgroupPaths {
  private CgroupPaths() {}

  /**
   * Controller (or {@link Cgroup#UNIFIED}) to directory, in mount order. Controllers that share a
   * v1 hierarchy map to the same directory.
   */
  static Map<String, Path> resolve(
      List<CgroupMount> mounts,
      Map<String, String> ownCgroups,
      String cgroupsPath,
      String containerId) {
    String path = normalize(cgroupsPath, containerId);
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (CgroupMount m : mounts) {
      String inHierarchy = path.startsWith("/") ? path : join(ownCgroup(m, ownCgroups), path);
      Path dir = Path.of(m.mountPoint() + (inHierarchy.equals("/") ? "" : inHierarchy));
      for (String key : m.keys()) {
        dirs.put(key, dir);
      }
    }
    return dirs;
  }

  /** Key (controller or {@link Cgroup#UNIFIED}) to the cgroup path in /proc/<pid>/cgroup. */
  static Map<String, String> parseProcCgroup(String text) {
    Map<String, String> own = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      if (f[1].isEmpty()) {
        own.put(Cgroup.UNIFIED, f[2]);
      } else {
        for (String c : f[1].split(",")) {
          own.put(c, f[2]);
        }
      }
    }
    return own;
  }

  static String normalize(String cgroupsPath, String containerId) {
    if (cgroupsPath == null || cgroupsPath.isEmpty()) {
      if (containerId == null
          || containerId.isEmpty()
          || containerId.contains("/")
          || containerId.equals(".")
          || containerId.equals("..")) {
        throw new CgroupException(
            "cannot derive a cgroup path from container id \"" + containerId + "\"");
      }
      return "/berth/" + containerId;
    }
    if (cgroupsPath.contains(":")) {
      throw new CgroupException(
          "cgroupsPath \""
              + cgroupsPath
              + "\" has the systemd form slice:prefix:name, but Berth manages cgroups through"
              + " cgroupfs only; use a path such as /berth/<id>");
    }
    List<String> segments = new ArrayList<>();
    for (String seg : cgroupsPath.split("/")) {
      if (seg.equals("..")) {
        throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\" must not contain \"..\"");
      }
      if (!seg.isEmpty() && !seg.equals(".")) {
        segments.add(seg);
      }
    }
    if (segments.isEmpty()) {
      throw new CgroupException(
          "cgroupsPath \""
              + cgroupsPath
              + "\" names a hierarchy root, which a container cannot own");
    }
    return (cgroupsPath.startsWith("/") ? "/" : "") + String.join("/", segments);
  }

  /** The calling process's cgroup as a path below the mount's root. */
  private static String ownCgroup(CgroupMount m, Map<String, String> ownCgroups) {
    String own = ownCgroups.get(m.keys().getFirst());
    if (own == null) {
      return "/";
    }
    String root = m.mountRoot();
    if (!root.equals("/") && (own.equals(root) || own.startsWith(root + "/"))) {
      own = own.substring(root.length());
    }
    return own.isEmpty() ? "/" : own;
  }

  private static String join(String base, String relative) {
    return base.endsWith("/") ? base + relative : base + "/" + relative;
  }
}
