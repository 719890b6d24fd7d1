package io.berth.runtime.cgroup;

import io.berth.oci.Resources;
import io.berth.runtime.plan.CreateContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cgroup on a v1 host: one directory per mounted hierarchy, named ones such as name=systemd
 * included so that tools inside and outside see the container where they expect it. On a hybrid
 * host the {@link Cgroup#UNIFIED} directory joins them, for the controllers only cgroup2 offers.
 */
final class V1Cgroup implements Cgroup {
  /** Hierarchies whose cgroup.procs lists the container's processes, most telling first. */
  private static final List<String> PID_SOURCES =
      List.of("freezer", "pids", "memory", "devices", "cpu");

  private final Map<String, Path> dirs;
  private final Map<String, Path> created;
  private final Duration freezeTimeout;

  V1Cgroup(Map<String, Path> dirs, Map<String, Path> created) {
    this(dirs, created, Freezer.DEFAULT_TIMEOUT);
  }

  V1Cgroup(Map<String, Path> dirs, Map<String, Path> created, Duration freezeTimeout) {
    this.dirs = new LinkedHashMap<>(dirs);
    this.created = new LinkedHashMap<>(created);
    this.freezeTimeout = freezeTimeout;
  }

  @Override
  public Map<String, String> paths() {
    Map<String, String> out = new LinkedHashMap<>();
    dirs.forEach((k, v) -> out.put(k, v.toString()));
    created.forEach((k, v) -> out.put(CREATED_PREFIX + k, v.toString()));
    return out;
  }

  @Override
  public void apply(Resources resources) {
    for (Map.Entry<Path, List<String>> e : keysByDir().entrySet()) {
      Path top = CgroupDirectories.create(e.getKey());
      if (top != null) {
        e.getValue().forEach(k -> created.put(k, top));
      }
    }
    if (dirs.containsKey("cpuset")) {
      copyCpusetFromParents(dirs.get("cpuset"));
    }
    if (dirs.containsKey(UNIFIED)) {
      SubtreeControl.enableAbove(dirs.get(UNIFIED));
    }
    new V1Settings(dirs).write(resources);
  }

  /**
   * A new v1 cpuset starts with no CPUs and no memory nodes, and the kernel refuses to move a task
   * into it until both are set. Each empty level from the first filled ancestor down to the leaf
   * gets its parent's sets. Not only the levels this call created: a parent that another container
   * created a moment ago may not have been filled yet, and filling it again writes the same value.
   */
  private static void copyCpusetFromParents(Path leaf) {
    for (String name : List.of("cpuset.cpus", "cpuset.mems")) {
      List<Path> empty = new ArrayList<>();
      for (Path p = leaf; p.getParent() != null; p = p.getParent()) {
        if (!ControlFiles.read(p.resolve(name)).isEmpty()) {
          break;
        }
        empty.addFirst(p);
      }
      for (Path level : empty) {
        ControlFiles.write(level.resolve(name), ControlFiles.read(level.getParent().resolve(name)));
      }
    }
  }

  @Override
  public CreateContext.CgroupJoin selfJoin() {
    List<String> tasks = new ArrayList<>();
    for (Path dir : keysByDir().keySet()) {
      if (!dir.equals(dirs.get(UNIFIED))) {
        tasks.add(dir.resolve("tasks").toString());
      }
    }
    Path unified = dirs.get(UNIFIED);
    return new CreateContext.CgroupJoin(tasks, unified == null ? null : unified.toString());
  }

  @Override
  public void addProcess(int pid) {
    for (Path dir : keysByDir().keySet()) {
      ControlFiles.write(dir.resolve("cgroup.procs"), Integer.toString(pid));
    }
  }

  @Override
  public void update(Resources resources) {
    for (Path dir : keysByDir().keySet()) {
      if (!Files.isDirectory(dir)) {
        throw new CgroupException("cannot update cgroup " + dir + ": it does not exist");
      }
    }
    new V1Settings(dirs).write(resources);
  }

  @Override
  public void freeze() {
    freezer().freeze();
  }

  @Override
  public void thaw() {
    freezer().thaw();
  }

  @Override
  public boolean isFrozen() {
    return freezer().isFrozen();
  }

  /**
   * The v1 freezer, or on a hybrid host without one the cgroup2 freezer, which needs no controller.
   */
  private Freezer freezer() {
    if (dirs.containsKey("freezer")) {
      return new V1Freezer(dirs.get("freezer"), freezeTimeout);
    }
    if (dirs.containsKey(UNIFIED)) {
      return new V2Freezer(dirs.get(UNIFIED), freezeTimeout);
    }
    throw new CgroupException("cannot freeze: the freezer controller is not mounted on this host");
  }

  @Override
  public List<Integer> pids() {
    for (String key : PID_SOURCES) {
      if (dirs.containsKey(key)) {
        return ProcessList.pidsBelow(dirs.get(key));
      }
    }
    return ProcessList.pidsBelow(dirs.values().iterator().next());
  }

  @Override
  public CgroupStats stats() {
    Path memory = dirs.get("memory");
    Path cpuacct = dirs.get("cpuacct");
    Path pids = dirs.get("pids");
    Path blkio = dirs.get("blkio");
    String io = blkio == null ? null : ControlFiles.readIfPresent(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
    return new CgroupStats(
        memory == null ? null : ControlFiles.readLong(memory.resolve("memory.usage_in_bytes")),
        memory == null ? null : ControlFiles.readLimit(memory.resolve("memory.limit_in_bytes")),
        cpuacct == null ? null : ControlFiles.readLong(cpuacct.resolve("cpuacct.usage")),
        cpuacct == null ? null : ControlFiles.readLong(cpuacct.resolve("cpuacct.usage_user")),
        cpuacct == null ? null : ControlFiles.readLong(cpuacct.resolve("cpuacct.usage_sys")),
        pids == null ? null : ControlFiles.readLong(pids.resolve("pids.current")),
        pids == null ? null : ControlFiles.readLimit(pids.resolve("pids.max")),
        io == null ? null : CgroupStats.parseV1Io(io));
  }

  @Override
  public void destroy() {
    CgroupException failure = null;
    long deadline = System.nanoTime() + CgroupDirectories.REMOVE_TIMEOUT.toNanos();
    for (Map.Entry<Path, List<String>> e : keysByDir().entrySet()) {
      Path top =
          e.getValue().stream().map(created::get).filter(t -> t != null).findFirst().orElse(null);
      if (top == null) {
        continue;
      }
      try {
        CgroupDirectories.remove(e.getKey(), top, deadline);
      } catch (CgroupException ex) {
        if (failure == null) {
          failure = ex;
        } else {
          failure.addSuppressed(ex);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Co-mounted controllers (e.g. cpu,cpuacct) share a directory; each directory once. */
  private Map<Path, List<String>> keysByDir() {
    Map<Path, List<String>> byDir = new LinkedHashMap<>();
    dirs.forEach((k, dir) -> byDir.computeIfAbsent(dir, d -> new ArrayList<>()).add(k));
    return byDir;
  }
}
