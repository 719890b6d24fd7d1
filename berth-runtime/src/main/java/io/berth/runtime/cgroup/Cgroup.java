package io.berth.runtime.cgroup;

import io.berth.oci.Resources;
import io.berth.runtime.plan.CreateContext;
import java.util.List;
import java.util.Map;

/**
 * The cgroup of one container, on whichever layout the host has: v1 (one hierarchy per controller
 * group), hybrid (v1 controllers plus a cgroup2 hierarchy holding the rest) or v2 (one unified
 * hierarchy).
 */
public interface Cgroup {
  /** Prefix of the {@link #paths()} keys that record the topmost directory this cgroup created. */
  String CREATED_PREFIX = "created:";

  /** Key of the cgroup2 hierarchy in {@link #paths()}. */
  String UNIFIED = "unified";

  /**
   * Locates the cgroup of {@code containerId} on this host without touching the filesystem beyond
   * reading {@code /proc/self/mountinfo} and {@code /proc/self/cgroup}.
   *
   * @param cgroupsPath the OCI {@code linux.cgroupsPath}: an absolute path is taken relative to
   *     each hierarchy's root, a relative one relative to the calling process's own cgroup, and
   *     null or empty means {@code /berth/<containerId>}. The systemd form {@code
   *     slice:prefix:name} is rejected because Berth has no systemd driver.
   */
  static Cgroup create(String cgroupsPath, String containerId) {
    return CgroupHost.current().cgroup(cgroupsPath, containerId);
  }

  /** Rebuilds a cgroup from the map {@link #paths()} returned, e.g. after reading a state file. */
  static Cgroup load(Map<String, String> persisted) {
    return PersistedPaths.load(persisted);
  }

  /** The cgroup hierarchies mounted on this host, e.g. to build a container's /sys/fs/cgroup. */
  static List<Hierarchy> hierarchies() {
    return CgroupHost.current().hierarchies();
  }

  /**
   * Controller name (v1, {@code name=systemd} for named hierarchies) or {@value #UNIFIED} to the
   * absolute directory of this cgroup in that hierarchy. After {@link #apply}, keys starting with
   * {@value #CREATED_PREFIX} followed by a controller name give the topmost directory that {@code
   * apply} created there, so that {@link #destroy} after {@link #load} removes exactly those; store
   * the whole map.
   */
  Map<String, String> paths();

  /**
   * Creates the directories in every hierarchy and writes {@code resources} (null writes nothing).
   * Settings the host cannot honour are ignored with a warning when that cannot loosen a limit, and
   * fail otherwise; device rules on v2 are the exception (the package documentation lists which is
   * which). A failure is a {@link CgroupException} naming the file and the value. Directories
   * already created stay, so call {@link #destroy} after a failure.
   */
  void apply(Resources resources);

  /**
   * How a process that this runtime creates can enter the cgroup by itself, without {@link
   * #addProcess}: the v1 {@code tasks} files it writes "0" to, and the cgroup2 directory to create
   * it in (clone3's CLONE_INTO_CGROUP).
   */
  CreateContext.CgroupJoin selfJoin();

  /** Moves {@code pid} into this cgroup in every hierarchy. */
  void addProcess(int pid);

  /** Changes the limits of an existing cgroup; null fields stay as they are. */
  void update(Resources resources);

  /** Freezes every task and returns once the kernel reports the cgroup frozen. */
  void freeze();

  /** Thaws the cgroup and returns once the kernel reports it thawed. */
  void thaw();

  boolean isFrozen();

  /** The pids of all processes in this cgroup and its descendants, ascending. */
  List<Integer> pids();

  CgroupStats stats();

  /**
   * Removes the directories this cgroup created (descendants first), retrying briefly while the
   * kernel still reports them busy. Directories that existed before {@link #apply} are left alone,
   * as are created parents that another cgroup now uses. Does nothing when already removed.
   */
  void destroy();
}
