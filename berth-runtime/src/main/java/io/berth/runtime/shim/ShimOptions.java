package io.berth.runtime.shim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What berth-shim is told about one container: where its run directory and log are, whether it
 * has a terminal and a stdin, and what to run when it has exited.
 *
 * @param id the container id (used in the shim's messages only)
 * @param dir the shim's run directory, which must exist: shim.pid, attach.sock, console.sock and
 *     exit.json appear there
 * @param logPath the CRI-format log, or null for none
 * @param logMaxSize rotate before the log would grow past this many bytes (0: never)
 * @param logMaxFiles log files kept in all, the live one included (at least 1)
 * @param tty the container has a terminal whose master the shim receives on {@link
 *     #consoleSocket()}
 * @param stdin the container gets a stdin that attach clients write to
 * @param oomFile a cgroup file with an "oom_kill N" line (memory.events or memory.oom_control), or
 *     null
 * @param exitCommand run after exit.json is written: the program's path, then its arguments
 *     (empty: none)
 */
public record ShimOptions(
    String id,
    Path dir,
    Path logPath,
    long logMaxSize,
    int logMaxFiles,
    boolean tty,
    boolean stdin,
    Path oomFile,
    List<String> exitCommand) {
  public ShimOptions {
    if (id == null || dir == null) {
      throw new IllegalArgumentException("a shim needs an id and a run directory");
    }
    if (logMaxSize < 0 || logMaxFiles < 1) {
      throw new IllegalArgumentException(
          "log rotation: max size " + logMaxSize + " must be >= 0, max files " + logMaxFiles + " >= 1");
    }
    exitCommand = exitCommand == null ? List.of() : List.copyOf(exitCommand);
  }

  /** A shim for {@code id} in {@code dir} with a log at dir/ctr.log, no rotation, no terminal. */
  public static ShimOptions of(String id, Path dir) {
    return new ShimOptions(id, dir, dir.resolve("ctr.log"), 0, 1, false, false, null, List.of());
  }

  public ShimOptions withLog(Path path, long maxSize, int maxFiles) {
    return new ShimOptions(id, dir, path, maxSize, maxFiles, tty, stdin, oomFile, exitCommand);
  }

  public ShimOptions withTty(boolean tty) {
    return new ShimOptions(id, dir, logPath, logMaxSize, logMaxFiles, tty, stdin, oomFile, exitCommand);
  }

  public ShimOptions withStdin(boolean stdin) {
    return new ShimOptions(id, dir, logPath, logMaxSize, logMaxFiles, tty, stdin, oomFile, exitCommand);
  }

  public ShimOptions withOomFile(Path oomFile) {
    return new ShimOptions(id, dir, logPath, logMaxSize, logMaxFiles, tty, stdin, oomFile, exitCommand);
  }

  public ShimOptions withExitCommand(List<String> exitCommand) {
    return new ShimOptions(id, dir, logPath, logMaxSize, logMaxFiles, tty, stdin, oomFile, exitCommand);
  }

  /**
   * The shim's command line up to, not including, {@code --ctl-fd} and {@code -- COMMAND}: the
   * caller appends those.
   */
  public List<String> argv(Path shimBinary) {
    List<String> a = new ArrayList<>();
    a.add(shimBinary.toString());
    a.add("--id");
    a.add(id);
    a.add("--dir");
    a.add(dir.toString());
    if (logPath != null) {
      a.add("--log");
      a.add(logPath.toString());
      if (logMaxSize > 0) {
        a.add("--log-max-size");
        a.add(Long.toString(logMaxSize));
      }
      a.add("--log-max-files");
      a.add(Integer.toString(logMaxFiles));
    }
    if (tty) {
      a.add("--tty");
    }
    if (stdin) {
      a.add("--stdin");
    }
    if (oomFile != null) {
      a.add("--oom-file");
      a.add(oomFile.toString());
    }
    if (!exitCommand.isEmpty()) {
      a.add("--exit-command");
      a.add(exitCommand.get(0));
      for (String arg : exitCommand.subList(1, exitCommand.size())) {
        a.add("--exit-arg");
        a.add(arg);
      }
    }
    return a;
  }

  /**
   * The path to give the runtime as CreateOptions.consoleSocket, where the container's pty master
   * is sent to the shim; null without a terminal.
   */
  public String consoleSocket() {
    return tty ? dir.resolve("console.sock").toString() : null;
  }

  public Path attachSocket() {
    return dir.resolve("attach.sock");
  }

  public Path pidFile() {
    return dir.resolve("shim.pid");
  }

  public Path exitFile() {
    return dir.resolve("exit.json");
  }
}
