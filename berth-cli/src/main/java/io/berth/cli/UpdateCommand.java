package io.berth.cli;

import io.berth.oci.Resources;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.List;

/** {@code update}: change a live container's cgroup limits from flags or a resources file. */
final class UpdateCommand {
  static final String USAGE =
      "update [-r FILE | --memory N | --memory-reservation N | --memory-swap N | --cpu-shares N |"
          + " --cpu-quota N | --cpu-period N | --cpu-rt-runtime N | --cpu-rt-period N | --cpuset-cpus L |"
          + " --cpuset-mems L | --pids-limit N | --blkio-weight N] ID";

  private UpdateCommand() {}

  static int run(RuntimeCli top, List<String> argv) throws IOException {
    Flags f = new Flags("update", argv, Integer.MAX_VALUE);
    String resourcesFile = null;
    String memory = null;
    String memoryReservation = null;
    String memorySwap = null;
    String kernelMemory = null;
    String kernelMemoryTcp = null;
    Long cpuShares = null;
    Long cpuQuota = null;
    Long cpuPeriod = null;
    Long cpuRtRuntime = null;
    Long cpuRtPeriod = null;
    String cpusetCpus = null;
    String cpusetMems = null;
    Long pidsLimit = null;
    Integer blkioWeight = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--resources", "-r" -> resourcesFile = f.value(flag);
        case "--memory" -> memory = f.value(flag);
        case "--memory-reservation" -> memoryReservation = f.value(flag);
        case "--memory-swap" -> memorySwap = f.value(flag);
        case "--kernel-memory" -> kernelMemory = f.value(flag);
        case "--kernel-memory-tcp" -> kernelMemoryTcp = f.value(flag);
        case "--cpu-shares" -> cpuShares = f.longValue(flag);
        case "--cpu-quota" -> cpuQuota = f.longValue(flag);
        case "--cpu-period" -> cpuPeriod = f.longValue(flag);
        case "--cpu-rt-runtime" -> cpuRtRuntime = f.longValue(flag);
        case "--cpu-rt-period" -> cpuRtPeriod = f.longValue(flag);
        case "--cpuset-cpus" -> cpusetCpus = f.value(flag);
        case "--cpuset-mems" -> cpusetMems = f.value(flag);
        case "--pids-limit" -> pidsLimit = f.longValue(flag);
        case "--blkio-weight" -> blkioWeight = f.intValue(flag);
        default -> {
          if (Flags.isHelp(flag)) {
            return top.usage(USAGE);
          }
          throw f.unknown(flag);
        }
      }
    }
    String id = f.positionals(1, 1, USAGE).get(0);
    Resources r;
    if (resourcesFile != null) {
      byte[] json =
          resourcesFile.equals("-") ? top.session.in().readAllBytes() : Files.readAllBytes(top.session.path(resourcesFile));
      r = SpecJson.parse(json, Resources.class, resourcesFile);
    } else {
      Resources.Memory mem = null;
      if (memory != null || memoryReservation != null || memorySwap != null || kernelMemory != null || kernelMemoryTcp != null) {
        mem = new Resources.Memory(bytes(memory), bytes(memoryReservation), bytes(memorySwap), bytes(kernelMemory), bytes(kernelMemoryTcp), null, null, null, null);
      }
      Resources.Cpu cpu = null;
      if (cpuShares != null || cpuQuota != null || cpuPeriod != null || cpuRtRuntime != null || cpuRtPeriod != null || cpusetCpus != null || cpusetMems != null) {
        cpu = new Resources.Cpu(cpuShares, cpuQuota, null, cpuPeriod, cpuRtRuntime, cpuRtPeriod, cpusetCpus, cpusetMems, null);
      }
      Resources.BlockIO blkio =
          blkioWeight == null ? null : new Resources.BlockIO(blkioWeight, null, null, null, null, null, null);
      r = new Resources(null, mem, cpu, pidsLimit == null ? null : new Resources.Pids(pidsLimit), blkio, null, null, null);
    }
    top.runtime().update(id, r);
    return 0;
  }

  /** "1048576", "512k", "64m", "1g"; -1 stays -1 (unlimited). */
  static Long bytes(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("-1")) {
      return -1L;
    }
    long mult = 1;
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
      case 'k' -> mult = 1L << 10;
      case 'm' -> mult = 1L << 20;
      case 'g' -> mult = 1L << 30;
      case 't' -> mult = 1L << 40;
      default -> mult = 1;
    }
    if (mult != 1) {
      t = t.substring(0, t.length() - 1);
    }
    try {
      return Long.parseLong(t) * mult;
    } catch (NumberFormatException e) {
      throw new ContainerException("invalid size \"" + s + "\"");
    }
  }
}
