package io.berth.cli;

import io.berth.runtime.Launcher;
import io.berth.sys.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime service: a warm JVM that runs berth-runtime commands for berth-runtime-client, so
 * that a command costs milliseconds instead of a JVM start. The client sends its argv, working
 * directory and stdio fds; the service answers with the work only the client can do: spawning
 * berth-init (so the container's first stage is the client's child, and the container is
 * adopted by the client's subreaper as with runc) and waiting for a foreground container.
 *
 * <p>Wire format, one SOCK_SEQPACKET message each, fields separated by NUL:
 * client: {@code run, cwd, LISTEN_FDS, arg...} + fds 0..n; service: {@code spawn, binary, arg...}
 * + fd map (client answers {@code spawned, pid}), {@code wait, pid} (client answers {@code
 * exited, code}), {@code fallback} (run it yourself), {@code exit, code}.
 */
final class RuntimeService {
  private static final int MY_UID = uid();

  private final Path socket;
  private final long idleMillis;
  private final AtomicLong lastActivity = new AtomicLong(System.currentTimeMillis());
  private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();

  RuntimeService(Path socket, long idleMillis) {
    this.socket = socket;
    this.idleMillis = idleMillis;
  }

  int serve() throws IOException {
    Files.deleteIfExists(socket);
    int listen = Libc.listenUnix(socket.toString(), Libc.SOCK_SEQPACKET);
    Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    if (idleMillis > 0) {
      Thread.ofPlatform().daemon().start(() -> exitWhenIdle(listen));
    }
    while (true) {
      int conn;
      try {
        conn = Libc.accept(listen);
      } catch (RuntimeException e) {
        return 0; // the listening socket was closed: idle exit
      }
      lastActivity.set(System.currentTimeMillis());
      active.incrementAndGet();
      Thread.ofPlatform().name("berth-client-" + conn).start(() -> {
        try {
          handle(conn);
        } finally {
          Libc.closeQuietly(conn);
          active.decrementAndGet();
          lastActivity.set(System.currentTimeMillis());
        }
      });
    }
  }

  private void exitWhenIdle(int listen) {
    while (true) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      if (active.get() == 0 && System.currentTimeMillis() - lastActivity.get() > idleMillis) {
        try {
          Files.deleteIfExists(socket);
        } catch (IOException e) {
          // Exiting anyway.
        }
        System.exit(0);
      }
    }
  }

  private void handle(int conn) {
    // Only our own uid (root) may have commands run: the socket's mode says so, and so do we.
    if (Libc.peerUid(conn) != MY_UID) {
      return;
    }
    Libc.Message req = Libc.recvMsg(conn, 1 << 16, 64);
    int[] fds = req.fds();
    try {
      List<String> f = fields(req.data());
      if (f.size() < 3 || !f.get(0).equals("run") || fds.length < 3) {
        send(conn, List.of("exit", "2"), new int[0]);
        return;
      }
      ClientSession session = new ClientSession(conn, Path.of(f.get(1)), f.get(2), fds);
      String[] args = f.subList(3, f.size()).toArray(String[]::new);
      int code;
      try {
        code = RuntimeCli.execute(session, args);
      } catch (RuntimeCli.TerminalNeeded e) {
        send(conn, List.of("fallback"), new int[0]);
        return;
      } finally {
        session.out.flush();
        session.err.flush();
      }
      send(conn, List.of("exit", String.valueOf(code)), new int[0]);
    } catch (RuntimeException e) {
      // The client went away mid-command: nothing to answer.
    } finally {
      for (int fd : fds) {
        Libc.closeQuietly(fd);
      }
    }
  }

  private static int uid() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static List<String> fields(byte[] data) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= data.length; i++) {
      if (i == data.length || data[i] == 0) {
        out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

  static void send(int conn, List<String> fields, int[] fds) {
    Libc.sendMsg(conn, String.join("\0", fields).getBytes(StandardCharsets.UTF_8), fds);
  }

  static List<String> receive(int conn) {
    Libc.Message m = Libc.recvMsg(conn, 4096, 0);
    if (m.data().length == 0) {
      throw new io.berth.runtime.ContainerException("berth-runtime-client went away");
    }
    return fields(m.data());
  }

  /** A command run for a client: its fds, its working directory, its children. */
  private static final class ClientSession implements Session {
    private final int conn;
    private final Path cwd;
    private final String listenFds;
    private final int[] fds;
    final PrintStream out;
    final PrintStream err;

    ClientSession(int conn, Path cwd, String listenFds, int[] fds) {
      this.conn = conn;
      this.cwd = cwd;
      this.listenFds = listenFds;
      this.fds = fds;
      this.out = new PrintStream(new Stdio.FdOutput(fds[1]), true, StandardCharsets.UTF_8);
      this.err = new PrintStream(new Stdio.FdOutput(fds[2]), true, StandardCharsets.UTF_8);
    }

    @Override
    public PrintStream out() {
      return out;
    }

    @Override
    public PrintStream err() {
      return err;
    }

    @Override
    public InputStream in() {
      return new Stdio.FdInput(fds[0]);
    }

    @Override
    public Path path(String p) {
      return cwd.resolve(p);
    }

    @Override
    public String getenv(String name) {
      return name.equals("LISTEN_FDS") && !listenFds.isEmpty() ? listenFds : null;
    }

    @Override
    public int[] stdio(int preserveFds) {
      if (3 + preserveFds > fds.length) {
        throw new io.berth.runtime.ContainerException(
            "the client passed " + (fds.length - 3) + " fds to preserve, not " + preserveFds);
      }
      return Arrays.copyOf(fds, 3 + preserveFds);
    }

    @Override
    public Launcher launcher() {
      return new Launcher() {
        @Override
        public int spawn(Path binary, List<String> argv, int[] fdMap) {
          List<String> msg = new ArrayList<>();
          msg.add("spawn");
          msg.add(binary.toString());
          msg.addAll(argv);
          send(conn, msg, fdMap);
          List<String> reply = receive(conn);
          if (reply.size() != 2 || !reply.get(0).equals("spawned")) {
            throw new io.berth.runtime.ContainerException("berth-runtime-client could not start berth-init: " + reply);
          }
          int pid = Integer.parseInt(reply.get(1));
          if (pid <= 0) {
            throw new io.berth.runtime.ContainerException("berth-runtime-client could not start berth-init");
          }
          return pid;
        }

        @Override
        public void reap(int pid) {
          // The client reaps its own child.
        }
      };
    }

    @Override
    public void adopt() {
      // The client is a subreaper from its start.
    }

    @Override
    public int await(int pid) {
      send(conn, List.of("wait", String.valueOf(pid)), new int[0]);
      List<String> reply = receive(conn);
      return Integer.parseInt(reply.get(1));
    }

    @Override
    public boolean canProxyTerminal() {
      return false;
    }
  }
}
