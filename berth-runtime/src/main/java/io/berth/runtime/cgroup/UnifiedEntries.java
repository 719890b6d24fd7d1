package io.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.Map;

/** The OCI {@code unified} map: cgroup2 file name to value, written as given. */
final class UnifiedEntries {
  private UnifiedEntries() {}

  static void write(Path dir, Map<String, String> entries) {
    if (entries == null) {
      return;
    }
    for (Map.Entry<String, String> e : entries.entrySet()) {
      String key = e.getKey();
      // a key is a file in the container's own cgroup, never a path out of it
      if (key == null
          || key.isEmpty()
          || key.contains("/")
          || key.contains("..")
          || key.equals(".")) {
        throw new CgroupException(
            "unified key \"" + key + "\" is not a cgroup file name (no \"/\" or \"..\" allowed)");
      }
      if (e.getValue() == null) {
        throw new CgroupException("unified key \"" + key + "\" has no value");
      }
      ControlFiles.write(dir.resolve(key), e.getValue());
    }
  }
}
