package io.berth.runtime.cgroup;

/**
 * OCI resources are expressed in cgroup v1 terms; these map them to the values cgroup2 files expect
 * (see the kernel's cgroup-v2.rst for the v2 ranges).
 */
final class V2Conversions {
  private V2Conversions() {}

  /**
   * cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100) by mapping the two
   * ranges linearly onto each other; the default shares land on 39, not 100, which is the
   * established convention the other runtimes share, so a container gets the same weight whichever
   * runtime started it. Null when unset (null or 0).
   */
  static Long cpuWeight(Long shares) {
    if (shares == null || shares == 0) {
      return null;
    }
    long clamped = Math.clamp(shares, 2, 262144);
    return 1 + ((clamped - 2) * 9999) / 262142;
  }

  /** blkio weight (10..1000) to io.weight (1..10000), linearly. */
  static long ioWeight(long blkioWeight) {
    long clamped = Math.clamp(blkioWeight, 10, 1000);
    return 1 + ((clamped - 10) * 9999) / 990;
  }

  /**
   * OCI memory.swap is memory+swap (v1's memsw); memory.swap.max is swap alone. Returns the value
   * for memory.swap.max, or null to leave it alone.
   *
   * @param swap the OCI value: null or 0 unset, -1 unlimited
   * @param limit the memory limit in force: null or 0 unset, -1 unlimited
   */
  static String swapMax(Long swap, Long limit) {
    boolean swapUnset = swap == null || swap == 0;
    boolean limitUnset = limit == null || limit == 0;
    if (swapUnset) {
      // "no memory limit" without a swap value means no swap limit either, as on v1
      return limit != null && limit == -1 ? "max" : null;
    }
    if (swap == -1) {
      return "max";
    }
    if (swap < 0) {
      throw new CgroupException("invalid memory.swap " + swap + ": must be -1 or positive");
    }
    if (limitUnset || limit == -1) {
      throw new CgroupException(
          "memory.swap " + swap + " needs a memory.limit on cgroup v2 (swap counts memory+swap)");
    }
    if (swap < limit) {
      throw new CgroupException(
          "memory.swap " + swap + " is below memory.limit " + limit + "; it counts memory+swap");
    }
    return Long.toString(swap - limit);
  }

  /**
   * The line for cpu.max ("$MAX $PERIOD"), or null to leave it alone. A value not given keeps the
   * one in {@code current} (cpu.max as read, e.g. "max 100000"), so that updating only the period
   * does not lift the quota.
   */
  static String cpuMax(Long quota, Long period, String current) {
    boolean quotaSet = quota != null && quota != 0;
    boolean periodSet = period != null && period != 0;
    if (!quotaSet && !periodSet) {
      return null;
    }
    String[] cur = current == null ? new String[0] : current.trim().split("\\s+");
    String max =
        quotaSet ? (quota < 0 ? "max" : Long.toString(quota)) : (cur.length > 0 ? cur[0] : "max");
    String per = periodSet ? Long.toString(period) : (cur.length > 1 ? cur[1] : "100000");
    return max + " " + per;
  }

  /** A limit as v2 writes it: "max" for -1 (and any other negative), else the number. */
  static String maxOrValue(long value) {
    return value < 0 ? "max" : Long.toString(value);
  }
}
