package io.berth.oci;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** Linux's numbers behind the names a configuration uses: capabilities, rlimits, namespaces. */
public final class LinuxNames {
  private LinuxNames() {}

  /** Capability names in kernel bit order: the index is the capability number. */
  public static final List<String> CAPABILITIES =
      List.of(
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
          "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
          "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
          "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
          "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  public static final Map<String, Integer> RLIMITS =
      Map.ofEntries(
          Map.entry("RLIMIT_CPU", 0),
          Map.entry("RLIMIT_FSIZE", 1),
          Map.entry("RLIMIT_DATA", 2),
          Map.entry("RLIMIT_STACK", 3),
          Map.entry("RLIMIT_CORE", 4),
          Map.entry("RLIMIT_RSS", 5),
          Map.entry("RLIMIT_NPROC", 6),
          Map.entry("RLIMIT_NOFILE", 7),
          Map.entry("RLIMIT_MEMLOCK", 8),
          Map.entry("RLIMIT_AS", 9),
          Map.entry("RLIMIT_LOCKS", 10),
          Map.entry("RLIMIT_SIGPENDING", 11),
          Map.entry("RLIMIT_MSGQUEUE", 12),
          Map.entry("RLIMIT_NICE", 13),
          Map.entry("RLIMIT_RTPRIO", 14),
          Map.entry("RLIMIT_RTTIME", 15));

  /** Namespace types of config-linux.md with their CLONE_* flags and /proc/PID/ns names. */
  public enum NamespaceType {
    PID("pid", 0x20000000, "pid"),
    NETWORK("network", 0x40000000, "net"),
    MOUNT("mount", 0x00020000, "mnt"),
    IPC("ipc", 0x08000000, "ipc"),
    UTS("uts", 0x04000000, "uts"),
    USER("user", 0x10000000, "user"),
    CGROUP("cgroup", 0x02000000, "cgroup"),
    TIME("time", 0x00000080, "time");

    public final String specName;
    public final int cloneFlag;
    public final String procName;

    NamespaceType(String specName, int cloneFlag, String procName) {
      this.specName = specName;
      this.cloneFlag = cloneFlag;
      this.procName = procName;
    }

    public static NamespaceType of(String specName) {
      for (NamespaceType t : values()) {
        if (t.specName.equals(specName)) {
          return t;
        }
      }
      throw new InvalidSpecException("unknown namespace type \"" + specName + "\"");
    }
  }

  public static OptionalInt capability(String name) {
    int i = CAPABILITIES.indexOf(name);
    return i < 0 ? OptionalInt.empty() : OptionalInt.of(i);
  }
}
