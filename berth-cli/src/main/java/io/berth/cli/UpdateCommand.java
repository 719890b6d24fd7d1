package io.berth.cli;

import io.berth.oci.Resources;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code update}: change a live container's cgroup limits from flags or a resources file. */
@Command(name = "update", description = "Update a container's resource limits.")
final class UpdateCommand implements Callable<Integer> {
  @ParentCommand RuntimeCli top;

  @Parameters(index = "0", paramLabel = "ID") String id;
  @Option(names = {"--resources", "-r"}, description = "a linux.resources JSON file, - for stdin") String resourcesFile;
  @Option(names = "--memory") String memory;
  @Option(names = "--memory-reservation") String memoryReservation;
  @Option(names = "--memory-swap") String memorySwap;
  @Option(names = "--kernel-memory") String kernelMemory;
  @Option(names = "--kernel-memory-tcp") String kernelMemoryTcp;
  @Option(names = "--cpu-shares") Long cpuShares;
  @Option(names = "--cpu-quota") Long cpuQuota;
  @Option(names = "--cpu-period") Long cpuPeriod;
  @Option(names = "--cpu-rt-runtime") Long cpuRtRuntime;
  @Option(names = "--cpu-rt-period") Long cpuRtPeriod;
  @Option(names = "--cpuset-cpus") String cpusetCpus;
  @Option(names = "--cpuset-mems") String cpusetMems;
  @Option(names = "--pids-limit") Long pidsLimit;
  @Option(names = "--blkio-weight") Integer blkioWeight;

  @Override
  public Integer call() throws IOException {
    Resources r;
    if (resourcesFile != null) {
      byte[] json =
          resourcesFile.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(resourcesFile));
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
