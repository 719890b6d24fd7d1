package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Runtime;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import io.berth.sys.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Docker's exec: create an instance, start it on a taken-over connection (with a terminal: the
 * pty master bridged to the connection; without: stdout and stderr framed, stdin from the
 * client), resize its terminal, inspect it for the exit code. The daemon is the exec's parent
 * (a child subreaper), so it reaps it and knows its exit code before the connection closes.
 */
final class ExecRoutes {
  /** How long output may still come after the process exits (from children it left behind). */
  static final long DRAIN_MILLIS = 2000;

  private final DockerApi api;
  private final Engine engine;

  ExecRoutes(DockerApi api) {
    this.api = api;
    this.engine = api.engine;
  }

  void register(Router r) {
    r.post("/containers/{id}/exec", this::create)
        .post("/exec/{id}/start", this::start)
        .post("/exec/{id}/resize", req -> {
          ExecSessions.Exec e = api.execs.get(req.param("id"));
          e.resize(ContainerRoutes.positive(req, "h"), ContainerRoutes.positive(req, "w"));
          return Response.status(200);
        })
        .get("/exec/{id}/json", req -> Response.json(200, api.execs.get(req.param("id")).inspect()));
  }

  private Response create(Request r) {
    Container c = api.container(r.param("id"));
    if (c.state().status().equals(ContainerState.PAUSED)) {
      throw new EngineException.Conflict("Container " + c.id() + " is paused, unpause the container before exec");
    }
    if (!c.state().isRunning()) {
      throw new EngineException.Conflict("Container " + c.id() + " is not running");
    }
    JsonNode b = Json.body(r, false);
    List<String> cmd = CreateRequest.strings(b, "Cmd");
    if (cmd.isEmpty()) {
      throw HttpException.badRequest("No exec command specified");
    }
    String detachKeys = CreateRequest.text(b, "DetachKeys");
    DetachKeys.parse(detachKeys);
    Engine.ExecSpec spec = new Engine.ExecSpec(cmd, CreateRequest.strings(b, "Env"), CreateRequest.text(b, "User"),
        CreateRequest.text(b, "WorkingDir"), CreateRequest.bool(b, "Tty"), CreateRequest.bool(b, "Privileged"));
    ExecSessions.Exec e = api.execs.add(new ExecSessions.Exec(newId(), c.id(), spec,
        CreateRequest.bool(b, "AttachStdin"), CreateRequest.bool(b, "AttachStdout"), CreateRequest.bool(b, "AttachStderr"),
        detachKeys, consoleSize(b)));
    return Response.json(201, Map.of("Id", e.id));
  }

  /** 64 hex digits, as Docker's exec IDs. */
  static String newId() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  private static int[] consoleSize(JsonNode b) {
    List<JsonNode> size = CreateRequest.array(b, "ConsoleSize");
    return size.size() == 2 ? new int[] {size.get(0).asInt(), size.get(1).asInt()} : null;
  }

  private Response start(Request r) {
    ExecSessions.Exec e = api.execs.get(r.param("id"));
    JsonNode b = Json.body(r, true);
    int[] size = consoleSize(b);
    synchronized (e) {
      if (e.started) {
        throw new EngineException.Conflict("exec " + e.id + " has already been started");
      }
      e.started = true;
    }
    if (size != null) {
      e.size = size;
    }
    Container c = api.container(e.containerId);
    if (!c.state().status().equals(ContainerState.RUNNING)) {
      e.started = false;
      throw new EngineException.Conflict("Container " + c.id() + " is not running");
    }
    boolean tty = e.spec.tty();
    if (CreateRequest.bool(b, "Detach")) {
      Engine.DetachedExec d = engine.execDetached(c.id(), e.spec);
      e.detached(d.pid(), d.shimDir());
      return Response.status(200);
    }
    return ContainerRoutes.takeover(r, tty, conn -> {
      StreamFraming frames = StreamFraming.of(conn.out(), tty);
      if (tty) {
        runWithTerminal(e, conn.in(), frames);
      } else {
        runWithPipes(e, conn.in(), frames);
      }
    });
  }

  /** The exec could not start: Docker says why in the stream, and the exit code says how. */
  private static void failed(ExecSessions.Exec e, StreamFraming frames, EngineException x) throws IOException {
    String m = String.valueOf(x.getMessage());
    String lower = m.toLowerCase(java.util.Locale.ROOT);
    e.finish(lower.contains("no such file") || lower.contains("not found") ? 127 : 126);
    frames.write(StreamFraming.STDOUT, (m + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  private void runWithPipes(ExecSessions.Exec e, InputStream clientIn, StreamFraming frames)
      throws IOException, InterruptedException {
    int[] out = Libc.pipe();
    int[] err = Libc.pipe();
    int[] in = e.attachStdin ? Libc.pipe() : null;
    int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    int pid;
    try {
      Runtime.adoptContainers();
      pid = engine.exec(e.containerId, e.spec, new CreateOptions(null, null, 0, false,
          new int[] {in == null ? devNull : in[0], out[1], err[1]}));
    } catch (EngineException x) {
      Libc.closeQuietly(out[0]);
      Libc.closeQuietly(err[0]);
      if (in != null) {
        Libc.closeQuietly(in[1]);
      }
      failed(e, frames, x);
      return;
    } finally {
      Libc.closeQuietly(out[1]);
      Libc.closeQuietly(err[1]);
      if (in != null) {
        Libc.closeQuietly(in[0]);
      }
      Libc.closeQuietly(devNull);
    }
    e.pid = pid;
    e.running = true;
    CompletableFuture<Integer> exit = waitFor(pid);
    if (in != null) {
      int w = in[1];
      // Only this thread writes and closes the pipe: it ends when the client closes its side.
      Thread.ofPlatform().daemon().name("exec-stdin").start(() -> copyToFd(clientIn, w, true));
    }
    Pump o = Pump.start(out[0], e.attachStdout ? frames : null, StreamFraming.STDOUT);
    Pump x = Pump.start(err[0], e.attachStderr ? frames : null, StreamFraming.STDERR);
    int code = awaitQuietly(exit);
    o.finish(DRAIN_MILLIS);
    x.finish(DRAIN_MILLIS);
    Libc.closeQuietly(out[0]);
    Libc.closeQuietly(err[0]);
    e.finish(code);
  }

  private void runWithTerminal(ExecSessions.Exec e, InputStream clientIn, StreamFraming frames)
      throws IOException, InterruptedException {
    Path dir = engine.config().runRoot().resolve("x");
    Files.createDirectories(dir);
    Path socket = dir.resolve(e.id.substring(0, 16) + ".sock");
    Files.deleteIfExists(socket);
    int listen = Libc.listenUnix(socket.toString());
    CompletableFuture<Integer> master = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("exec-console").start(() -> {
      try {
        int conn = Libc.accept(listen);
        try {
          master.complete(Libc.recvFd(conn, 4096).fd());
        } finally {
          Libc.closeQuietly(conn);
        }
      } catch (RuntimeException x) {
        master.completeExceptionally(x);
      }
    });
    int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    int pid;
    int fd;
    try {
      Runtime.adoptContainers();
      pid = engine.exec(e.containerId, e.spec, new CreateOptions(null, socket.toString(), 0, false,
          new int[] {devNull, devNull, devNull}));
      fd = master.get(30, TimeUnit.SECONDS);
    } catch (EngineException x) {
      failed(e, frames, x);
      return;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException x) {
      e.finish(126);
      frames.write(StreamFraming.STDOUT, "no terminal came from the exec's console socket\r\n".getBytes(StandardCharsets.UTF_8));
      return;
    } finally {
      Libc.closeQuietly(devNull);
      Libc.closeQuietly(listen); // wakes the acceptor if nothing connected
      Files.deleteIfExists(socket);
    }
    e.pid = pid;
    e.running = true;
    e.terminal(fd);
    CompletableFuture<Integer> exit = waitFor(pid);
    // The client's keys go to the master until the client closes; then the master is closed
    // (the output side has ended by then: it ends before the connection does).
    Thread.ofPlatform().daemon().name("exec-tty-in").start(() -> {
      try {
        copyToFd(clientIn, fd, false);
      } finally {
        e.closeTerminal();
      }
    });
    Pump o = Pump.start(fd, frames, StreamFraming.STDOUT);
    int code = awaitQuietly(exit);
    o.finish(DRAIN_MILLIS);
    e.closeTerminal();
    e.finish(code);
  }

  private static CompletableFuture<Integer> waitFor(int pid) {
    CompletableFuture<Integer> f = new CompletableFuture<>();
    // waitpid blocks its thread in native code: a platform thread, not a carrier's.
    Thread.ofPlatform().daemon().name("exec-wait " + pid).start(() -> f.complete(Runtime.waitFor(pid)));
    return f;
  }

  private static int awaitQuietly(CompletableFuture<Integer> exit) throws InterruptedException {
    try {
      return exit.get();
    } catch (java.util.concurrent.ExecutionException x) {
      return -1;
    }
  }

  /**
   * The client's bytes to the process's stdin or terminal, on a platform thread: a write to a
   * full pipe blocks in native code, which would hold a carrier of the virtual threads.
   */
  private static void copyToFd(InputStream from, int fd, boolean closeAtEnd) {
    byte[] buf = new byte[32 * 1024];
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        if (n > 0) {
          Libc.writeFully(fd, Arrays.copyOf(buf, n));
        }
      }
    } catch (IOException | RuntimeException x) {
      // the client left, or the process closed its stdin
    } finally {
      if (closeAtEnd) {
        Libc.closeQuietly(fd);
      }
    }
  }

  /**
   * Copies an fd's output to the connection as pieces of one stream, on a platform thread (a
   * read of a pipe blocks in native code), polling so that it can be told to stop.
   */
  static final class Pump {
    private final int fd;
    private final StreamFraming frames;
    private final int stream;
    private final Thread thread;
    private volatile long stopAt = Long.MAX_VALUE;

    private Pump(int fd, StreamFraming frames, int stream) {
      this.fd = fd;
      this.frames = frames;
      this.stream = stream;
      this.thread = Thread.ofPlatform().daemon().name("exec-output").unstarted(this::run);
    }

    /** Starts copying; {@code frames} null reads and drops the output. The caller closes the fd after {@link #finish}. */
    static Pump start(int fd, StreamFraming frames, int stream) {
      Pump p = new Pump(fd, frames, stream);
      p.thread.start();
      return p;
    }

    private void run() {
      byte[] buf = new byte[32 * 1024];
      boolean clientGone = frames == null;
      try {
        while (System.nanoTime() < stopAt) {
          int ev = Libc.poll(fd, Libc.POLLIN, 100);
          if (ev == 0) {
            continue;
          }
          int n;
          try {
            n = Libc.read(fd, buf, 0, buf.length);
          } catch (RuntimeException eio) {
            return; // EIO: a terminal whose last user closed it
          }
          if (n <= 0) {
            return;
          }
          if (!clientGone) {
            try {
              frames.write(stream, buf, 0, n);
            } catch (IOException x) {
              // The client left: the output is read on and dropped, so that the process,
              // which runs on as it does with Docker, never blocks on a full pipe.
              clientGone = true;
            }
          }
        }
      } catch (RuntimeException x) {
        // the fd failed: nothing more to read
      }
    }

    /** Waits for the end of the output, at most {@code graceMillis} more, then stops copying. */
    void finish(long graceMillis) throws InterruptedException {
      stopAt = System.nanoTime() + graceMillis * 1_000_000L;
      thread.join();
    }
  }
}
