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
 */
public record CgroupStats(
    Long memoryUsageBytes,
    Long memoryLimitBytes,
    Long cpuUsageNanos,
    Long cpuUserNanos,
    Long cpuSystemNanos,
    Long pidsCurrent,
    Long pidsLimit) {}
