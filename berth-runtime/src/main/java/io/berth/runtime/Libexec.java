package io.berth.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the native executables: -Dberth.libexec, then $BERTH_LIBEXEC, then /usr/libexec/berth. */
public final class Libexec {
  private Libexec() {}

  public static Path init() {
    return find("berth-init");
  }

  public static Path find(String name) {
    String[] candidates = {
      System.getProperty("berth.libexec"), System.getenv("BERTH_LIBEXEC"), "/usr/libexec/berth"
    };
    for (String dir : candidates) {
      if (dir != null && !dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    throw new ContainerException(
        name + " not found: set -Dberth.libexec or BERTH_LIBEXEC to the directory holding it (build with scripts/setup)");
  }
}
