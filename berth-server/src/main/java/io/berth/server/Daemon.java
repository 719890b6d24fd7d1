package io.berth.server;

import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.image.registry.RegistriesConf;
import io.berth.sys.Libc;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * {@code berth serve}: the engine as a long-lived process. It serves {@link BerthApi} on a unix
 * socket (and, when given one, a second API such as Docker's on a socket of its own) and does what only a process that outlives each command can do: reap the shims it
 * spawned, apply restart policies when runs end, and run health checks on schedule.
 *
 * <p>The containers do not depend on it: each is watched by its own shim, which records the
 * exit. A daemon that is stopped (SIGTERM) or killed leaves them running, and the next one
 * reads what happened meanwhile from the shims' files and applies the restart policies then,
 * as dockerd does at its start.
 */
public final class Daemon implements AutoCloseable {
  static final Duration TICK = Duration.ofMillis(250);

  private final Engine engine;
  private final Consumer<String> log;
  private final FileLock lock;
  private final UnixHttpServer server;
  /** The second API's server (Docker's), or null. */
  private final UnixHttpServer extraServer;
  private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
  /** The startedAt of each container's last run whose end has been dealt with. */
  private final Map<String, String> handled = new ConcurrentHashMap<>();
  /** The run (id@startedAt) each health loop probes. */
  private final Map<String, String> healthLoops = new ConcurrentHashMap<>();
  private final Set<Integer> shims = ConcurrentHashMap.newKeySet();
  private final Thread monitor;
  private volatile boolean closed;

  private Daemon(Engine engine, Path socket, ExtraApi extra, Consumer<String> log) throws IOException {
    this.engine = engine;
    this.log = log;
    this.lock = lockRunRoot(engine.config().runRoot());
    UnixHttpServer berth = null;
    try {
      // Adopt first: a shim spawned from now on is ours to reap once it has daemonized.
      io.berth.runtime.Runtime.adoptContainers();
      berth = UnixHttpServer.start(socket, new BerthApi(engine).router(), log);
      this.extraServer = extra == null ? null : UnixHttpServer.start(extra.socket(), extra.handler(), log);
      this.server = berth;
    } catch (IOException | RuntimeException e) {
      if (berth != null) {
        berth.close();
      }
      releaseQuietly(lock);
      throw e;
    }
    recover();
    this.monitor = Thread.ofPlatform().name("berth-monitor").daemon(true).start(this::monitorLoop);
  }

  /**
   * Serves the API on {@code socket} for {@code engine} until {@link #close}. Fails when another
   * daemon serves the same run root or answers on the socket.
   */
  public static Daemon start(Engine engine, Path socket, Consumer<String> log) throws IOException {
    return new Daemon(engine, socket, null, log);
  }

  /**
   * A second API the daemon serves on a socket of its own, kept apart from Berth's: Docker's
   * Engine API lives in berth-docker, which this module cannot see, so the caller hands it in.
   */
  public record ExtraApi(Path socket, UnixHttpServer.Handler handler) {}

  /** As {@link #start(Engine, Path, Consumer)}, serving {@code extra} too (null for none). */
  public static Daemon start(Engine engine, Path socket, ExtraApi extra, Consumer<String> log) throws IOException {
    return new Daemon(engine, socket, extra, log);
  }

  public Path socket() {
    return server.socket();
  }

  /** The second API's socket, or null when there is none. */
  public Path extraSocket() {
    return extraServer == null ? null : extraServer.socket();
  }

  /** Two daemons on one run root would restart and reap each other's containers. */
  private static FileLock lockRunRoot(Path runRoot) throws IOException {
    Files.createDirectories(runRoot);
    FileChannel ch = FileChannel.open(runRoot.resolve("daemon.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      ch.close();
      throw new IOException("another berth daemon serves the run root " + runRoot + "; stop it first");
    }
    return l;
  }

  private static void releaseQuietly(FileLock l) {
    try {
      l.channel().close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
  }

  // ---- start: what happened while no daemon watched ----

  /**
   * Docker's restore: each run that ended while nobody watched is dealt with now. A restart
   * policy restarts it (always even after a user's stop, as dockerd does at its start;
   * unless-stopped and on-failure as {@link Engine#cleanup} decides), and a --rm container goes.
   */
  private void recover() {
    // CNI GC first: attachments whose container no longer runs (a crash between ADD and the
    // record, a shim killed with its container) are released before anything starts again.
    guarded("network GC", engine::gcNetworks);
    for (Container c : engine.list()) {
      if (c.state().status().equals(ContainerState.RESTARTING)) {
        // A restart claimed by a berth process that died before it started the container.
        work.submit(() -> guarded("restart " + c.name(), () -> engine.start(c.id())));
        continue;
      }
      if (!c.state().status().equals(ContainerState.EXITED) || c.state().startedAt() == null) {
        continue;
      }
      handled.put(c.id(), c.state().startedAt());
      boolean always = "always".equals(c.spec().restart());
      work.submit(() -> guarded("restore " + c.name(), () -> {
        if (always && c.state().stoppedByUser() && !c.spec().autoRemove()) {
          engine.start(c.id());
        } else {
          engine.cleanup(c.id());
        }
      }));
    }
  }

  // ---- the monitor ----

  private void monitorLoop() {
    while (!closed) {
      try {
        tick();
      } catch (RuntimeException e) {
        if (!closed) {
          log.accept("monitor: " + e.getMessage());
        }
      }
      try {
        Thread.sleep(TICK);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void tick() {
    reap();
    List<Container> all = engine.list();
    Set<String> ids = new java.util.HashSet<>();
    for (Container c : all) {
      ids.add(c.id());
      ContainerState s = c.state();
      if (s.isRunning()) {
        noteShims(c);
        scheduleHealth(c);
      } else if (s.status().equals(ContainerState.EXITED) && s.startedAt() != null
          && !s.startedAt().equals(handled.get(c.id()))) {
        handled.put(c.id(), s.startedAt());
        // Off the monitor thread: a restart waits out its backoff first.
        work.submit(() -> guarded("cleanup " + c.name(), () -> engine.cleanup(c.id())));
      }
    }
    handled.keySet().retainAll(ids);
  }

  private void guarded(String what, Runnable r) {
    try {
      r.run();
    } catch (EngineException.NotFound e) {
      // removed meanwhile
    } catch (RuntimeException e) {
      if (!closed) {
        log.accept(what + ": " + e.getMessage());
      }
    }
  }

  // ---- reaping ----

  /** The shims of a running container: its own and those of its detached execs. */
  private void noteShims(Container c) {
    if (c.state().shimPid() > 0) {
      shims.add(c.state().shimPid());
    }
    Path execs = engine.shimDir(c.id()).resolve("e");
    if (!Files.isDirectory(execs)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(execs)) {
      for (Path d : dirs) {
        int pid = readPid(d.resolve("shim.pid"));
        if (pid > 0) {
          shims.add(pid);
        }
      }
    } catch (IOException e) {
      // the container is being removed
    }
  }

  /**
   * Reaps the shims that have exited. Only pids known to be shims are waited for, never -1: the
   * health checks wait for their own exec processes (adopted by this process too), and a wait
   * for any child would take their exit codes. A shim whose run began and ended between two
   * ticks was never seen running; it is found as a zombie child named berth-shim.
   */
  private void reap() {
    shims.addAll(zombieShims());
    for (Integer pid : shims) {
      if (Libc.waitpid(pid, Libc.WNOHANG) != null || !alive(pid)) {
        shims.remove(pid);
      }
    }
  }

  private static Set<Integer> zombieShims() {
    Set<Integer> out = new java.util.HashSet<>();
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"));
        } catch (IOException e) {
          continue;
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.length()) {
          continue;
        }
        String[] rest = stat.substring(close + 2).split(" ");
        if (rest.length > 1 && rest[0].equals("Z") && Long.parseLong(rest[1]) == self
            && stat.substring(open + 1, close).equals("berth-shim")) {
          out.add(Integer.parseInt(p.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      // /proc unreadable: the known pids still get reaped
    }
    return out;
  }

  private static boolean alive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      // A zombie here is someone else's (ours were reaped just before): as good as gone.
      char state = close > 0 && stat.length() > close + 2 ? stat.charAt(close + 2) : 'X';
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  private static int readPid(Path file) {
    try {
      return Integer.parseInt(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  // ---- health checks ----

  /**
   * One loop per run of a container with a health check: a probe every interval, the first one
   * interval after the start (probes in the start period run too; the engine does not count
   * their failures). The loop ends with the run.
   */
  private void scheduleHealth(Container c) {
    ContainerSpec.Health h;
    try {
      h = engine.health(c).orElse(null);
    } catch (RuntimeException e) {
      return;
    }
    if (h == null) {
      return;
    }
    String run = c.id() + "@" + c.state().startedAt();
    if (run.equals(healthLoops.get(c.id()))) {
      return;
    }
    healthLoops.put(c.id(), run);
    long interval = Math.max(h.interval(), Duration.ofMillis(10).toNanos());
    work.submit(() -> {
      try {
        while (!closed && run.equals(healthLoops.get(c.id()))) {
          Thread.sleep(Duration.ofNanos(interval));
          Container now = engine.find(c.id()).orElse(null);
          if (now == null || !now.state().isRunning() || !c.state().startedAt().equals(now.state().startedAt())) {
            break;
          }
          if (now.state().status().equals(ContainerState.RUNNING)) { // a paused container is not probed
            // A probe polls its output with poll(2) for up to its timeout: native waiting that
            // would hold one of the few carrier threads every virtual thread of the daemon
            // (both APIs' requests among them) runs on. A platform thread of its own.
            Thread probe = Thread.ofPlatform().daemon().name("health " + c.name())
                .start(() -> guarded("health check of " + c.name(), () -> engine.runHealthCheck(c.id())));
            probe.join();
          }
        }
      } catch (InterruptedException e) {
        // closing
      } finally {
        healthLoops.remove(c.id(), run);
      }
    });
  }

  // ---- stop ----

  /** Stops serving and monitoring; the containers keep running under their shims. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.close();
    if (extraServer != null) {
      extraServer.close();
    }
    monitor.interrupt();
    try {
      monitor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    work.shutdownNow();
    try {
      work.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    releaseQuietly(lock);
  }

  // ---- berth serve ----

  static final String USAGE = "usage: berth serve [--socket PATH] [--docker-socket PATH|none]\n"
      + "  (defaults: <run-root>/berth.sock for Berth's API, <run-root>/docker.sock for Docker's)";

  /**
   * {@code berth serve}: runs until SIGTERM or SIGINT, then closes the socket and exits 0,
   * leaving the containers running.
   */
  public static int serve(Path root, Path runRoot, RegistriesConf registries, List<String> args,
      PrintStream out, PrintStream err) throws IOException, InterruptedException {
    return serve(root, runRoot, registries, args, out, err, null, null);
  }

  /**
   * As above, with {@code companion} started on the daemon's engine once it serves (and closed
   * when it stops): the command line's fast path lives in berth-cli, which this module cannot see;
   * and with {@code dockerApi} (null for none) served on the Docker socket.
   */
  public static int serve(Path root, Path runRoot, RegistriesConf registries, List<String> args,
      PrintStream out, PrintStream err, java.util.function.Function<Engine, AutoCloseable> companion,
      java.util.function.Function<Engine, UnixHttpServer.Handler> dockerApi)
      throws IOException, InterruptedException {
    Path socket = runRoot.resolve("berth.sock");
    Path dockerSocket = runRoot.resolve("docker.sock");
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--socket") || a.equals("-H") || a.equals("--docker-socket")) {
        if (i + 1 >= args.size()) {
          err.println("berth serve: " + a + " needs a path");
          return 2;
        }
        Path p = Path.of(args.get(++i));
        if (a.equals("--docker-socket")) {
          dockerSocket = p;
        } else {
          socket = p;
        }
      } else if (a.startsWith("--socket=")) {
        socket = Path.of(a.substring("--socket=".length()));
      } else if (a.startsWith("--docker-socket=")) {
        dockerSocket = Path.of(a.substring("--docker-socket=".length()));
      } else if (a.equals("-h") || a.equals("--help")) {
        out.println(USAGE);
        return 0;
      } else {
        err.println("berth serve: unknown argument " + a + "\n" + USAGE);
        return 2;
      }
    }
    if (dockerSocket.toString().equals("none") || dockerApi == null) {
      dockerSocket = null;
    }
    for (Path p : java.util.Arrays.asList(socket, dockerSocket)) {
      if (p != null && p.toAbsolutePath().toString().length() >= 108) {
        err.println("berth serve: the socket path " + p + " is too long for a unix socket (108 bytes)");
        return 2;
      }
    }
    if (socket.toAbsolutePath().equals(dockerSocket == null ? null : dockerSocket.toAbsolutePath())) {
      err.println("berth serve: Berth's API and Docker's need two sockets; " + socket + " was given for both");
      return 2;
    }
    Consumer<String> log = m -> err.println(Instant.now() + " berth serve: " + m);
    Engine.Config config = Engine.Config.of(root, runRoot).withRegistries(registries)
        .withWarn(m -> log.accept("warning: " + m));
    CountDownLatch stop = new CountDownLatch(1);
    try (Engine engine = Engine.open(config)) {
      Daemon d;
      try {
        d = start(engine, socket, dockerSocket == null ? null : new ExtraApi(dockerSocket, dockerApi.apply(engine)), log);
      } catch (IOException e) {
        err.println("berth serve: " + e.getMessage());
        return 125;
      }
      try (d; AutoCloseable extra = companion == null ? null : companion.apply(engine)) {
        SignalHandling.onTermination(stop::countDown);
        log.accept("serving the Berth API on " + socket.toAbsolutePath()
            + (dockerSocket == null ? "" : " and the Docker Engine API on " + dockerSocket.toAbsolutePath())
            + " (pid " + ProcessHandle.current().pid() + ")");
        stop.await();
        log.accept("stopping; the containers keep running");
      } catch (IOException | InterruptedException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
    return 0;
  }
}
