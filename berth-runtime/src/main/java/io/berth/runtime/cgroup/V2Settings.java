package io.berth.runtime.cgroup;

import io.berth.oci.Resources;
import io.berth.oci.Resources.BlockIO;
import io.berth.oci.Resources.Cpu;
import io.berth.oci.Resources.Memory;
import io.berth.oci.Resources.ThrottleDevice;
import io.berth.oci.Resources.WeightDevice;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link Resources} into the cgroup2 files of one directory, converting v1-style values. As
 * on v1, 0 counts as unset for limit, swap, reservation, shares, quota and period. Settings v2 has
 * no file for are ignored with a warning when ignoring them cannot loosen a limit (swappiness,
 * OOM-killer toggle, kernel memory, leaf weights, net_cls and net_prio) and fail otherwise
 * (realtime CPU). Device rules are the exception: see {@link #devices}.
 */
final class V2Settings {
  private static final System.Logger LOG = System.getLogger(V2Settings.class.getName());

  private final Path dir;

  V2Settings(Path dir) {
    this.dir = dir;
  }

  /**
   * @param checkBeforeUpdate honour memory.checkBeforeUpdate (only meaningful for updates)
   */
  void write(Resources r, boolean checkBeforeUpdate) {
    if (r == null) {
      return;
    }
    devices(r.devices());
    memory(r.memory(), checkBeforeUpdate);
    cpu(r.cpu());
    if (r.pids() != null) {
      write("pids.max", r.pids().limit() <= 0 ? "max" : Long.toString(r.pids().limit()));
    }
    blockIO(r.blockIO());
    if (r.hugepageLimits() != null) {
      for (Resources.HugepageLimit h : r.hugepageLimits()) {
        write("hugetlb." + h.pageSize() + ".max", Long.toString(h.limit()));
      }
    }
    if (r.network() != null
        && (r.network().classID() != null
            || (r.network().priorities() != null && !r.network().priorities().isEmpty()))) {
      LOG.log(
          Level.WARNING,
          "network.classID and network.priorities are ignored: cgroup v2 has no"
              + " net_cls or net_prio controller");
    }
    // last, so that an explicit unified entry wins over a converted value
    UnifiedEntries.write(dir, r.unified());
  }

  /**
   * cgroup2 filters devices with an eBPF program attached to the cgroup, which this library does
   * not load; the rules are reported and not enforced.
   */
  private void devices(List<Resources.DeviceRule> rules) {
    if (!DeviceRules.allowAll(rules)) {
      LOG.log(
          Level.WARNING,
          "device cgroup rules are not enforced on cgroup v2 (needs an eBPF"
              + " program); the container can open any device node it can reach");
    }
  }

  private void memory(Memory m, boolean checkBeforeUpdate) {
    if (m == null) {
      return;
    }
    if (set(m.kernel()) || set(m.kernelTCP())) {
      LOG.log(
          Level.WARNING,
          "memory.kernel and memory.kernelTCP are ignored: cgroup v2 accounts"
              + " kernel memory within memory.max");
    }
    Long limit = set(m.limit()) ? m.limit() : null;
    if (limit != null) {
      if (checkBeforeUpdate && Boolean.TRUE.equals(m.checkBeforeUpdate()) && limit > 0) {
        Long current = ControlFiles.readLong(dir.resolve("memory.current"));
        if (current != null && current > limit) {
          throw new CgroupException(
              "memory.limit "
                  + limit
                  + " is below the current usage "
                  + current
                  + " of "
                  + dir
                  + " (checkBeforeUpdate is set)");
        }
      }
      write("memory.max", V2Conversions.maxOrValue(limit));
    }
    Long swap = set(m.swap()) ? m.swap() : null;
    Long limitInForce = limit;
    if (swap != null && swap != -1 && limitInForce == null) {
      limitInForce = ControlFiles.readLimit(dir.resolve("memory.max"));
    }
    String swapMax = V2Conversions.swapMax(swap, limitInForce);
    if (swapMax != null) {
      write("memory.swap.max", swapMax);
    }
    if (set(m.reservation())) {
      write("memory.low", V2Conversions.maxOrValue(m.reservation()));
    }
    if (m.swappiness() != null && m.swappiness() != -1) {
      LOG.log(
          Level.WARNING, "memory.swappiness is ignored: cgroup v2 has no per-cgroup swappiness");
    }
    if (Boolean.TRUE.equals(m.disableOOMKiller())) {
      LOG.log(
          Level.WARNING,
          "memory.disableOOMKiller is ignored: cgroup v2 cannot disable the OOM killer");
    }
  }

  private void cpu(Cpu cpu) {
    if (cpu == null) {
      return;
    }
    if (set(cpu.realtimePeriod()) || set(cpu.realtimeRuntime())) {
      throw new CgroupException(
          "cpu.realtimePeriod and cpu.realtimeRuntime are not supported on cgroup v2; drop them");
    }
    Long weight = V2Conversions.cpuWeight(cpu.shares());
    if (weight != null) {
      write("cpu.weight", Long.toString(weight));
    }
    String max =
        V2Conversions.cpuMax(
            cpu.quota(), cpu.period(), ControlFiles.readIfPresent(dir.resolve("cpu.max")));
    if (max != null) {
      write("cpu.max", max);
    }
    if (cpu.burst() != null) {
      write("cpu.max.burst", Long.toString(cpu.burst()));
    }
    if (cpu.cpus() != null && !cpu.cpus().isEmpty()) {
      write("cpuset.cpus", cpu.cpus());
    }
    if (cpu.mems() != null && !cpu.mems().isEmpty()) {
      write("cpuset.mems", cpu.mems());
    }
    if (cpu.idle() != null) {
      write("cpu.idle", Long.toString(cpu.idle()));
    }
  }

  private void blockIO(BlockIO b) {
    if (b == null) {
      return;
    }
    // io.weight needs the default (cgroup-based) io.cost; with BFQ only io.bfq.weight exists,
    // which keeps v1's 1..1000 range
    boolean bfq =
        !Files.exists(dir.resolve("io.weight")) && Files.exists(dir.resolve("io.bfq.weight"));
    if (b.weight() != null) {
      if (bfq) {
        write("io.bfq.weight", Integer.toString(b.weight()));
      } else {
        write("io.weight", "default " + V2Conversions.ioWeight(b.weight()));
      }
    }
    if (b.leafWeight() != null) {
      LOG.log(Level.WARNING, "blockIO.leafWeight is ignored: cgroup v2 has no leaf weights");
    }
    if (b.weightDevice() != null) {
      for (WeightDevice d : b.weightDevice()) {
        if (d.weight() != null) {
          String device = d.major() + ":" + d.minor() + " ";
          if (bfq) {
            write("io.bfq.weight", device + d.weight());
          } else {
            write("io.weight", device + V2Conversions.ioWeight(d.weight()));
          }
        }
      }
    }
    Map<String, StringBuilder> max = new LinkedHashMap<>();
    ioMax(max, "rbps", b.throttleReadBpsDevice());
    ioMax(max, "wbps", b.throttleWriteBpsDevice());
    ioMax(max, "riops", b.throttleReadIOPSDevice());
    ioMax(max, "wiops", b.throttleWriteIOPSDevice());
    for (StringBuilder line : max.values()) {
      write("io.max", line.toString());
    }
  }

  /** Gathers one io.max line per device; a rate of 0 lifts the limit, as it does on v1. */
  private static void ioMax(
      Map<String, StringBuilder> lines, String key, List<ThrottleDevice> devices) {
    if (devices == null) {
      return;
    }
    for (ThrottleDevice d : devices) {
      String device = d.major() + ":" + d.minor();
      lines
          .computeIfAbsent(device, k -> new StringBuilder(device))
          .append(' ')
          .append(key)
          .append('=')
          .append(d.rate() <= 0 ? "max" : Long.toString(d.rate()));
    }
  }

  private void write(String fileName, String value) {
    ControlFiles.write(dir.resolve(fileName), value);
  }

  private static boolean set(Long v) {
    return v != null && v != 0;
  }
}
