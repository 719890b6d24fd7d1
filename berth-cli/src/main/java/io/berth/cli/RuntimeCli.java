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
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code berth-runtime}: the runc-compatible command line over {@link Runtime}. */
@Command(
    name = "berth-runtime",
    mixinStandardHelpOptions = true,
    version = "berth-runtime 0.1.0\nspec: " + DefaultSpec.OCI_VERSION,
    description = "Run containers from OCI bundles (runc-compatible).",
    subcommands = {
      RuntimeCli.Create.class, RuntimeCli.Start.class, RuntimeCli.StateCmd.class,
      RuntimeCli.Kill.class, RuntimeCli.Delete.class, RuntimeCli.Run.class, ExecCommand.class,
      RuntimeCli.Ps.class, RuntimeCli.ListCmd.class, RuntimeCli.Pause.class,
      RuntimeCli.Resume.class, UpdateCommand.class, FeaturesCommand.class, RuntimeCli.SpecCmd.class
    })
public final class RuntimeCli {
  @Option(names = "--root", description = "state directory (default ${DEFAULT-VALUE})", defaultValue = "/run/berth-runtime")
  Path root;

  @Option(names = "--log", description = "log file")
  Path logFile;

  @Option(names = "--log-format", description = "text or json", defaultValue = "text")
  String logFormat;

  @Option(names = "--debug", description = "debug output")
  boolean debug;

  @Option(names = "--systemd-cgroup", description = "not supported: Berth uses cgroupfs", hidden = true)
  boolean systemdCgroup;

  @Option(names = "--rootless", description = "accepted for runc compatibility", hidden = true)
  String rootless;

  @Option(names = "--criu", hidden = true)
  String criu;

  Log log;

  Log log() {
    if (log == null) {
      log = new Log(logFile, logFormat, debug);
    }
    return log;
  }

  Runtime runtime() {
    if (systemdCgroup) {
      throw new ContainerException("--systemd-cgroup is not supported: Berth manages cgroups through cgroupfs");
    }
    return new Runtime(root, io.berth.runtime.Libexec.init(), m -> log().warn(m));
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    RuntimeCli top = new RuntimeCli();
    routeLibraryWarnings(top);
    CommandLine cl = new CommandLine(top);
    // The container's command line is the container's: options after it are not ours.
    cl.getSubcommands().get("exec").setStopAtPositional(true);
    cl.getSubcommands().get("ps").setStopAtPositional(true);
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          String msg = describe(ex);
          if (msg == null) {
            throw ex;
          }
          top.log().error(msg);
          if (top.debug) {
            ex.printStackTrace();
          }
          return 1;
        });
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          System.err.println("berth-runtime: " + ex.getMessage());
          return 2;
        });
    return cl.execute(args);
  }

  /** The libraries log through java.util.logging: one line each, through our --log. */
  private static void routeLibraryWarnings(RuntimeCli top) {
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
              String msg = r.getMessage();
              if (r.getParameters() != null) {
                msg = java.text.MessageFormat.format(msg, r.getParameters());
              }
              top.log().warn(msg);
            } else if (top.debug) {
              top.log().debug(r.getMessage());
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

  static CreateOptions createOptions(Path pidFile, String consoleSocket, int preserveFds, boolean noPivot) {
    int fds = preserveFds;
    // systemd socket activation: LISTEN_FDS fds follow stdio and pass through too.
    String listen = System.getenv("LISTEN_FDS");
    if (listen != null && listen.matches("\\d+")) {
      fds += Integer.parseInt(listen);
    }
    return new CreateOptions(
        pidFile == null ? null : pidFile.toAbsolutePath(), consoleSocket, fds, noPivot, CreateOptions.INHERIT);
  }

  abstract static class Sub implements Callable<Integer> {
    @ParentCommand RuntimeCli top;
  }

  @Command(name = "create", description = "Create a container from a bundle; start runs it.")
  static final class Create extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = {"--bundle", "-b"}, defaultValue = ".") Path bundle;
    @Option(names = "--pid-file") Path pidFile;
    @Option(names = "--console-socket") String consoleSocket;
    @Option(names = "--preserve-fds", defaultValue = "0") int preserveFds;
    @Option(names = "--no-pivot") boolean noPivot;
    @Option(names = "--no-new-keyring") boolean noNewKeyring;

    @Override
    public Integer call() {
      top.runtime().create(id, bundle, createOptions(pidFile, consoleSocket, preserveFds, noPivot));
      return 0;
    }
  }

  @Command(name = "start", description = "Start a created container.")
  static final class Start extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;

    @Override
    public Integer call() {
      top.runtime().start(id);
      return 0;
    }
  }

  @Command(name = "state", description = "Print a container's state (runtime.md) as JSON.")
  static final class StateCmd extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;

    @Override
    public Integer call() {
      System.out.println(SpecJson.toPrettyString(top.runtime().state(id)));
      return 0;
    }
  }

  @Command(name = "kill", description = "Send a signal (default SIGTERM) to a container's process.")
  static final class Kill extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Parameters(index = "1", paramLabel = "SIGNAL", defaultValue = "TERM") String signal;
    @Option(names = {"--all", "-a"}, description = "signal every process of the container") boolean all;

    @Override
    public Integer call() {
      top.runtime().kill(id, Signals.parse(signal), all);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a stopped (or, with --force, any) container.")
  static final class Delete extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = {"--force", "-f"}) boolean force;

    @Override
    public Integer call() {
      top.runtime().delete(id, force);
      return 0;
    }
  }

  @Command(name = "run", description = "Create and start a container; wait for it unless --detach.")
  static final class Run extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = {"--bundle", "-b"}, defaultValue = ".") Path bundle;
    @Option(names = "--pid-file") Path pidFile;
    @Option(names = "--console-socket") String consoleSocket;
    @Option(names = "--preserve-fds", defaultValue = "0") int preserveFds;
    @Option(names = "--no-pivot") boolean noPivot;
    @Option(names = "--no-new-keyring") boolean noNewKeyring;
    @Option(names = {"--detach", "-d"}) boolean detach;
    @Option(names = "--keep", description = "keep the container's state after it exits") boolean keep;

    @Override
    public Integer call() throws IOException {
      Runtime rt = top.runtime();
      boolean terminal = consoleSocket == null && wantsTerminal(bundle);
      if (terminal && detach) {
        throw new ContainerException("a terminal with --detach needs --console-socket");
      }
      if (!detach) {
        Runtime.adoptContainers();
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
        SignalForwarder.forward(pid);
        int code = Runtime.waitFor(pid);
        if (console != null) {
          console.drain();
        }
        if (!keep) {
          rt.delete(id, true);
        }
        return code;
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
  }

  @Command(name = "ps", description = "List the processes of a container.")
  static final class Ps extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;
    @Option(names = {"--format", "-f"}, defaultValue = "table") String format;
    @Parameters(index = "1..*", paramLabel = "PS_ARGS") List<String> psArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      List<Integer> pids = top.runtime().pids(id);
      if (format.equals("json")) {
        System.out.println(SpecJson.toString(pids));
        return 0;
      }
      if (!format.equals("table")) {
        throw new ContainerException("unknown --format \"" + format + "\": use table or json");
      }
      List<String> cmd = new ArrayList<>();
      cmd.add("ps");
      cmd.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
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
      System.out.println(lines.get(0));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > pidCol && f[pidCol].matches("\\d+") && pids.contains(Integer.parseInt(f[pidCol]))) {
          System.out.println(line);
        }
      }
      return 0;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List containers.")
  static final class ListCmd extends Sub {
    @Option(names = {"--format", "-f"}, defaultValue = "table") String format;
    @Option(names = {"--quiet", "-q"}) boolean quiet;

    @Override
    public Integer call() {
      List<ContainerInfo> all = top.runtime().list();
      if (quiet) {
        all.forEach(c -> System.out.println(c.id()));
        return 0;
      }
      if (format.equals("json")) {
        List<java.util.Map<String, Object>> out = new ArrayList<>();
        for (ContainerInfo c : all) {
          java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
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
        System.out.println(SpecJson.toString(out));
        return 0;
      }
      if (!format.equals("table")) {
        throw new ContainerException("unknown --format \"" + format + "\": use table or json");
      }
      String fmt = "%-12s %-8s %-10s %-40s %-30s %s%n";
      System.out.printf(fmt, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
      for (ContainerInfo c : all) {
        System.out.printf(fmt, c.id(), c.pid(), c.status().specName(), c.bundle(), c.created(), c.owner());
      }
      return 0;
    }
  }

  @Command(name = "pause", description = "Freeze every process of a container.")
  static final class Pause extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;

    @Override
    public Integer call() {
      top.runtime().pause(id);
      return 0;
    }
  }

  @Command(name = "resume", description = "Thaw a paused container.")
  static final class Resume extends Sub {
    @Parameters(index = "0", paramLabel = "ID") String id;

    @Override
    public Integer call() {
      top.runtime().resume(id);
      return 0;
    }
  }

  @Command(name = "spec", description = "Write a default config.json into the bundle.")
  static final class SpecCmd extends Sub {
    @Option(names = {"--bundle", "-b"}, defaultValue = ".") Path bundle;
    @Option(names = "--rootless") boolean rootless;

    @Override
    public Integer call() throws IOException {
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
}
