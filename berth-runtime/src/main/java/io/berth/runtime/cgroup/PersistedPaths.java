package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Rebuilds a {@link Cgroup} from the map its {@link Cgroup#paths()} returned. */
final class PersistedPaths {
  private PersistedPaths() {}

  static Cgroup load(Map<String, String> persisted) {
    if (persisted == null || persisted.isEmpty()) {
      throw new CgroupException("no cgroup paths to load (the state file has none)");
    }
    Map<String, Path> dirs = new LinkedHashMap<>();
    Map<String, Path> created = new LinkedHashMap<>();
    persisted.forEach(
        (key, value) -> {
          if (key.startsWith(Cgroup.CREATED_PREFIX)) {
            created.put(key.substring(Cgroup.CREATED_PREFIX.length()), directory(key, value));
          } else {
            dirs.put(key, directory(key, value));
          }
        });
    if (dirs.isEmpty()) {
      throw new CgroupException("cgroup paths " + persisted + " name no hierarchy");
    }
    // a damaged state file must not make destroy() remove directories outside the cgroup
    created.forEach(
        (key, top) -> {
          Path dir = dirs.get(key);
          if (dir == null || !dir.startsWith(top)) {
            throw new CgroupException(
                "cgroup paths: "
                    + Cgroup.CREATED_PREFIX
                    + key
                    + "="
                    + top
                    + " is not "
                    + key
                    + "'s directory or one of its parents");
          }
        });
    if (dirs.keySet().equals(Set.of(Cgroup.UNIFIED))) {
      return new V2Cgroup(dirs.get(Cgroup.UNIFIED), created.get(Cgroup.UNIFIED));
    }
    return new V1Cgroup(dirs, created);
  }

  private static Path directory(String key, String value) {
    Path p = value == null ? null : Path.of(value);
    if (p == null || !p.isAbsolute() || !p.normalize().equals(p) || p.getNameCount() == 0) {
      throw new CgroupException(
          "cgroup paths: " + key + "=" + value + " is not an absolute directory");
    }
    return p;
  }
}
