package io.berth.runtime.cgroup;

import io.berth.oci.Resources;
import io.berth.oci.Resources.BlockIO;
import io.berth.oci.Resources.Cpu;
import io.berth.oci.Resources.DeviceRule;
import io.berth.oci.Resources.HugepageLimit;
import io.berth.oci.Resources.Memory;
import io.berth.oci.Resources.Network;
import io.berth.oci.Resources.Priority;
import io.berth.oci.Resources.ThrottleDevice;
import io.berth.oci.Resources.WeightDevice;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link Resources} into v1 control files. A value of 0 counts as unset for the limits
 * (memory, swap, shares, quota, period), because tools written in Go send 0 for "not given".
 * Controllers that live only in the unified hierarchy of a hybrid host (hugetlb on kernels that no
 * longer offer it on v1, anything in {@code unified}) are written there with their v2 file names.
 */
final class V1Settings {
  private static final System.Logger LOG = System.getLogger(V1Settings.class.getName());

  private final Map<String, Path> dirs;

  /**
   * @param dirs controller (and {@link Cgroup#UNIFIED} on hybrid hosts) to the cgroup's directory
   */
  V1Settings(Map<String, Path> dirs) {
    this.dirs = dirs;
  }

  void write(Resources r) {
    if (r == null) {
      return;
    }
    cpuset(r.cpu());
    devices(r.devices());
    memory(r.memory());
    cpu(r.cpu());
    if (r.pids() != null) {
      write("pids", "pids.max", r.pids().limit() <= 0 ? "max" : Long.toString(r.pids().limit()));
    }
    blockIO(r.blockIO());
    hugepages(r.hugepageLimits());
    network(r.network());
    if (r.unified() != null && !r.unified().isEmpty()) {
      Path unified = dirs.get(Cgroup.UNIFIED);
      if (unified == null) {
        throw new CgroupException(
            "resources.unified "
                + r.unified().keySet()
                + " needs cgroup v2, and this host has only v1");
      }
      UnifiedEntries.write(unified, r.unified());
    }
  }

  private void cpuset(Cpu cpu) {
    if (cpu == null) {
      return;
    }
    if (cpu.cpus() != null && !cpu.cpus().isEmpty()) {
      write("cpuset", "cpuset.cpus", cpu.cpus());
    }
    if (cpu.mems() != null && !cpu.mems().isEmpty()) {
      write("cpuset", "cpuset.mems", cpu.mems());
    }
  }

  private void devices(List<DeviceRule> rules) {
    if (rules == null) {
      return;
    }
    // later rules override earlier ones, so the order of writes is the order of the list
    for (DeviceRule rule : rules) {
      write("devices", rule.allow() ? "devices.allow" : "devices.deny", DeviceRules.v1Line(rule));
    }
  }

  private void memory(Memory m) {
    if (m == null) {
      return;
    }
    if (set(m.kernel())) {
      LOG.log(
          Level.WARNING,
          "memory.kernel is ignored: kernel memory limits are deprecated and "
              + "not enforced by current kernels");
    }
    if (set(m.kernelTCP())) {
      if (exists("memory", "memory.kmem.tcp.limit_in_bytes")) {
        write("memory", "memory.kmem.tcp.limit_in_bytes", Long.toString(m.kernelTCP()));
      } else {
        LOG.log(
            Level.WARNING,
            "memory.kernelTCP is ignored: memory.kmem.tcp.limit_in_bytes is missing");
      }
    }
    memoryAndSwap(set(m.limit()) ? m.limit() : null, set(m.swap()) ? m.swap() : null);
    if (set(m.reservation())) {
      write("memory", "memory.soft_limit_in_bytes", Long.toString(m.reservation()));
    }
    if (m.swappiness() != null && m.swappiness() != -1) {
      if (m.swappiness() < 0 || m.swappiness() > 100) {
        throw new CgroupException("memory.swappiness " + m.swappiness() + " is outside 0..100");
      }
      write("memory", "memory.swappiness", Long.toString(m.swappiness()));
    }
    if (m.disableOOMKiller() != null) {
      write("memory", "memory.oom_control", m.disableOOMKiller() ? "1" : "0");
    }
    if (Boolean.FALSE.equals(m.useHierarchy())) {
      LOG.log(
          Level.WARNING,
          "memory.useHierarchy=false is ignored: current kernels are always hierarchical");
    }
  }

  /**
   * The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every step, so raising
   * both must write memsw first and lowering both must write the limit first.
   */
  private void memoryAndSwap(Long limit, Long swap) {
    boolean memsw = exists("memory", "memory.memsw.limit_in_bytes");
    if (limit != null && limit == -1 && swap == null && memsw) {
      swap = -1L; // an unlimited limit must not stay capped by an older memsw value
    }
    if (swap != null && !memsw) {
      // Without swap accounting the kernel cannot enforce memory+swap. "Same as the limit" and
      // "unlimited" ask for nothing beyond what memory.limit_in_bytes already does, so they pass;
      // a real swap cap would silently not exist, so that is an error.
      if (swap == -1 || swap.equals(limit)) {
        swap = null;
      } else {
        throw new CgroupException(
            "memory.swap "
                + swap
                + " cannot be enforced: "
                + file("memory", "memory.memsw.limit_in_bytes")
                + " does not exist (swap accounting is off; boot with swapaccount=1, or set"
                + " memory.swap equal to memory.limit)");
      }
    }
    if (limit != null && swap != null && swap != -1 && (limit == -1 || swap < limit)) {
      throw new CgroupException(
          "memory.swap "
              + swap
              + " is below memory.limit "
              + limit
              + "; on cgroup v1 it counts memory+swap");
    }
    if (swap == null) {
      if (limit != null) {
        write("memory", "memory.limit_in_bytes", Long.toString(limit));
      }
      return;
    }
    Long currentMemsw = ControlFiles.readLimit(file("memory", "memory.memsw.limit_in_bytes"));
    boolean raising =
        swap == -1 || (currentMemsw != null && currentMemsw != -1 && swap >= currentMemsw);
    if (raising) {
      write("memory", "memory.memsw.limit_in_bytes", Long.toString(swap));
    }
    if (limit != null) {
      write("memory", "memory.limit_in_bytes", Long.toString(limit));
    }
    if (!raising) {
      write("memory", "memory.memsw.limit_in_bytes", Long.toString(swap));
    }
  }

  private void cpu(Cpu cpu) {
    if (cpu == null) {
      return;
    }
    if (set(cpu.shares())) {
      write("cpu", "cpu.shares", Long.toString(cpu.shares()));
    }
    periodAndQuota(set(cpu.period()) ? cpu.period() : null, set(cpu.quota()) ? cpu.quota() : null);
    if (cpu.burst() != null) {
      write("cpu", "cpu.cfs_burst_us", Long.toString(cpu.burst()));
    }
    // the runtime may only grow once the period allows it, so period goes first
    if (set(cpu.realtimePeriod())) {
      write("cpu", "cpu.rt_period_us", Long.toString(cpu.realtimePeriod()));
    }
    if (set(cpu.realtimeRuntime())) {
      write("cpu", "cpu.rt_runtime_us", Long.toString(cpu.realtimeRuntime()));
    }
    if (cpu.idle() != null) {
      write("cpu", "cpu.idle", Long.toString(cpu.idle()));
    }
  }

  /**
   * The kernel checks quota/period against the parent's bandwidth after each write, so the new pair
   * can be unreachable in one order and reachable in the other.
   */
  private void periodAndQuota(Long period, Long quota) {
    if (period == null) {
      if (quota != null) {
        write("cpu", "cpu.cfs_quota_us", Long.toString(quota));
      }
      return;
    }
    try {
      write("cpu", "cpu.cfs_period_us", Long.toString(period));
    } catch (CgroupException e) {
      if (quota == null) {
        throw e;
      }
      write("cpu", "cpu.cfs_quota_us", Long.toString(quota));
      write("cpu", "cpu.cfs_period_us", Long.toString(period));
      return;
    }
    if (quota != null) {
      write("cpu", "cpu.cfs_quota_us", Long.toString(quota));
    }
  }

  private void blockIO(BlockIO b) {
    if (b == null) {
      return;
    }
    if (b.weight() != null) {
      write("blkio", weightFile("blkio.weight", "blkio.bfq.weight"), Integer.toString(b.weight()));
    }
    if (b.leafWeight() != null) {
      write("blkio", "blkio.leaf_weight", Integer.toString(b.leafWeight()));
    }
    if (b.weightDevice() != null) {
      for (WeightDevice d : b.weightDevice()) {
        String device = d.major() + ":" + d.minor() + " ";
        if (d.weight() != null) {
          write(
              "blkio",
              weightFile("blkio.weight_device", "blkio.bfq.weight_device"),
              device + d.weight());
        }
        if (d.leafWeight() != null) {
          write("blkio", "blkio.leaf_weight_device", device + d.leafWeight());
        }
      }
    }
    throttle("blkio.throttle.read_bps_device", b.throttleReadBpsDevice());
    throttle("blkio.throttle.write_bps_device", b.throttleWriteBpsDevice());
    throttle("blkio.throttle.read_iops_device", b.throttleReadIOPSDevice());
    throttle("blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice());
  }

  /**
   * CFQ's blkio.weight is gone from current kernels; BFQ offers the same range under its own name.
   * With neither, writing the CFQ name fails and names the missing file.
   */
  private String weightFile(String cfq, String bfq) {
    return !exists("blkio", cfq) && exists("blkio", bfq) ? bfq : cfq;
  }

  private void throttle(String fileName, List<ThrottleDevice> devices) {
    if (devices == null) {
      return;
    }
    for (ThrottleDevice d : devices) {
      write("blkio", fileName, d.major() + ":" + d.minor() + " " + d.rate());
    }
  }

  private void hugepages(List<HugepageLimit> limits) {
    if (limits == null) {
      return;
    }
    for (HugepageLimit h : limits) {
      String value = Long.toString(h.limit());
      if (dirs.containsKey("hugetlb")) {
        write("hugetlb", "hugetlb." + h.pageSize() + ".limit_in_bytes", value);
      } else if (dirs.containsKey(Cgroup.UNIFIED)) {
        write(Cgroup.UNIFIED, "hugetlb." + h.pageSize() + ".max", value);
      } else {
        throw new CgroupException(
            "hugepageLimits need the hugetlb controller, which is not mounted");
      }
    }
  }

  private void network(Network n) {
    if (n == null) {
      return;
    }
    if (n.classID() != null) {
      if (dirs.containsKey("net_cls")) {
        write("net_cls", "net_cls.classid", Long.toString(n.classID()));
      } else {
        LOG.log(Level.WARNING, "network.classID is ignored: the net_cls controller is not mounted");
      }
    }
    if (n.priorities() != null && !n.priorities().isEmpty()) {
      if (dirs.containsKey("net_prio")) {
        for (Priority p : n.priorities()) {
          write("net_prio", "net_prio.ifpriomap", p.name() + " " + p.priority());
        }
      } else {
        LOG.log(
            Level.WARNING,
            "network.priorities are ignored: the net_prio controller is not mounted");
      }
    }
  }

  private boolean exists(String controller, String fileName) {
    Path dir = dirs.get(controller);
    return dir != null && Files.exists(dir.resolve(fileName));
  }

  private Path file(String controller, String fileName) {
    Path dir = dirs.get(controller);
    if (dir == null) {
      throw new CgroupException(
          "cannot set "
              + fileName
              + ": the "
              + controller
              + " controller is not mounted on this host");
    }
    return dir.resolve(fileName);
  }

  private void write(String controller, String fileName, String value) {
    ControlFiles.write(file(controller, fileName), value);
  }

  private static boolean set(Long v) {
    return v != null && v != 0;
  }
}
