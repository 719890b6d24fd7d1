package io.berth.cli;

import io.berth.oci.DefaultSpec;
import io.berth.oci.InvalidSpecException;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import io.berth.runtime.ContainerInfo;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Runtime;
import io.berth.runtime.Signals;
import io.berth.runtime.cgroup.CgroupException;
import io.berth.runtime.seccomp.SeccompException;
import io.berth.sys.SysException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth-runtime}: the runc-compatible command line over {@link Runtime}. */
public final class RuntimeCli {
  static final String VERSION = "berth-runtime 0.1.0\nspec: " + DefaultSpec.OCI_VERSION;
  static final String HELP =
      """
      berth-runtime: run containers from OCI bundles (runc-compatible)

      usage: berth-runtime [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND ...

      commands:
        create    create a container from a bundle; start runs it
        start     start a created container
        state     print a container's state (runtime.md) as JSON
        kill      send a signal (default SIGTERM) to a container
        delete    delete a stopped (or, with --force, any) container
        run       create and start a container; wait for it unless --detach
        exec      run a process in a running container
        ps        list the processes of a container
        list      list containers
        pause     freeze every process of a container
        resume    thaw a paused container
        update    update a container's resource limits
        features  print the features this runtime supports (features.md)
        spec      write a default config.json into the bundle

      'berth-runtime COMMAND --help' describes a command's flags.
      """;
  static final String CREATE_FLAGS =
      "[--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] [--no-pivot]";

  final Session session;
  Path root = Path.of("/run/berth-runtime");
  Path logFile;
  String logFormat = "text";
  boolean debug;
  boolean systemdCgroup;
  private Log log;

  RuntimeCli(Session session) {
    this.session = session;
  }

  Log log() {
    if (log == null) {
      log = new Log(logFile, logFormat, debug, session.err());
    }
    return log;
  }

  Runtime runtime() {
    if (systemdCgroup) {
      throw new ContainerException("--systemd-cgroup is not supported: Berth manages cgroups through cgroupfs");
    }
    return new Runtime(root, io.berth.runtime.Libexec.init(), m -> log().warn(m), session.launcher());
  }

  int usage(String usage) {
    session.out().println("usage: berth-runtime " + usage);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    return execute(Session.LOCAL, args);
  }

  static int execute(Session session, String... args) {
    RuntimeCli cli = new RuntimeCli(session);
    routeLibraryWarnings(cli);
    try {
      return cli.dispatch(List.of(args));
    } catch (TerminalNeeded e) {
      throw e;
    } catch (Flags.UsageException e) {
      session.err().println("berth-runtime: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      String msg = describe(e);
      if (msg == null) {
        e.printStackTrace(session.err());
        return 1;
      }
      cli.log().error(msg);
      if (cli.debug) {
        e.printStackTrace(session.err());
      }
      return 1;
    }
  }

  private int dispatch(List<String> argv) throws Exception {
    Flags f = new Flags("", argv, 1);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--root" -> root = session.path(f.value(flag));
        case "--log" -> logFile = session.path(f.value(flag));
        case "--log-format" -> logFormat = f.value(flag);
        case "--debug" -> debug = true;
        case "--systemd-cgroup" -> systemdCgroup = true;
        case "--rootless", "--criu" -> f.value(flag); // accepted for runc compatibility
        case "--serve" -> {
          String sock = f.value(flag);
          String idle = session.getenv("BERTH_RUNTIME_IDLE_SECONDS");
          return new RuntimeService(session.path(sock), 1000L * (idle == null ? 300 : Long.parseLong(idle))).serve();
        }
        case "--version", "-v" -> {
          session.out().println(VERSION);
          return 0;
        }
        default -> {
          if (Flags.isHelp(flag)) {
            session.out().print(HELP);
            return 0;
          }
          throw new Flags.UsageException("unknown global flag " + flag + " (see --help)");
        }
      }
    }
    List<String> rest = f.positionals();
    if (rest.isEmpty()) {
      session.out().print(HELP);
      return 0;
    }
    String cmd = rest.get(0);
    List<String> args = rest.subList(1, rest.size());
    return switch (cmd) {
      case "create" -> create(args, false);
      case "run" -> create(args, true);
      case "start" -> withId("start", args, id -> runtime().start(id));
      case "state" -> withId("state", args, id -> session.out().println(SpecJson.toPrettyString(runtime().state(id))));
      case "pause" -> withId("pause", args, id -> runtime().pause(id));
      case "resume" -> withId("resume", args, id -> runtime().resume(id));
      case "kill" -> kill(args);
      case "delete", "rm" -> delete(args);
      case "exec" -> new ExecCommand(this).run(args);
      case "ps" -> ps(args);
      case "list", "ls" -> list(args);
      case "update" -> UpdateCommand.run(this, args);
      case "features" -> FeaturesCommand.run(session.out());
      case "spec" -> spec(args);
      case "help" -> {
        session.out().print(HELP);
        yield 0;
      }
      default -> throw new Flags.UsageException("unknown command \"" + cmd + "\" (see --help)");
    };
  }

  private interface IdAction {
    void run(String id) throws Exception;
  }

  private int withId(String cmd, List<String> args, IdAction action) throws Exception {
    Flags f = new Flags(cmd, args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      if (Flags.isHelp(flag)) {
        return usage(cmd + " ID");
      }
      throw f.unknown(flag);
    }
    action.run(f.positionals(1, 1, "ID").get(0));
    return 0;
  }

  /** The command running on this thread: the service runs several at once. */
  private static final ThreadLocal<RuntimeCli> CURRENT = new ThreadLocal<>();

  private static final java.util.concurrent.atomic.AtomicBoolean ROUTED = new java.util.concurrent.atomic.AtomicBoolean();

  /** The libraries log through java.util.logging: one line each, through the command's --log. */
  private static void routeLibraryWarnings(RuntimeCli cli) {
    CURRENT.set(cli);
    if (!ROUTED.compareAndSet(false, true)) {
      return;
    }
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            String msg = r.getMessage();
            if (r.getParameters() != null) {
              msg = java.text.MessageFormat.format(msg, r.getParameters());
            }
            RuntimeCli top = CURRENT.get();
            if (top == null) {
              System.err.println("berth-runtime: " + msg);
            } else if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
              top.log().warn(msg);
            } else {
              top.log().debug(msg);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
  }

  /** One line for the errors users cause; null for bugs, which keep their stack trace. */
  static String describe(Exception ex) {
    return switch (ex) {
      case ContainerException e -> e.getMessage();
      case InvalidSpecException e -> "invalid configuration: " + e.getMessage();
      case CgroupException e -> "cgroup: " + e.getMessage();
      case SeccompException e -> e.getMessage();
      case SysException e -> e.getMessage();
      case UncheckedIOException e -> e.getMessage();
      case IOException e -> e.toString();
      default -> null;
    };
  }

  CreateOptions createOptions(Path pidFile, String consoleSocket, int preserveFds, boolean noPivot) {
    int fds = preserveFds;
    // systemd socket activation: LISTEN_FDS fds follow stdio and pass through too.
    String listen = session.getenv("LISTEN_FDS");
    if (listen != null && listen.matches("\\d+")) {
      fds += Integer.parseInt(listen);
    }
    return new CreateOptions(
        pidFile == null ? null : pidFile.toAbsolutePath(), consoleSocket, fds, noPivot, session.stdio(fds));
  }

  /** create and run share their flags; run adds --detach and --keep and waits. */
  private int create(List<String> args, boolean run) throws IOException {
    String cmd = run ? "run" : "create";
    String usage = cmd + " " + CREATE_FLAGS + (run ? " [--detach] [--keep]" : "") + " ID";
    Flags f = new Flags(cmd, args, Integer.MAX_VALUE);
    Path bundle = session.path(".");
    Path pidFile = null;
    String consoleSocket = null;
    int preserveFds = 0;
    boolean noPivot = false;
    boolean detach = false;
    boolean keep = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--bundle", "-b" -> bundle = session.path(f.value(flag));
        case "--pid-file" -> pidFile = session.path(f.value(flag));
        case "--console-socket" -> consoleSocket = f.value(flag);
        case "--preserve-fds" -> preserveFds = f.intValue(flag);
        case "--no-pivot" -> noPivot = true;
        case "--no-new-keyring" -> { }
        case "--detach", "-d" -> {
          if (!run) {
            throw f.unknown(flag);
          }
          detach = true;
        }
        case "--keep" -> {
          if (!run) {
            throw f.unknown(flag);
          }
          keep = true;
        }
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    String id = f.positionals(1, 1, usage).get(0);
    Runtime rt = runtime();
    CreateOptions opts = createOptions(pidFile, consoleSocket, preserveFds, noPivot);
    if (!run) {
      rt.create(id, bundle, opts);
      return 0;
    }
    boolean terminal = consoleSocket == null && wantsTerminal(bundle);
    if (terminal && detach) {
      throw new ContainerException("a terminal with --detach needs --console-socket");
    }
    if (terminal && !session.canProxyTerminal()) {
      throw new TerminalNeeded();
    }
    if (!detach) {
      session.adopt();
    }
    try (ConsoleProxy console = terminal ? ConsoleProxy.open() : null) {
      String socket = console != null ? console.socketPath() : consoleSocket;
      int pid = rt.run(id, bundle, createOptions(pidFile, socket, preserveFds, noPivot));
      if (detach) {
        return 0;
      }
      if (console != null) {
        console.attach();
      }
      int code = session.await(pid);
      if (console != null) {
        console.drain();
      }
      if (!keep) {
        rt.delete(id, true);
      }
      return code;
    }
  }

  /** A foreground terminal the service cannot proxy: the client runs the command itself. */
  static final class TerminalNeeded extends RuntimeException {
    TerminalNeeded() {
      super("a terminal is needed", null, false, false);
    }
  }

  private static boolean wantsTerminal(Path bundle) {
    try {
      Spec spec = SpecJson.readConfig(bundle.resolve("config.json"));
      return spec.process() != null && spec.process().isTerminal();
    } catch (IOException | RuntimeException e) {
      return false; // create reports a bad config with a better message
    }
  }

  private int kill(List<String> args) {
    String usage = "kill [--all] ID [SIGNAL]";
    Flags f = new Flags("kill", args, Integer.MAX_VALUE);
    boolean all = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--all", "-a" -> all = true;
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    List<String> pos = f.positionals(1, 2, usage);
    runtime().kill(pos.get(0), Signals.parse(pos.size() > 1 ? pos.get(1) : "TERM"), all);
    return 0;
  }

  private int delete(List<String> args) {
    String usage = "delete [--force] ID";
    Flags f = new Flags("delete", args, Integer.MAX_VALUE);
    boolean force = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--force", "-f" -> force = true;
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    runtime().delete(f.positionals(1, 1, usage).get(0), force);
    return 0;
  }

  private int ps(List<String> args) throws Exception {
    String usage = "ps [--format table|json] ID [PS_ARGS...]";
    Flags f = new Flags("ps", args, 1);
    String format = "table";
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--format", "-f" -> format = f.value(flag);
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    List<String> pos = f.positionals(1, -1, usage);
    List<Integer> pids = runtime().pids(pos.get(0));
    if (format.equals("json")) {
      session.out().println(SpecJson.toString(pids));
      return 0;
    }
    if (!format.equals("table")) {
      throw new ContainerException("unknown --format \"" + format + "\": use table or json");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add("ps");
    cmd.addAll(pos.size() > 1 ? pos.subList(1, pos.size()) : List.of("-ef"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
    p.waitFor();
    if (lines.isEmpty()) {
      return 1;
    }
    int pidCol = List.of(lines.get(0).trim().split("\\s+")).indexOf("PID");
    if (pidCol < 0) {
      throw new ContainerException("ps output has no PID column");
    }
    session.out().println(lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length > pidCol && cols[pidCol].matches("\\d+") && pids.contains(Integer.parseInt(cols[pidCol]))) {
        session.out().println(line);
      }
    }
    return 0;
  }

  private int list(List<String> args) {
    String usage = "list [--format table|json] [--quiet]";
    Flags f = new Flags("list", args, Integer.MAX_VALUE);
    String format = "table";
    boolean quiet = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--format", "-f" -> format = f.value(flag);
        case "--quiet", "-q" -> quiet = true;
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    f.positionals(0, 0, usage);
    List<ContainerInfo> all = runtime().list();
    if (quiet) {
      all.forEach(c -> session.out().println(c.id()));
      return 0;
    }
    if (format.equals("json")) {
      List<Map<String, Object>> out = new ArrayList<>();
      for (ContainerInfo c : all) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", c.ociVersion());
        m.put("id", c.id());
        m.put("pid", c.pid());
        m.put("status", c.status().specName());
        m.put("bundle", c.bundle());
        m.put("rootfs", c.rootfs());
        m.put("created", c.created());
        m.put("owner", c.owner());
        if (c.annotations() != null) {
          m.put("annotations", c.annotations());
        }
        out.add(m);
      }
      session.out().println(SpecJson.toString(out));
      return 0;
    }
    if (!format.equals("table")) {
      throw new ContainerException("unknown --format \"" + format + "\": use table or json");
    }
    String fmt = "%-12s %-8s %-10s %-40s %-30s %s%n";
    session.out().printf(fmt, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
    for (ContainerInfo c : all) {
      session.out().printf(fmt, c.id(), c.pid(), c.status().specName(), c.bundle(), c.created(), c.owner());
    }
    return 0;
  }

  private int spec(List<String> args) throws IOException {
    String usage = "spec [--bundle DIR] [--rootless]";
    Flags f = new Flags("spec", args, Integer.MAX_VALUE);
    Path bundle = session.path(".");
    boolean rootless = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--bundle", "-b" -> bundle = session.path(f.value(flag));
        case "--rootless" -> rootless = true;
        default -> {
          if (Flags.isHelp(flag)) {
            return usage(usage);
          }
          throw f.unknown(flag);
        }
      }
    }
    f.positionals(0, 0, usage);
    Path config = bundle.resolve("config.json");
    if (Files.exists(config)) {
      throw new ContainerException("file " + config + " exists: remove it first");
    }
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    long gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
    Spec spec = DefaultSpec.create(rootless, uid, gid);
    Files.writeString(config, SpecJson.toPrettyString(spec) + "\n");
    return 0;
  }
}
