package io.berth.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's memory, as stats and info report it beside a container's limit. */
public final class HostMemory {
  private HostMemory() {}

  /** MemTotal of /proc/meminfo in bytes; 0 when it cannot be read. */
  public static long total() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // unknown
    }
    return 0;
  }
}
