package io.berth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line of one command, read the way runc's (urfave/cli) is: {@code --name value},
 * {@code --name=value}, {@code -n value}, boolean flags, and positionals. A small hand-written
 * parser, because a reflective one costs the CLI ~100 ms of start-up on every call.
 */
final class Flags {
  /** Thrown for a malformed command line; the message is for the user. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private final String command;
  private final List<String> args;
  private int pos;
  private final List<String> positionals = new ArrayList<>();
  private final int stopAfter;
  private boolean inline;
  private String program = "berth-runtime";

  /** A command line of {@code berth} (the engine's command), for usage messages. */
  static Flags berth(String command, List<String> args, int stopAfter) {
    Flags f = new Flags(command, args, stopAfter);
    f.program = "berth";
    return f;
  }

  /**
   * @param stopAfter after this many positionals the rest of the line is positional too (the
   *     container's command for exec, ps's arguments); Integer.MAX_VALUE for none
   */
  Flags(String command, List<String> args, int stopAfter) {
    this.command = command;
    this.args = new ArrayList<>(args);
    this.stopAfter = stopAfter;
  }

  /**
   * The next flag name, or null when none is left. Positionals met on the way are collected;
   * with stopAtPositional, everything after the first two positionals (id, then the command)
   * belongs to the container's process.
   */
  String next() {
    while (pos < args.size()) {
      String a = args.get(pos++);
      if (a.equals("--")) {
        while (pos < args.size()) {
          positionals.add(args.get(pos++));
        }
        return null;
      }
      if (a.startsWith("-") && a.length() > 1) {
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
          args.add(pos, a.substring(eq + 1));
          inline = true;
          return a.substring(0, eq);
        }
        inline = false;
        if (!a.startsWith("--") && a.length() > 2 && combinable.indexOf(a.charAt(1)) >= 0
            && a.chars().skip(1).allMatch(ch -> combinable.indexOf(ch) >= 0)) {
          // docker's -it, -dit: one flag per letter
          for (int i = a.length() - 1; i >= 2; i--) {
            args.add(pos, "-" + a.charAt(i));
          }
          return a.substring(0, 2);
        }
        return a;
      }
      positionals.add(a);
      if (positionals.size() >= stopAfter) {
        while (pos < args.size()) {
          positionals.add(args.get(pos++));
        }
        return null;
      }
    }
    return null;
  }

  /** Short boolean flags that may be written together, as in {@code -it}. */
  private String combinable = "";

  Flags combining(String letters) {
    combinable = letters;
    return this;
  }

  /** A boolean flag: true, or the value given inline ({@code --rm=false}). */
  boolean bool(String flag) {
    if (!inline) {
      return true;
    }
    inline = false;
    String v = args.get(pos++);
    return switch (v) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new UsageException(command + ": flag " + flag + " takes true or false, got \"" + v + "\"");
    };
  }

  String value(String flag) {
    inline = false;
    if (pos >= args.size()) {
      throw new UsageException(command + ": flag " + flag + " needs a value");
    }
    return args.get(pos++);
  }

  int intValue(String flag) {
    long v = longValue(flag);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new UsageException(command + ": flag " + flag + " is out of range: " + v);
    }
    return (int) v;
  }

  Long longValue(String flag) {
    String v = value(flag);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new UsageException(command + ": flag " + flag + " takes a number, got \"" + v + "\"");
    }
  }

  UsageException unknown(String flag) {
    return new UsageException(command + ": unknown flag " + flag + " (see --help)");
  }

  List<String> positionals() {
    return positionals;
  }

  /** The positionals, checked: {@code min} to {@code max} of them (max -1: no limit). */
  List<String> positionals(int min, int max, String usage) {
    if (positionals.size() < min || (max >= 0 && positionals.size() > max)) {
      throw new UsageException("usage: " + program + " " + command + " " + usage);
    }
    return positionals;
  }

  static boolean isHelp(String flag) {
    return Set.of("-h", "--help").contains(flag);
  }
}
