package io.berth.cli;

import io.berth.engine.EngineException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The flags of the commands that act on a list of containers (stop, restart, kill, rm), read
 * once for both ways of running them: on this process's engine or through a daemon.
 */
final class ContainerFlags {
  private ContainerFlags() {}

  /** stop and restart: {@code -t SECONDS}. */
  record Stop(Integer timeout, List<String> names) {}

  /** kill: {@code -s SIGNAL} (a name or a number; KILL when not given). */
  record Kill(String signal, List<String> names) {}

  /** rm: {@code -f}, {@code -v}. */
  record Rm(boolean force, boolean volumes, List<String> names) {}

  static Stop stop(String command, List<String> args) {
    Flags f = Flags.berth(command, args, Integer.MAX_VALUE);
    Integer timeout = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-t", "--time", "--timeout" -> timeout = f.intValue(flag);
        default -> throw f.unknown(flag);
      }
    }
    return new Stop(timeout, f.positionals(1, -1, "[-t SECONDS] CONTAINER..."));
  }

  static Kill kill(List<String> args) {
    Flags f = Flags.berth("kill", args, Integer.MAX_VALUE);
    String signal = "KILL";
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-s", "--signal" -> signal = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    return new Kill(signal, f.positionals(1, -1, "[-s SIGNAL] CONTAINER..."));
  }

  static Rm rm(List<String> args) {
    Flags f = Flags.berth("rm", args, Integer.MAX_VALUE).combining("fv");
    boolean force = false;
    boolean volumes = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> force = f.bool(flag);
        case "-v", "--volumes" -> volumes = f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    return new Rm(force, volumes, f.positionals(1, -1, "[-f] [-v] CONTAINER..."));
  }

  interface Action {
    void on(String name) throws IOException;
  }

  /**
   * Runs {@code action} on each name; an error on one is reported on {@code err} and the others
   * still happen, as docker does. Returns 125 when any failed.
   */
  static int each(List<String> names, PrintStream err, Action action) {
    int rc = 0;
    for (String n : names) {
      try {
        action.on(n);
      } catch (EngineException | IOException e) {
        err.println("berth: " + e.getMessage());
        rc = 125;
      }
    }
    return rc;
  }
}
