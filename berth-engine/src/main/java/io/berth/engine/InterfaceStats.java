package io.berth.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The counters of one network interface of a container, from {@code /proc/PID/net/dev}, which
 * shows the interfaces of that process's network namespace. Loopback is left out, as Docker does.
 */
public record InterfaceStats(String name, long rxBytes, long rxPackets, long rxErrors, long rxDropped,
    long txBytes, long txPackets, long txErrors, long txDropped) {

  /** The interfaces of {@code pid}'s network namespace; empty when the process is gone. */
  public static List<InterfaceStats> of(int pid) {
    try {
      return parse(Files.readString(Path.of("/proc/" + pid + "/net/dev")));
    } catch (IOException e) {
      return List.of(); // no such process, or it ended while it was read
    }
  }

  /** /proc/net/dev's table: two header lines, then "NAME: 16 counters" (8 received, 8 sent). */
  static List<InterfaceStats> parse(String text) {
    List<InterfaceStats> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String[] f = line.substring(colon + 1).trim().split("\\s+");
      if (name.equals("lo") || name.isEmpty() || f.length < 16) {
        continue;
      }
      try {
        out.add(new InterfaceStats(name, Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
            Long.parseLong(f[3]), Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]),
            Long.parseLong(f[11])));
      } catch (NumberFormatException e) {
        // a header line
      }
    }
    return List.copyOf(out);
  }
}
