package io.berth.cli;

import io.berth.engine.Engine;
import io.berth.image.registry.RegistriesConf;
import io.berth.sys.Libc;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The command line's fast path, served by the daemon on {@code <run-root>/cli.sock}: bin/berth
 * hands its argv, working directory and stdio fds to the warm daemon through the native client
 * (berth-runtime-client, the same protocol as the runtime service), and the command runs on the
 * daemon's engine with the client's fds — milliseconds instead of a JVM start. What needs the
 * client's own terminal or files (-t, -i of run, cp, --env-file, image commands) is answered
 * "fallback", and the client runs the command itself.
 */
final class CliService implements AutoCloseable {
  static final String SOCKET = "cli.sock";
  private static final Set<String> FAST = Set.of("run", "create", "start", "stop", "restart", "kill", "rm", "ps",
      "logs", "inspect", "wait", "pause", "unpause", "rename", "exec", "port", "top");
  private static final int MY_UID = uid();

  private static int uid() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue();
    } catch (IOException e) {
      return -1; // then nobody matches, and nothing is served
    }
  }

  private final Engine engine;
  private final Path root;
  private final Path runRoot;
  private final RegistriesConf registries;
  private final Path socket;
  private final int listen;

  private CliService(Engine engine, Path root, Path runRoot, RegistriesConf registries) throws IOException {
    this.engine = engine;
    this.root = root.toAbsolutePath().normalize();
    this.runRoot = runRoot.toAbsolutePath().normalize();
    this.registries = registries;
    this.socket = this.runRoot.resolve(SOCKET);
    Files.createDirectories(this.runRoot);
    Files.deleteIfExists(socket);
    this.listen = Libc.listenUnix(socket.toString(), Libc.SOCK_SEQPACKET);
    Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Thread.ofPlatform().daemon().name("berth-cli-service").start(this::acceptLoop);
  }

  static AutoCloseable start(Engine engine, Path root, Path runRoot, RegistriesConf registries) {
    try {
      return new CliService(engine, root, runRoot, registries);
    } catch (IOException | RuntimeException e) {
      engine.config().warn().accept("no fast path for the command line (" + e.getMessage() + ")");
      return () -> { };
    }
  }

  private void acceptLoop() {
    while (true) {
      int conn;
      try {
        conn = Libc.accept(listen);
      } catch (RuntimeException e) {
        return; // closed
      }
      Thread.ofPlatform().daemon().name("berth-cli-" + conn).start(() -> {
        try {
          handle(conn);
        } finally {
          Libc.closeQuietly(conn);
        }
      });
    }
  }

  private void handle(int conn) {
    if (Libc.peerUid(conn) != MY_UID) {
      return; // the socket is root's alone (0600); a process of another uid gets nothing
    }
    Libc.Message req = Libc.recvMsg(conn, 1 << 16, 64);
    int[] fds = req.fds();
    try {
      List<String> f = RuntimeService.fields(req.data());
      if (f.size() < 3 || !f.get(0).equals("run") || fds.length < 3) {
        RuntimeService.send(conn, List.of("exit", "2"), new int[0]);
        return;
      }
      List<String> args = f.subList(3, f.size());
      List<String> command = fastCommand(Path.of(f.get(1)), args);
      if (command == null) {
        RuntimeService.send(conn, List.of("fallback"), new int[0]);
        return;
      }
      PrintStream out = new PrintStream(new Stdio.FdOutput(fds[1]), true);
      PrintStream err = new PrintStream(new Stdio.FdOutput(fds[2]), true);
      int code;
      try {
        ImageCommands images = new ImageCommands(root, out, err, registries);
        code = BerthCli.dispatch(new ContainerCommands(engine, out, err, Stdio.lent(fds)), engine, images,
            command.get(0), command.subList(1, command.size()), out);
      } catch (Exception e) {
        code = BerthCli.report(e, out, err);
      }
      out.flush();
      err.flush();
      RuntimeService.send(conn, List.of("exit", String.valueOf(code)), new int[0]);
    } catch (RuntimeException e) {
      // the client went away mid-command
    } finally {
      for (int fd : fds) {
        Libc.closeQuietly(fd);
      }
    }
  }

  /**
   * The command and its arguments when this daemon can run them for the client: the same root
   * and run root, no --url, a container command that needs neither the client's terminal nor
   * files named relative to it. Null: the client runs it itself.
   */
  List<String> fastCommand(Path cwd, List<String> args) {
    GlobalFlags g;
    try {
      g = GlobalFlags.parse(args, null);
    } catch (Flags.UsageException e) {
      return null; // the client says what is wrong
    }
    if (g.help() || g.url() != null || g.registriesConf() != null || g.rest().isEmpty()
        || !cwd.resolve(g.root()).toAbsolutePath().normalize().equals(root)
        || !cwd.resolve(g.runRoot()).toAbsolutePath().normalize().equals(runRoot)
        || !FAST.contains(g.rest().get(0))) {
      return null; // --url, --registries-conf, --help, another root: the client's own business
    }
    List<String> cmd = g.rest();
    List<String> argv = cmd.subList(1, cmd.size());
    if (argv.contains("--env-file")) {
      return null;
    }
    switch (cmd.get(0)) {
      case "run", "create" -> {
        try {
          RunFlags flags = RunFlags.parse(cmd.get(0), argv);
          if (flags.interactive || flags.tty) {
            return null;
          }
        } catch (RuntimeException e) {
          return cmd; // a bad flag: the command itself reports it
        }
      }
      case "exec" -> {
        for (String a : argv) {
          if (!a.startsWith("-")) {
            break;
          }
          if (a.equals("-t") || a.equals("--tty") || (a.matches("-[a-zA-Z]+") && a.contains("t"))) {
            return null;
          }
        }
      }
      default -> { }
    }
    return cmd;
  }

  @Override
  public void close() {
    Libc.closeQuietly(listen);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      // gone with the run root anyway
    }
  }
}
