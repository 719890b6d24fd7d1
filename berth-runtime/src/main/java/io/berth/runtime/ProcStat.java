package io.berth.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The fields of /proc/PID/stat the runtime needs: the state letter and the start time. */
public record ProcStat(char state, long startTime) {
  public static Optional<ProcStat> read(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    String s;
    try {
      s = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    } catch (IOException e) {
      return Optional.empty();
    }
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    int close = s.lastIndexOf(')');
    String[] f = s.substring(close + 2).split(" ");
    return Optional.of(new ProcStat(f[0].charAt(0), Long.parseLong(f[19])));
  }

  /** Whether pid is the same live (non-zombie) process that started at {@code startTime}. */
  public static boolean alive(int pid, long startTime) {
    return read(pid).filter(p -> p.state != 'Z' && p.state != 'X' && p.startTime == startTime).isPresent();
  }
}
