package io.berth.cli;

import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Runtime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code exec}: a new process in a running container, from --process FILE or from the
 * container's own process settings with the arguments and flags given here.
 */
final class ExecCommand {
  static final String USAGE =
      "exec [--process FILE | -t | -d | --pid-file F | --console-socket S | --cwd DIR | -e K=V |"
          + " -u UID[:GID] | -g GID | -c CAP | --no-new-privs | --preserve-fds N] ID [COMMAND [ARG...]]";

  private final RuntimeCli top;
  String id;
  List<String> args = new ArrayList<>();
  Path processFile;
  boolean tty;
  boolean detach;
  Path pidFile;
  String consoleSocket;
  String cwd;
  List<String> env = new ArrayList<>();
  String user;
  List<Long> additionalGids = new ArrayList<>();
  List<String> caps = new ArrayList<>();
  boolean noNewPrivs;
  int preserveFds;
  String apparmor;
  String processLabel;

  ExecCommand(RuntimeCli top) {
    this.top = top;
  }

  int run(List<String> argv) throws IOException {
    Flags f = new Flags("exec", argv, 2);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--process", "-p" -> processFile = top.session.path(f.value(flag));
        case "--tty", "-t" -> tty = true;
        case "--detach", "-d" -> detach = true;
        case "--pid-file" -> pidFile = top.session.path(f.value(flag));
        case "--console-socket" -> consoleSocket = f.value(flag);
        case "--cwd" -> cwd = f.value(flag);
        case "--env", "-e" -> env.add(f.value(flag));
        case "--user", "-u" -> user = f.value(flag);
        case "--additional-gids", "-g" -> additionalGids.add(f.longValue(flag));
        case "--cap", "-c" -> caps.add(f.value(flag));
        case "--no-new-privs" -> noNewPrivs = true;
        case "--preserve-fds" -> preserveFds = f.intValue(flag);
        case "--apparmor" -> apparmor = f.value(flag);
        case "--process-label" -> processLabel = f.value(flag);
        case "--ignore-paused" -> { }
        default -> {
          if (Flags.isHelp(flag)) {
            return top.usage(USAGE);
          }
          throw f.unknown(flag);
        }
      }
    }
    List<String> pos = f.positionals(1, -1, USAGE);
    id = pos.get(0);
    args = new ArrayList<>(pos.subList(1, pos.size()));
    return call();
  }

  private int call() throws IOException {
    Runtime rt = top.runtime();
    Spec.Process process = processFile != null ? readProcess() : fromFlags(rt);
    boolean terminal = consoleSocket == null && process.isTerminal();
    if (terminal && detach) {
      throw new ContainerException("a terminal with --detach needs --console-socket");
    }
    if (terminal && !top.session.canProxyTerminal()) {
      throw new RuntimeCli.TerminalNeeded();
    }
    if (!detach) {
      top.session.adopt();
    }
    try (ConsoleProxy console = terminal ? ConsoleProxy.open() : null) {
      String socket = console != null ? console.socketPath() : consoleSocket;
      int pid = rt.exec(id, process, top.createOptions(pidFile, socket, preserveFds, false));
      if (detach) {
        return 0;
      }
      if (console != null) {
        console.attach();
      }
      int code = top.session.await(pid);
      if (console != null) {
        console.drain();
      }
      return code;
    }
  }
  private Spec.Process readProcess() throws IOException {
    return SpecJson.parse(java.nio.file.Files.readAllBytes(processFile), Spec.Process.class, processFile.toString());
  }

  private Spec.Process fromFlags(Runtime rt) {
    if (args.isEmpty()) {
      throw new ContainerException("exec needs a command, or --process FILE");
    }
    Spec base = rt.store().readConfig(id);
    Spec.Process p = base.process();
    List<String> allEnv = new ArrayList<>(p.env() == null ? List.of() : p.env());
    allEnv.addAll(env);
    Spec.User u = p.user();
    if (user != null) {
      String[] parts = user.split(":", 2);
      try {
        long uid = Long.parseLong(parts[0]);
        long gid = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
        u = new Spec.User(uid, gid, u == null ? null : u.umask(), null, null);
      } catch (NumberFormatException e) {
        throw new ContainerException("--user takes numeric UID[:GID], got \"" + user + "\"");
      }
    }
    if (!additionalGids.isEmpty()) {
      u = new Spec.User(u == null ? 0L : u.uid(), u == null ? 0L : u.gid(), u == null ? null : u.umask(), additionalGids, null);
    }
    Spec.Capabilities c = p.capabilities();
    if (!caps.isEmpty()) {
      c =
          new Spec.Capabilities(
              plus(c == null ? null : c.bounding(), caps),
              plus(c == null ? null : c.effective(), caps),
              // Ambient capabilities must also be inheritable, or the kernel refuses them.
              plus(c == null ? null : c.inheritable(), caps),
              plus(c == null ? null : c.permitted(), caps),
              plus(c == null ? null : c.ambient(), caps));
    }
    return new Spec.Process(
        tty, p.consoleSize(), u, args, null, allEnv, cwd != null ? cwd : p.cwd(), c, p.rlimits(),
        noNewPrivs || p.isNoNewPrivileges(), apparmor != null ? apparmor : p.apparmorProfile(),
        p.oomScoreAdj(), processLabel != null ? processLabel : p.selinuxLabel());
  }

  private static List<String> plus(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a == null ? List.of() : a);
    for (String x : b) {
      if (!out.contains(x)) {
        out.add(x);
      }
    }
    return out;
  }
}
