package io.berth.runtime.shim;

import io.berth.runtime.Launcher;
import io.berth.runtime.Libexec;
import io.berth.sys.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts berth-init under a berth-shim, so that the container is adopted by the shim (a
 * subreaper that outlives this JVM) instead of by this process. berth-init gets the same argv
 * and fds as from {@link Launcher#LOCAL}, except that its stdio is the shim's. The shim learns
 * the container's pid through a pipe: {@link #started} writes it; closing the pipe without one
 * tells the shim the start failed.
 */
public final class ShimLauncher implements Launcher {
  private final ShimOptions options;
  private final Path shimBinary;
  /** The write end of each spawned shim's ctl pipe, by the pid of the shim's first process. */
  private final ConcurrentHashMap<Integer, Integer> ctl = new ConcurrentHashMap<>();

  public ShimLauncher(ShimOptions options) {
    this(options, Libexec.find("berth-shim"));
  }

  public ShimLauncher(ShimOptions options, Path shimBinary) {
    this.options = options;
    this.shimBinary = shimBinary;
  }

  public ShimOptions options() {
    return options;
  }

  @Override
  public int spawn(Path binary, List<String> argv, int[] fdMap) {
    int[] pipe = Libc.pipe();
    int ctlSlot = Math.max(fdMap.length, 3);
    int[] map = new int[ctlSlot + 1];
    // The container's stdio is the shim's; only the shim's own error messages go to the
    // caller's stderr, until it daemonizes.
    map[0] = -1;
    map[1] = -1;
    map[2] = fdMap.length > 2 ? fdMap[2] : -1;
    for (int i = 3; i < fdMap.length; i++) {
      map[i] = fdMap[i];
    }
    map[ctlSlot] = pipe[0];
    List<String> args = new ArrayList<>(options.argv(shimBinary));
    args.add("--ctl-fd");
    args.add(Integer.toString(ctlSlot));
    args.add("--");
    // The real path: the shim has no access to this JVM's sealed copies in /proc/self/fd.
    args.add(binary.toString());
    args.addAll(argv.subList(Math.min(1, argv.size()), argv.size()));
    int pid;
    try {
      pid = Libc.spawn(shimBinary.toString(), args, List.of(), map, false);
    } catch (RuntimeException e) {
      Libc.closeQuietly(pipe[1]);
      throw e;
    } finally {
      Libc.closeQuietly(pipe[0]);
    }
    ctl.put(pid, pipe[1]);
    return pid;
  }

  @Override
  public void started(int helper, int containerPid) {
    Integer fd = ctl.remove(helper);
    if (fd == null) {
      return;
    }
    try {
      Libc.writeFully(fd, ("pid " + containerPid + "\n").getBytes(StandardCharsets.US_ASCII));
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  @Override
  public void reap(int pid) {
    Integer fd = ctl.remove(pid);
    if (fd != null) {
      Libc.closeQuietly(fd); // no pid was sent: the start failed
    }
    Libc.waitpid(pid, 0);
  }
}
