package io.berth.runtime;

import io.berth.sys.Libc;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts berth-init. Locally that is posix_spawn from this JVM; the runtime service hands the
 * job back to its caller instead, so that the container's first stage is the caller's child and
 * the container ends up adopted by the caller's subreaper (conmon, a shim), as with runc.
 */
public interface Launcher {
  /**
   * Spawns {@code binary}; {@code fdMap[i]} is the fd of this process that becomes fd i of the
   * child. Returns the child's pid.
   */
  int spawn(Path binary, List<String> argv, int[] fdMap);

  /** Waits for the spawned first stage, which exits as soon as it has reported the pid. */
  void reap(int pid);

  Launcher LOCAL =
      new Launcher() {
        @Override
        public int spawn(Path binary, List<String> argv, int[] fdMap) {
          return Libc.spawn(binary.toString(), argv, List.of(), fdMap, false);
        }

        @Override
        public void reap(int pid) {
          Libc.waitpid(pid, 0);
        }
      };
}
