package io.berth.cli;

import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.Volumes;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Runtime;
import io.berth.runtime.Signals;
import io.berth.runtime.shim.CriLog;
import io.berth.runtime.shim.ShimClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container commands of {@code berth} (podman's and Docker's names, flags and output): run,
 * create, start, stop, kill, restart, rm, ps, logs, exec, attach, wait, inspect, top, pause,
 * unpause, rename, and the volume commands.
 */
final class ContainerCommands {
  private final Engine engine;
  private final PrintStream out;
  private final PrintStream err;

  private final Stdio stdio;

  ContainerCommands(Engine engine, PrintStream out, PrintStream err) {
    this(engine, out, err, Stdio.own());
  }

  ContainerCommands(Engine engine, PrintStream out, PrintStream err, Stdio stdio) {
    this.engine = engine;
    this.out = out;
    this.err = err;
    this.stdio = stdio;
  }

  // ---- run, create, start ----

  int run(List<String> args) {
    RunFlags r = RunFlags.parse("run", args);
    Container c = engine.create(r.spec, r.quiet ? p -> {} : PullProgress.forStderr(false));
    if (r.detach) {
      engine.start(c.id());
      out.println(c.id());
      return 0;
    }
    return foreground(c, r.interactive, r.tty, r.detachKeys, true);
  }

  int create(List<String> args) {
    RunFlags r = RunFlags.parse("create", args);
    Container c = engine.create(r.spec, r.quiet ? p -> {} : PullProgress.forStderr(false));
    out.println(c.id());
    return 0;
  }

  int start(List<String> args) {
    Flags f = Flags.berth("start", args, Integer.MAX_VALUE).combining("ai");
    boolean attach = false;
    boolean interactive = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-a", "--attach" -> attach = f.bool(flag);
        case "-i", "--interactive" -> interactive = f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<String> names = f.positionals(1, -1, "[-a] [-i] CONTAINER...");
    if (attach) {
      if (names.size() != 1) {
        throw new Flags.UsageException("start --attach takes one container");
      }
      Container c = engine.get(names.get(0));
      return foreground(c, interactive && c.spec().openStdin(), c.spec().tty(), "ctrl-p,ctrl-q", false);
    }
    return eachContainer(names, n -> {
      engine.start(n);
      out.println(n);
    });
  }

  /**
   * Starts the container with this terminal attached (from before its process runs, so that no
   * output is missed) and returns its exit code, as {@code docker run} does.
   */
  private int foreground(Container c, boolean stdin, boolean tty, String detachKeys, boolean removeIfAsked) {
    int[] code = {-1};
    Attach session = new Attach(stdin, tty, detachKeys, stdio);
    Thread[] attachThread = new Thread[1];
    try {
      engine.start(c.id(), (ctr, shimDir) -> {
        ShimClient client = ShimClient.connect(shimDir);
        session.prepare(client);
        attachThread[0] = Thread.ofPlatform().name("attach").start(() -> code[0] = session.run(client));
      });
    } catch (EngineException e) {
      // docker's codes for a command that cannot run: 127 not found, 126 not executable
      int failed = engine.find(c.id()).map(x -> x.state().exitCode()).orElse(0);
      if (removeIfAsked && c.spec().autoRemove()) {
        removeQuietly(c.id());
      }
      if (e.getCause() instanceof io.berth.runtime.ContainerException && (failed == 126 || failed == 127)) {
        err.println("berth: " + e.getMessage());
        return failed;
      }
      throw e;
    }
    forwardSignals(c.id(), tty);
    try {
      attachThread[0].join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (session.detached) {
      err.println();
      return 0;
    }
    Container done = engine.waitUntilExited(c.id());
    int exit = code[0] >= 0 ? code[0] : done.state().exitCode();
    if (removeIfAsked && c.spec().autoRemove()) {
      removeQuietly(c.id());
    }
    return exit;
  }

  private void removeQuietly(String id) {
    try {
      engine.remove(id, true, true);
    } catch (EngineException.NotFound e) {
      // the shim's exit command removed it first
    }
  }

  private void forwardSignals(String id, boolean tty) {
    if (tty || stdio.lent()) { // lent: the daemon's signal handlers are not this client's
      return; // the terminal sends ^C to the container itself
    }
    for (String name : List.of("TERM", "INT", "HUP", "USR1", "USR2")) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
          try {
            engine.kill(id, s.getNumber());
          } catch (EngineException e) {
            // it has exited
          }
        });
      } catch (IllegalArgumentException e) {
        // reserved by the JVM
      }
    }
  }

  /** This terminal attached to a container through its shim. */
  private static final class Attach {
    final boolean stdin;
    final boolean tty;
    final byte[] detachSequence;
    final Stdio stdio;
    volatile boolean detached;
    String savedTty;

    Attach(boolean stdin, boolean tty, String detachKeys, Stdio stdio) {
      this.stdin = stdin;
      this.tty = tty;
      this.detachSequence = DetachKeys.parse(detachKeys);
      this.stdio = stdio;
    }

    void prepare(ShimClient client) {
      if (tty && !stdio.lent()) {
        String size = ConsoleProxy.stty("size");
        if (size != null && size.matches("\\d+ \\d+")) {
          String[] rc = size.split(" ");
          client.resize(Integer.parseInt(rc[0]), Integer.parseInt(rc[1]));
        }
        if (stdin) {
          savedTty = ConsoleProxy.stty("-g");
          if (savedTty != null) {
            ConsoleProxy.stty("raw", "-echo");
          }
        }
      }
    }

    int run(ShimClient client) {
      OutputStream o = stdio.out();
      OutputStream e = stdio.err();
      InputStream in = null;
      if (stdin) {
        in = new DetachKeys.Filter(stdio.in(), detachSequence, () -> {
          detached = true;
          client.detach();
        });
      }
      try {
        return client.attach(in, o, tty ? o : e, true);
      } finally {
        if (savedTty != null) {
          ConsoleProxy.stty(savedTty);
        }
      }
    }
  }

  int attach(List<String> args) {
    Flags f = Flags.berth("attach", args, Integer.MAX_VALUE);
    String keys = "ctrl-p,ctrl-q";
    boolean noStdin = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--detach-keys" -> keys = f.value(flag);
        case "--no-stdin" -> noStdin = f.bool(flag);
        case "--sig-proxy" -> f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    Container c = engine.get(f.positionals(1, 1, "[--detach-keys KEYS] [--no-stdin] CONTAINER").get(0));
    if (!c.state().isRunning()) {
      throw new EngineException.Conflict("you cannot attach to a stopped container, start it first");
    }
    Attach session = new Attach(!noStdin && c.spec().openStdin(), c.spec().tty(), keys, stdio);
    ShimClient client = ShimClient.connect(engine.shimDir(c.id()));
    session.prepare(client);
    int code = session.run(client);
    if (session.detached) {
      return 0;
    }
    return code >= 0 ? code : engine.waitUntilExited(c.id()).state().exitCode();
  }

  // ---- stop, kill, restart, rm, pause ----

  int stop(List<String> args) {
    ContainerFlags.Stop f = ContainerFlags.stop("stop", args);
    return eachContainer(f.names(), n -> {
      engine.stop(n, f.timeout());
      out.println(n);
    });
  }

  int restart(List<String> args) {
    ContainerFlags.Stop f = ContainerFlags.stop("restart", args);
    return eachContainer(f.names(), n -> {
      engine.stop(n, f.timeout());
      engine.start(n);
      out.println(n);
    });
  }

  int kill(List<String> args) {
    ContainerFlags.Kill f = ContainerFlags.kill(args);
    int signal = Signals.parse(f.signal());
    return eachContainer(f.names(), n -> {
      engine.kill(n, signal);
      out.println(n);
    });
  }

  int rm(List<String> args) {
    ContainerFlags.Rm f = ContainerFlags.rm(args);
    return eachContainer(f.names(), n -> {
      engine.remove(n, f.force(), f.volumes());
      out.println(n);
    });
  }

  int pause(List<String> args, boolean pause) {
    Flags f = Flags.berth(pause ? "pause" : "unpause", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    return eachContainer(f.positionals(1, -1, "CONTAINER..."), n -> {
      if (pause) {
        engine.pause(n);
      } else {
        engine.unpause(n);
      }
      out.println(n);
    });
  }

  int rename(List<String> args) {
    Flags f = Flags.berth("rename", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(2, 2, "CONTAINER NEW_NAME");
    engine.rename(pos.get(0), pos.get(1));
    return 0;
  }

  int waitFor(List<String> args) {
    Flags f = Flags.berth("wait", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    int last = 0;
    for (String n : f.positionals(1, -1, "CONTAINER...")) {
      Container c = engine.waitUntilExited(n);
      last = c.state().exitCode();
      out.println(last);
    }
    return 0;
  }

  /** Runs {@code action} on each; an error on one is reported and the others still happen. */
  private int eachContainer(List<String> names, ContainerFlags.Action action) {
    return ContainerFlags.each(names, err, action);
  }


  // ---- ps ----

  int ps(List<String> args) {
    return ps(args, all -> engine.list(), out);
  }

  /** ps over a source of containers (this engine's, or a daemon's): flags, filters and output. */
  static int ps(List<String> args, java.util.function.Function<Boolean, List<Container>> source, PrintStream out) {
    Flags f = Flags.berth("ps", args, Integer.MAX_VALUE).combining("aqls");
    boolean all = false;
    boolean quiet = false;
    boolean noTrunc = false;
    boolean latest = false;
    String format = null;
    List<String> filters = new ArrayList<>();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-a", "--all" -> all = f.bool(flag);
        case "-q", "--quiet" -> quiet = f.bool(flag);
        case "-l", "--latest" -> latest = f.bool(flag);
        case "-s", "--size" -> f.bool(flag);
        case "--no-trunc" -> noTrunc = f.bool(flag);
        case "--format" -> format = f.value(flag);
        case "-f", "--filter" -> filters.add(f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "[-a] [-q] [--no-trunc] [--format FORMAT] [--filter KEY=VALUE]");
    PsFilter.validate(filters);
    List<Container> list = new ArrayList<>();
    for (Container c : source.apply(all || latest)) {
      if ((all || latest || c.state().isRunning()) && PsFilter.matches(c, filters)) {
        list.add(c);
      }
    }
    list = list.reversed(); // newest first, as docker ps
    if (latest && !list.isEmpty()) {
      list = List.of(list.get(0));
    }
    if (quiet) {
      for (Container c : list) {
        out.println(noTrunc ? c.id() : c.shortId());
      }
      return 0;
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Container c : list) {
      rows.add(PsRow.of(c, noTrunc));
    }
    if (format != null && (format.equals("json") || format.equals("{{json .}}"))) {
      if (format.equals("json")) {
        out.println(io.berth.oci.SpecJson.toPrettyString(rows));
      } else {
        rows.forEach(r -> out.println(io.berth.oci.SpecJson.toString(r)));
      }
      return 0;
    }
    String template = format != null ? format
        : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
    out.print(GoTemplate.table(template, rows, PsRow.HEADERS, format == null));
    return 0;
  }

  // ---- logs ----

  int logs(List<String> args) {
    Flags f = Flags.berth("logs", args, Integer.MAX_VALUE).combining("ft");
    boolean follow = false;
    boolean timestamps = false;
    int tail = -1;
    Instant since = null;
    Instant until = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--follow" -> follow = f.bool(flag);
        case "-t", "--timestamps" -> timestamps = f.bool(flag);
        case "-n", "--tail" -> {
          String v = f.value(flag);
          try {
            tail = v.equals("all") ? -1 : Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new Flags.UsageException("logs: --tail takes a number or all, got \"" + v + "\"");
          }
        }
        case "--since" -> since = time("--since", f.value(flag));
        case "--until" -> until = time("--until", f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    Container c = engine.get(f.positionals(1, 1, "[-f] [-t] [--tail N] [--since TIME] CONTAINER").get(0));
    CriLog log = new CriLog(engine.logPath(c.id()));
    OutputStream o = stdio.out();
    OutputStream e = stdio.err();
    boolean ts = timestamps;
    Instant end = until;
    java.util.function.Consumer<CriLog.Entry> sink = entry -> {
      if (end != null && entry.time().isAfter(end)) {
        return;
      }
      String line = (ts ? entry.time().toString() + " " : "") + entry.text() + (entry.partialAtEnd() ? "" : "\n");
      try {
        (entry.stream().equals("stderr") ? e : o).write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (IOException x) {
        throw new ReaderGone(x);
      }
    };
    try {
      if (follow) {
        String id = c.id();
        log.follow(tail, since, () -> engine.find(id).map(x -> !x.state().isRunning()).orElse(true), sink);
      } else {
        log.read(tail, since).forEach(sink);
      }
      o.flush();
      e.flush();
    } catch (ReaderGone x) {
      // logs | head: the reader has what it wanted, as docker (quietly ended by SIGPIPE)
      return 0;
    } catch (IOException x) {
      throw new java.io.UncheckedIOException(x);
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** Our stdout or stderr was closed by its reader. */
  private static final class ReaderGone extends RuntimeException {
    ReaderGone(IOException cause) {
      super(cause);
    }
  }

  /** RFC 3339, a Unix timestamp, or a Go duration meaning that long ago (10m). */
  static Instant time(String flag, String v) {
    try {
      return Instant.parse(v);
    } catch (java.time.format.DateTimeParseException e) {
      if (v.matches("\\d+(\\.\\d+)?")) {
        double secs = Double.parseDouble(v);
        return Instant.ofEpochSecond((long) secs, (long) ((secs % 1) * 1e9));
      }
      return Instant.now().minusNanos(RunFlags.duration(flag, v));
    }
  }

  // ---- exec ----

  int exec(List<String> args) {
    Flags f = Flags.berth("exec", args, 2).combining("itd");
    boolean interactive = false;
    boolean tty = false;
    boolean detach = false;
    boolean privileged = false;
    String user = null;
    String workdir = null;
    List<String> env = new ArrayList<>();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-i", "--interactive" -> interactive = f.bool(flag);
        case "-t", "--tty" -> tty = f.bool(flag);
        case "-d", "--detach" -> detach = f.bool(flag);
        case "--privileged" -> privileged = f.bool(flag);
        case "-u", "--user" -> user = f.value(flag);
        case "-w", "--workdir" -> workdir = f.value(flag);
        case "-e", "--env" -> env.add(f.value(flag));
        case "--env-file" -> env.addAll(RunFlags.envFile(Path.of(f.value(flag))));
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, -1, "[-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]");
    Engine.ExecSpec spec = new Engine.ExecSpec(List.copyOf(pos.subList(1, pos.size())), env, user, workdir,
        tty && !detach, privileged);
    if (detach) {
      engine.execDetached(pos.get(0), spec);
      return 0;
    }
    Runtime.adoptContainers();
    if (tty) {
      try (ConsoleProxy console = ConsoleProxy.open()) {
        int pid = engine.exec(pos.get(0), spec, new CreateOptions(null, console.socketPath(), 0, false, CreateOptions.INHERIT));
        console.attach();
        int code = Runtime.waitFor(pid);
        console.drain();
        return code;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    int[] fds = stdio.fds();
    int devNull = -1;
    if (!interactive) {
      devNull = io.berth.sys.Libc.open("/dev/null", io.berth.sys.Libc.O_RDWR | io.berth.sys.Libc.O_CLOEXEC, 0);
      fds = new int[] {devNull, fds[1], fds[2]};
    }
    try {
      int pid = engine.exec(pos.get(0), spec, new CreateOptions(null, null, 0, false, fds));
      if (!stdio.lent()) {
        SignalForwarder.forward(pid);
      }
      return Runtime.waitFor(pid);
    } catch (EngineException e) {
      if (!(e.getCause() instanceof io.berth.runtime.ContainerException)) {
        throw e;
      }
      // the command could not be started: podman's 127 (not found) or 126 (cannot run)
      err.println("berth: " + e.getMessage());
      String m = e.getMessage().toLowerCase(java.util.Locale.ROOT);
      return m.contains("no such file") || m.contains("not found") ? 127 : 126;
    } finally {
      io.berth.sys.Libc.closeQuietly(devNull);
    }
  }

  // ---- inspect, top ----

  int inspect(List<String> args, ImageCommands images) throws Exception {
    Flags f = Flags.berth("inspect", args, Integer.MAX_VALUE);
    String format = null;
    String type = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--format" -> format = f.value(flag);
        case "--type" -> type = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<Object> docs = new ArrayList<>();
    int rc = 0;
    for (String n : f.positionals(1, -1, "[--format TEMPLATE] [--type container|image] NAME...")) {
      var found = "image".equals(type) ? java.util.Optional.<Container>empty() : engine.find(n);
      if (found.isPresent()) {
        docs.add(InspectJson.container(engine, found.get()));
      } else if (!"container".equals(type) && engine.images().find(n).isPresent()) {
        // by ID: the engine resolves short names (busybox → localhost/busybox) as run does
        docs.add(images.inspectDocument(engine.images().find(n).get().id()));
      } else {
        err.println("berth: no such object: " + n);
        rc = 125;
      }
    }
    if (format != null) {
      for (Object d : docs) {
        out.println(GoTemplate.render(format, io.berth.oci.SpecJson.mapper().convertValue(d, Map.class)));
      }
    } else {
      out.println(docs.isEmpty() ? "[]" : io.berth.oci.SpecJson.toPrettyString(docs));
    }
    return rc;
  }

  int top(List<String> args) {
    Flags f = Flags.berth("top", args, 1);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(1, -1, "CONTAINER [ps OPTIONS]");
    List<Integer> pids = engine.pids(pos.get(0));
    List<String> cmd = new ArrayList<>(List.of("ps"));
    cmd.addAll(pos.size() > 1 ? pos.subList(1, pos.size()) : List.of("-f"));
    cmd.add("-p");
    cmd.add(String.join(",", pids.stream().map(String::valueOf).toList()));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      out.print(new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      return p.waitFor() == 0 ? 0 : 125;
    } catch (IOException e) {
      throw new EngineException("top: cannot run ps: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 125;
    }
  }

  // ---- volumes ----

  int volume(List<String> args) {
    if (args.isEmpty()) {
      throw new Flags.UsageException("usage: berth volume create|ls|inspect|rm|prune ...");
    }
    List<String> rest = args.subList(1, args.size());
    return switch (args.get(0)) {
      case "create" -> {
        Flags f = Flags.berth("volume create", rest, Integer.MAX_VALUE);
        Map<String, String> labels = new LinkedHashMap<>();
        for (String flag = f.next(); flag != null; flag = f.next()) {
          switch (flag) {
            case "-l", "--label" -> RunFlags.keyValue(labels, f.value(flag));
            case "-d", "--driver" -> {
              String d = f.value(flag);
              if (!d.equals("local")) {
                throw new EngineException("volume driver " + d + " is not available (local is)");
              }
            }
            default -> throw f.unknown(flag);
          }
        }
        List<String> pos = f.positionals(0, 1, "[--label K=V] [NAME]");
        String name = pos.isEmpty() ? io.berth.engine.Volumes.class.getSimpleName().toLowerCase() + "-" + Long.toHexString(System.nanoTime()) : pos.get(0);
        out.println(engine.volumes().create(name, labels, false).name());
        yield 0;
      }
      case "ls", "list" -> {
        Flags f = Flags.berth("volume ls", rest, Integer.MAX_VALUE);
        boolean quiet = false;
        for (String flag = f.next(); flag != null; flag = f.next()) {
          switch (flag) {
            case "-q", "--quiet" -> quiet = f.bool(flag);
            default -> throw f.unknown(flag);
          }
        }
        if (!quiet) {
          out.printf("%-10s %s%n", "DRIVER", "VOLUME NAME");
        }
        for (Volumes.Volume v : engine.volumes().list()) {
          out.println(quiet ? v.name() : String.format("%-10s %s", v.driver(), v.name()));
        }
        yield 0;
      }
      case "inspect" -> {
        List<Object> docs = new ArrayList<>();
        for (String n : rest) {
          Volumes.Volume v = engine.volumes().get(n);
          Map<String, Object> d = new LinkedHashMap<>();
          d.put("CreatedAt", v.createdAt());
          d.put("Driver", v.driver());
          d.put("Labels", v.labels());
          d.put("Mountpoint", v.mountpoint());
          d.put("Name", v.name());
          d.put("Options", Map.of());
          d.put("Scope", "local");
          docs.add(d);
        }
        out.println(io.berth.oci.SpecJson.toPrettyString(docs));
        yield 0;
      }
      case "rm", "remove" -> {
        Flags f = Flags.berth("volume rm", rest, Integer.MAX_VALUE);
        boolean force = false;
        for (String flag = f.next(); flag != null; flag = f.next()) {
          switch (flag) {
            case "-f", "--force" -> force = f.bool(flag);
            default -> throw f.unknown(flag);
          }
        }
        boolean fo = force;
        yield eachContainer(f.positionals(1, -1, "[-f] VOLUME..."), n -> {
          engine.removeVolume(n, fo);
          out.println(n);
        });
      }
      case "prune" -> {
        for (String n : engine.pruneVolumes()) {
          out.println(n);
        }
        yield 0;
      }
      default -> throw new Flags.UsageException("unknown volume command \"" + args.get(0) + "\"");
    };
  }

  /** {@code container cleanup ID}: what a shim runs when its container exits (--rm, restarts). */
  int cleanup(List<String> args) {
    for (String id : args) {
      try {
        engine.cleanup(id);
      } catch (EngineException.NotFound e) {
        // removed already
      }
    }
    return 0;
  }
}
