package io.berth.runtime.cgroup;

/**
 * A snapshot of a cgroup's usage. A field is null when the host does not provide it (controller not
 * mounted or not enabled); a limit of -1 means unlimited.
 *
 * @param memoryUsageBytes memory in use, page cache included
 * @param memoryLimitBytes the memory limit, -1 when unlimited
 * @param cpuUsageNanos total CPU time of all tasks
 * @param cpuUserNanos CPU time in user mode
 * @param cpuSystemNanos CPU time in kernel mode
 * @param pidsCurrent number of tasks
 * @param pidsLimit the task limit, -1 when unlimited
 * @param io bytes read and written per block device (v1 blkio, v2 io.stat)
 */
public record CgroupStats(
    Long memoryUsageBytes,
    Long memoryLimitBytes,
    Long cpuUsageNanos,
    Long cpuUserNanos,
    Long cpuSystemNanos,
    Long pidsCurrent,
    Long pidsLimit,
    java.util.List<DeviceIo> io) {

  /** Block I/O of one device, as the kernel accounts it to the cgroup. */
  public record DeviceIo(long major, long minor, long readBytes, long writeBytes) {}

  /** v1's blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Read|Write|… BYTES" lines, then "Total N". */
  static java.util.List<DeviceIo> parseV1Io(String text) {
    java.util.Map<String, long[]> byDevice = new java.util.LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 3 || !f[0].contains(":")) {
        continue;
      }
      long[] rw = byDevice.computeIfAbsent(f[0], k -> new long[2]);
      try {
        switch (f[1]) {
          case "Read" -> rw[0] += Long.parseLong(f[2]);
          case "Write" -> rw[1] += Long.parseLong(f[2]);
          default -> { }
        }
      } catch (NumberFormatException e) {
        // not a count: left out
      }
    }
    return devices(byDevice);
  }

  /** v2's io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N …" lines. */
  static java.util.List<DeviceIo> parseV2Io(String text) {
    java.util.Map<String, long[]> byDevice = new java.util.LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 2 || !f[0].contains(":")) {
        continue;
      }
      long[] rw = byDevice.computeIfAbsent(f[0], k -> new long[2]);
      for (int i = 1; i < f.length; i++) {
        try {
          if (f[i].startsWith("rbytes=")) {
            rw[0] += Long.parseLong(f[i].substring(7));
          } else if (f[i].startsWith("wbytes=")) {
            rw[1] += Long.parseLong(f[i].substring(7));
          }
        } catch (NumberFormatException e) {
          // not a count: left out
        }
      }
    }
    return devices(byDevice);
  }

  private static java.util.List<DeviceIo> devices(java.util.Map<String, long[]> byDevice) {
    java.util.List<DeviceIo> out = new java.util.ArrayList<>();
    byDevice.forEach((dev, rw) -> {
      String[] mm = dev.split(":");
      try {
        out.add(new DeviceIo(Long.parseLong(mm[0]), Long.parseLong(mm[1]), rw[0], rw[1]));
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        // not a device number: left out
      }
    });
    return java.util.List.copyOf(out);
  }
}
