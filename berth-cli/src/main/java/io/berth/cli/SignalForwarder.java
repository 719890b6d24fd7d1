package io.berth.cli;

import io.berth.sys.Libc;
import sun.misc.Signal;

/** Passes the signals a foreground `run` or `exec` receives on to the container's process. */
final class SignalForwarder {
  private static final String[] FORWARDED = {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "WINCH"};

  private SignalForwarder() {}

  static void forward(int pid) {
    for (String name : FORWARDED) {
      try {
        Signal.handle(new Signal(name), s -> Libc.kill(pid, s.getNumber()));
      } catch (IllegalArgumentException e) {
        // The JVM reserves some signals (QUIT for thread dumps unless -Xrs): leave those be.
      }
    }
  }
}
