package io.berth.runtime.cgroup;

import io.berth.oci.Resources;
import io.berth.runtime.plan.CreateContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A cgroup on a cgroup2-only host: one directory in the unified hierarchy. */
final class V2Cgroup implements Cgroup {
  private final Path dir;
  private final Duration freezeTimeout;
  private Path created;

  /**
   * @param created the topmost directory an earlier {@link #apply} created, or null
   */
  V2Cgroup(Path dir, Path created) {
    this(dir, created, Freezer.DEFAULT_TIMEOUT);
  }

  V2Cgroup(Path dir, Path created, Duration freezeTimeout) {
    this.dir = dir;
    this.created = created;
    this.freezeTimeout = freezeTimeout;
  }

  @Override
  public Map<String, String> paths() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(UNIFIED, dir.toString());
    if (created != null) {
      out.put(CREATED_PREFIX + UNIFIED, created.toString());
    }
    return out;
  }

  @Override
  public void apply(Resources resources) {
    Path top = CgroupDirectories.create(dir);
    if (top != null) {
      created = top;
    }
    SubtreeControl.enableAbove(dir);
    new V2Settings(dir).write(resources, false);
  }

  @Override
  public CreateContext.CgroupJoin selfJoin() {
    return new CreateContext.CgroupJoin(List.of(), dir.toString());
  }

  @Override
  public void addProcess(int pid) {
    ControlFiles.write(dir.resolve("cgroup.procs"), Integer.toString(pid));
  }

  @Override
  public void update(Resources resources) {
    if (!Files.isDirectory(dir)) {
      throw new CgroupException("cannot update cgroup " + dir + ": it does not exist");
    }
    new V2Settings(dir).write(resources, true);
  }

  @Override
  public void freeze() {
    new V2Freezer(dir, freezeTimeout).freeze();
  }

  @Override
  public void thaw() {
    new V2Freezer(dir, freezeTimeout).thaw();
  }

  @Override
  public boolean isFrozen() {
    return new V2Freezer(dir, freezeTimeout).isFrozen();
  }

  @Override
  public List<Integer> pids() {
    return ProcessList.pidsBelow(dir);
  }

  @Override
  public CgroupStats stats() {
    Path cpuStat = dir.resolve("cpu.stat");
    String io = ControlFiles.readIfPresent(dir.resolve("io.stat"));
    return new CgroupStats(
        ControlFiles.readLong(dir.resolve("memory.current")),
        ControlFiles.readLimit(dir.resolve("memory.max")),
        microsToNanos(ControlFiles.readKeyed(cpuStat, "usage_usec")),
        microsToNanos(ControlFiles.readKeyed(cpuStat, "user_usec")),
        microsToNanos(ControlFiles.readKeyed(cpuStat, "system_usec")),
        ControlFiles.readLong(dir.resolve("pids.current")),
        ControlFiles.readLimit(dir.resolve("pids.max")),
        io == null ? null : CgroupStats.parseV2Io(io));
  }

  @Override
  public void destroy() {
    if (created != null) {
      CgroupDirectories.remove(dir, created);
    }
  }

  private static Long microsToNanos(Long micros) {
    return micros == null ? null : micros * 1000;
  }
}
