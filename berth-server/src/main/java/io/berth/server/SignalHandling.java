package io.berth.server;

/**
 * SIGTERM and SIGINT as requests to stop. Without a handler the JVM exits 143 or 130 from
 * wherever it is; a daemon asked to stop should finish closing its socket and exit 0.
 */
final class SignalHandling {
  private SignalHandling() {}

  // sun.misc.Signal is the JDK's supported way (module jdk.unsupported) to handle a signal.
  @SuppressWarnings("removal")
  static void onTermination(Runnable action) {
    sun.misc.SignalHandler h = s -> action.run();
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
  }
}
