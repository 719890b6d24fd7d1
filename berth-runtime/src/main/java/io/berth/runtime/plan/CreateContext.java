package io.berth.runtime.plan;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the plan compiler needs beyond the config: where things are on this host. Computed by
 * the runtime so the compiler stays a pure function, testable without root.
 *
 * @param rootfs absolute host path of the root filesystem
 * @param execFifo the fifo the container waits on until start; null for exec and run-now plans
 * @param consoleSocket where to send the pty master when process.terminal is set
 * @param preserveFds how many fds after stdio the container keeps (3..3+n-1)
 * @param cgroupDirs subdirectory name under /sys/fs/cgroup -> host directory of the container's
 *     cgroup there, for a cgroup mount in the config
 * @param seccomp the compiled filter, or null
 * @param capLastCap the highest capability this kernel knows
 * @param hostPaths checks whether a host path exists and is a directory (bind sources, kcore)
 * @param cgroupJoin the cgroup the new process puts itself in, or null for none
 */
public record CreateContext(
    Path bundle,
    Path rootfs,
    Path execFifo,
    String consoleSocket,
    int preserveFds,
    boolean noPivot,
    Map<String, String> cgroupDirs,
    Seccomp seccomp,
    int capLastCap,
    HostPaths hostPaths,
    CgroupJoin cgroupJoin) {

  /**
   * A cgroup that a new process enters by itself instead of being moved by the runtime: moving
   * another process takes the kernel's global cgroup lock, and its first taking after a quiet
   * spell waits for an RCU grace period (~15 ms here); a single-threaded process writing 0 to a
   * v1 hierarchy's {@code tasks} file, or created by clone3 with CLONE_INTO_CGROUP, does not. The
   * files are opened before any namespace is joined and written through those fds after clone,
   * so the host's paths need not resolve where the process is by then.
   *
   * @param threadFiles v1 {@code tasks} files the process writes "0" to, right after clone
   * @param cgroup2Dir the cgroup2 directory clone3 creates the process in, or null
   */
  public record CgroupJoin(List<String> threadFiles, String cgroup2Dir) {
    public CgroupJoin {
      threadFiles = List.copyOf(threadFiles);
    }
  }

  /** A compiled seccomp filter: struct sock_filter bytes and seccomp(2) flags. */
  public record Seccomp(byte[] filter, int flags) {}

  /** File-system questions about the host, answered by the runtime (or a test fake). */
  public interface HostPaths {
    boolean exists(String path);

    boolean isDirectory(String path);
  }
}
