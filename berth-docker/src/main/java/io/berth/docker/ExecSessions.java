package io.berth.docker;

import io.berth.engine.Engine;
import io.berth.runtime.shim.ExitStatus;
import io.berth.server.HttpException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's exec instances: made by {@code POST /containers/{id}/exec}, run once by {@code POST
 * /exec/{id}/start}, inspected for their exit code afterwards. Kept in memory (Docker too forgets
 * them with the daemon); finished ones go ten minutes after their end, or with their container.
 */
final class ExecSessions {
  static final Duration KEEP_FINISHED = Duration.ofMinutes(10);

  /** One exec instance. */
  static final class Exec {
    final String id;
    final String containerId;
    final Engine.ExecSpec spec;
    final boolean attachStdin;
    final boolean attachStdout;
    final boolean attachStderr;
    final String detachKeys;
    volatile boolean started;
    volatile boolean running;
    volatile Integer exitCode;
    volatile int pid;
    volatile Instant finished;
    /** Where a detached exec's shim records its exit; null for an attached one. */
    volatile Path detachedDir;
    final Instant created = Instant.now();
    /** The pty master while the exec runs with a terminal; guarded by this. */
    int master = -1;
    /** Who still uses the master: the output copy and the input copy; the last one closes it. */
    int masterUsers;
    /** The terminal size asked for before the terminal existed: rows, columns. */
    int[] size;

    Exec(String id, String containerId, Engine.ExecSpec spec, boolean attachStdin, boolean attachStdout,
        boolean attachStderr, String detachKeys, int[] size) {
      this.id = id;
      this.containerId = containerId;
      this.spec = spec;
      this.attachStdin = attachStdin;
      this.attachStdout = attachStdout;
      this.attachStderr = attachStderr;
      this.detachKeys = detachKeys;
      this.size = size;
    }

    synchronized void resize(int rows, int cols) {
      size = new int[] {rows, cols};
      if (master >= 0 && rows > 0 && cols > 0) {
        io.berth.sys.Libc.setWindowSize(master, rows, cols);
      }
    }

    synchronized void terminal(int fd) {
      master = fd;
      masterUsers = 2;
      if (size != null && size[0] > 0 && size[1] > 0) {
        io.berth.sys.Libc.setWindowSize(fd, size[0], size[1]);
      }
    }

    /** One user is done with the pty master; the last one closes it. */
    synchronized void closeTerminal() {
      if (master >= 0 && --masterUsers <= 0) {
        io.berth.sys.Libc.closeQuietly(master);
        master = -1;
      }
    }

    void finish(int code) {
      exitCode = code;
      running = false;
      finished = Instant.now();
    }

    /** Started detached: its shim records the exit in {@code shimDir}, read when inspected. */
    void detached(int pid, Path shimDir) {
      this.pid = pid;
      this.detachedDir = shimDir;
      this.running = true;
    }

    /**
     * A detached exec's end, once its shim has recorded it. Without a record, a process that is
     * gone with its directory (the container's run ended and took both) was killed with it: 137.
     */
    private void refreshDetached() {
      Path dir = detachedDir;
      if (dir == null || !running) {
        return;
      }
      Optional<ExitStatus> exit = ExitStatus.read(dir);
      if (exit.isPresent()) {
        finish(exit.get().exitCode());
      } else if (!Files.exists(dir) && !Files.exists(Path.of("/proc/" + pid))) {
        finish(137);
      }
    }

    Map<String, Object> inspect() {
      refreshDetached();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("CanRemove", false);
      m.put("ContainerID", containerId);
      m.put("DetachKeys", detachKeys == null ? "" : detachKeys);
      m.put("ExitCode", exitCode);
      m.put("ID", id);
      m.put("OpenStderr", attachStderr);
      m.put("OpenStdin", attachStdin);
      m.put("OpenStdout", attachStdout);
      Map<String, Object> p = new LinkedHashMap<>();
      List<String> cmd = spec.cmd();
      p.put("arguments", cmd.subList(1, cmd.size()));
      p.put("entrypoint", cmd.get(0));
      p.put("privileged", spec.privileged());
      p.put("tty", spec.tty());
      p.put("user", spec.user() == null ? "" : spec.user());
      m.put("ProcessConfig", p);
      m.put("Running", running);
      m.put("Pid", pid);
      return m;
    }
  }

  private final Map<String, Exec> byId = new ConcurrentHashMap<>();

  ExecSessions() {
  }

  Exec add(Exec e) {
    prune();
    byId.put(e.id, e);
    return e;
  }

  Exec get(String id) {
    Exec e = byId.get(id);
    if (e == null) {
      throw HttpException.notFound("No such exec instance: " + id);
    }
    return e;
  }

  /** The IDs of a container's execs that have not finished (inspect's ExecIDs). */
  List<String> idsOf(String containerId) {
    List<String> out = new ArrayList<>();
    for (Exec e : byId.values()) {
      if (e.containerId.equals(containerId) && e.finished == null) {
        out.add(e.id);
      }
    }
    return out;
  }

  void forgetContainer(String containerId) {
    byId.values().removeIf(e -> e.containerId.equals(containerId) && !e.running);
  }

  private void prune() {
    Instant old = Instant.now().minus(KEEP_FINISHED);
    byId.values().removeIf(e -> (e.finished != null && e.finished.isBefore(old)) || (!e.started && e.created.isBefore(old)));
  }
}
