package io.berth.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * runc's --log and --log-format: errors and debug lines go to stderr and, when a log file is
 * given, to it as text or as JSON lines ({"level","msg","time"}) that shims such as
 * containerd-shim parse.
 */
final class Log {
  private final Path file;
  private final boolean json;
  private final boolean debug;

  private final java.io.PrintStream err;

  Log(Path file, String format, boolean debug, java.io.PrintStream err) {
    this.err = err;
    this.file = file;
    this.json = "json".equals(format);
    this.debug = debug;
  }

  void error(String msg) {
    err.println("berth-runtime: " + msg);
    write("error", msg);
  }

  void warn(String msg) {
    err.println("berth-runtime: warning: " + msg);
    write("warning", msg);
  }

  void debug(String msg) {
    if (debug) {
      err.println("berth-runtime: debug: " + msg);
      write("debug", msg);
    }
  }

  private void write(String level, String msg) {
    if (file == null) {
      return;
    }
    String line =
        json
            ? "{\"level\":\"" + level + "\",\"msg\":" + quote(msg) + ",\"time\":\"" + Instant.now() + "\"}\n"
            : "time=\"" + Instant.now() + "\" level=" + level + " msg=" + quote(msg) + "\n";
    try {
      Files.writeString(
          file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      err.println("berth-runtime: cannot write log " + file + ": " + e.getMessage());
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
