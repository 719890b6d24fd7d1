package io.berth.runtime;

import io.berth.runtime.plan.Plan;
import io.berth.runtime.plan.PlanCompiler;
import io.berth.sys.Libc;
import io.berth.sys.SysException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Spawns berth-init with a plan and talks to it over a SOCK_SEQPACKET pair until the container
 * process is ready: it learns the pid, answers each sync point (the runtime's share of the
 * set-up: id maps, cgroup, hooks) and turns an "error" message into a {@link
 * ContainerException}. On any failure the half-made process is killed.
 */
final class InitProcess {
  /** The runtime's work at a sync point; returns the payload to send back (or null). */
  interface SyncHandler {
    byte[] onSync(String tag, int pid);
  }

  private InitProcess() {}

  /**
   * Runs the plan. With {@code untilExec}, waits until the process has exec'd (the sync socket
   * closes), as exec and run-without-fifo need; otherwise returns at the ready point, where a
   * created container waits for start. Returns the container process's pid.
   *
   * @param stdio fds of this process that become the container's 0, 1, 2 (and, if longer, its
   *     preserved fds 3, 4, ...)
   * @param preserveFds how many fds after stdio (3, 4, ...) pass to the container unchanged
   */
  static int run(
      Launcher launcher,
      Path initBinary,
      Plan plan,
      int[] stdio,
      int preserveFds,
      boolean untilExec,
      SyncHandler handler) {
    int[] sync = Libc.socketpair(Libc.SOCK_SEQPACKET);
    int planFd = -1;
    int helper = -1;
    int pid = -1;
    try {
      planFd = Libc.memfd("berth-plan", plan.encode());
      int[] fdMap = new int[3 + preserveFds + 2];
      for (int i = 0; i < 3; i++) {
        fdMap[i] = stdio[i];
      }
      for (int i = 0; i < preserveFds; i++) {
        // The caller may say where its preserved fds are (a service holds copies elsewhere).
        fdMap[3 + i] = stdio.length > 3 + i ? stdio[3 + i] : 3 + i;
      }
      int planSlot = 3 + preserveFds;
      fdMap[planSlot] = planFd;
      fdMap[planSlot + 1] = sync[1];
      helper =
          launcher.spawn(
              initBinary,
              List.of("berth-init", String.valueOf(planSlot), String.valueOf(planSlot + 1)),
              fdMap);
      Libc.close(sync[1]);
      sync[1] = -1;
      Libc.close(planFd);
      planFd = -1;
      byte[] buf = new byte[1 << 16];
      boolean ready = false;
      while (true) {
        int n = Libc.read(sync[0], buf, 0, buf.length);
        if (n == 0) {
          if (ready && untilExec) {
            return pid;
          }
          throw new ContainerException("container init exited before it was ready");
        }
        String msg = new String(buf, 0, n, StandardCharsets.UTF_8);
        if (msg.startsWith("error ")) {
          throw new ContainerException(msg.substring(6));
        } else if (msg.startsWith("pid ")) {
          pid = Integer.parseInt(msg.substring(4).trim());
          launcher.started(helper, pid);
          launcher.reap(helper);
          helper = -1;
        } else if (msg.startsWith("sync ")) {
          String tag = msg.substring(5);
          byte[] payload = handler.onSync(tag, pid);
          byte[] reply;
          if (payload == null) {
            reply = "ok".getBytes(StandardCharsets.US_ASCII);
          } else {
            reply = new byte[payload.length + 3];
            reply[0] = 'o';
            reply[1] = 'k';
            reply[2] = '\n';
            System.arraycopy(payload, 0, reply, 3, payload.length);
          }
          Libc.writeFully(sync[0], reply);
          if (tag.equals(PlanCompiler.SYNC_READY)) {
            ready = true;
            if (!untilExec) {
              return pid;
            }
          }
        } else {
          throw new ContainerException("container init sent an unknown message: " + msg);
        }
      }
    } catch (RuntimeException e) {
      if (pid > 0) {
        Libc.kill(pid, Libc.SIGKILL);
        // The first stage goes first: until it has exited the process may still be its child.
        // Then a blocking wait, not WNOHANG: a zombie left behind would outlive us under a PID 1
        // that does not reap, and a zombie in the container's pid namespace keeps the container's
        // init from ever finishing its exit. After SIGKILL the wait is short; ECHILD (not ours to
        // reap) returns at once.
        if (helper > 0) {
          launcher.reap(helper);
          helper = -1;
        }
        Libc.waitpid(pid, 0);
      }
      throw e instanceof SysException s ? new ContainerException(s.getMessage(), s) : e;
    } finally {
      if (helper > 0) {
        launcher.reap(helper);
      }
      Libc.closeQuietly(sync[0]);
      Libc.closeQuietly(sync[1]);
      Libc.closeQuietly(planFd);
    }
  }
}
