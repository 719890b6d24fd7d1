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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code exec}: a new process in a running container, from --process FILE or from the
 * container's own process settings with the arguments and flags given here.
 */
@Command(name = "exec", description = "Run a process in a running container.")
final class ExecCommand implements Callable<Integer> {
  @ParentCommand RuntimeCli top;

  @Parameters(index = "0", paramLabel = "ID") String id;
  @Parameters(index = "1..*", paramLabel = "COMMAND") List<String> args = new ArrayList<>();
  @Option(names = {"--process", "-p"}) Path processFile;
  @Option(names = {"--tty", "-t"}) boolean tty;
  @Option(names = {"--detach", "-d"}) boolean detach;
  @Option(names = "--pid-file") Path pidFile;
  @Option(names = "--console-socket") String consoleSocket;
  @Option(names = "--cwd") String cwd;
  @Option(names = {"--env", "-e"}) List<String> env = new ArrayList<>();
  @Option(names = {"--user", "-u"}, description = "UID[:GID]") String user;
  @Option(names = {"--additional-gids", "-g"}) List<Long> additionalGids = new ArrayList<>();
  @Option(names = {"--cap", "-c"}) List<String> caps = new ArrayList<>();
  @Option(names = "--no-new-privs") boolean noNewPrivs;
  @Option(names = "--preserve-fds", defaultValue = "0") int preserveFds;
  @Option(names = "--apparmor") String apparmor;
  @Option(names = "--process-label") String processLabel;

  @Override
  public Integer call() throws IOException {
    Runtime rt = top.runtime();
    Spec.Process process = processFile != null ? readProcess() : fromFlags(rt);
    boolean terminal = consoleSocket == null && process.isTerminal();
    if (terminal && detach) {
      throw new ContainerException("a terminal with --detach needs --console-socket");
    }
    if (!detach) {
      Runtime.adoptContainers();
    }
    try (ConsoleProxy console = terminal ? ConsoleProxy.open() : null) {
      String socket = console != null ? console.socketPath() : consoleSocket;
      int pid = rt.exec(id, process, RuntimeCli.createOptions(pidFile, socket, preserveFds, false));
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
