package io.berth.oci;

import java.util.ArrayList;
import java.util.List;

/**
 * The configuration that {@code berth-runtime spec} writes: a shell on a terminal in fresh
 * namespaces with the minimal capability set, no_new_privs, masked and read-only /proc paths.
 */
public final class DefaultSpec {
  public static final String OCI_VERSION = "1.2.0";

  /** The capabilities a default container keeps; everything else is dropped. */
  public static final List<String> DEFAULT_CAPS =
      List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

  public static final List<String> MASKED_PATHS =
      List.of(
          "/proc/acpi",
          "/proc/asound",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/sys/firmware",
          "/sys/devices/virtual/powercap",
          "/proc/scsi");

  public static final List<String> READONLY_PATHS =
      List.of(
          "/proc/bus",
          "/proc/fs",
          "/proc/irq",
          "/proc/sys",
          "/proc/sysrq-trigger");

  private DefaultSpec() {}

  public static Spec create(boolean rootless, long uid, long gid) {
    List<Spec.Mount> mounts = new ArrayList<>();
    mounts.add(new Spec.Mount("/proc", "proc", "proc", null));
    mounts.add(
        new Spec.Mount(
            "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    List<String> ptsOptions =
        rootless
            ? List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")
            : List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    mounts.add(new Spec.Mount("/dev/pts", "devpts", "devpts", ptsOptions));
    mounts.add(
        new Spec.Mount(
            "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    mounts.add(
        new Spec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
    if (rootless) {
      mounts.add(
          new Spec.Mount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
    } else {
      mounts.add(
          new Spec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
      mounts.add(
          new Spec.Mount(
              "/sys/fs/cgroup",
              "cgroup",
              "cgroup",
              List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
    }
    List<Linux.Namespace> namespaces = new ArrayList<>();
    namespaces.add(new Linux.Namespace("pid", null));
    if (!rootless) {
      namespaces.add(new Linux.Namespace("network", null));
    }
    namespaces.add(new Linux.Namespace("ipc", null));
    namespaces.add(new Linux.Namespace("uts", null));
    namespaces.add(new Linux.Namespace("mount", null));
    namespaces.add(new Linux.Namespace("cgroup", null));
    List<Linux.IdMapping> uidMappings = null;
    List<Linux.IdMapping> gidMappings = null;
    if (rootless) {
      namespaces.add(new Linux.Namespace("user", null));
      uidMappings = List.of(new Linux.IdMapping(0, uid, 1));
      gidMappings = List.of(new Linux.IdMapping(0, gid, 1));
    }
    Resources resources =
        rootless
            ? null
            : new Resources(
                List.of(new Resources.DeviceRule(false, null, null, null, "rwm")),
                null, null, null, null, null, null, null);
    Linux linux =
        new Linux(
            namespaces,
            uidMappings,
            gidMappings,
            null,
            null,
            null,
            resources,
            null,
            null,
            null,
            MASKED_PATHS,
            READONLY_PATHS,
            null,
            null);
    Spec.Capabilities caps =
        new Spec.Capabilities(DEFAULT_CAPS, DEFAULT_CAPS, null, DEFAULT_CAPS, null);
    Spec.Process process =
        new Spec.Process(
            true,
            null,
            new Spec.User(0, 0),
            List.of("sh"),
            null,
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
            "/",
            caps,
            List.of(new Spec.Rlimit("RLIMIT_NOFILE", 1024, 1024)),
            true,
            null,
            null,
            null);
    return new Spec(
        OCI_VERSION,
        new Spec.Root("rootfs", true),
        mounts,
        process,
        "berth",
        null,
        null,
        null,
        linux);
  }
}
