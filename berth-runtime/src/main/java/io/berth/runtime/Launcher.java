package io.berth.runtime;

import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

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

  /**
   * Called as soon as the first stage {@code helper} has reported the container's pid, before
   * {@link #reap}: a launcher whose monitor must learn the pid (a shim) tells it here.
   */
  default void started(int helper, int containerPid) {}

  /** Waits for the spawned first stage, which exits as soon as it has reported the pid. */
  void reap(int pid);

  Launcher LOCAL =
      new Launcher() {
        @Override
        public int spawn(Path binary, List<String> argv, int[] fdMap) {
          return Libc.spawn(SealedCopy.of(binary), argv, List.of(), fdMap, false);
        }

        @Override
        public void reap(int pid) {
          Libc.waitpid(pid, 0);
        }
      };

  /**
   * One sealed in-memory copy of each binary per JVM, executed as /proc/self/fd/N: berth-init
   * then finds itself sealed already and skips the copy and re-exec it would otherwise make.
   */
  final class SealedCopy {
    private static final ConcurrentHashMap<Path, String> COPIES = new ConcurrentHashMap<>();

    private SealedCopy() {}

    static String of(Path binary) {
      return COPIES.computeIfAbsent(binary, b -> {
        try {
          int fd = Libc.sealedMemfd(b.getFileName().toString(), Files.readAllBytes(b));
          return "/proc/self/fd/" + fd;
        } catch (IOException | RuntimeException e) {
          return b.toString(); // berth-init makes its own sealed copy then
        }
      });
    }
  }
}
