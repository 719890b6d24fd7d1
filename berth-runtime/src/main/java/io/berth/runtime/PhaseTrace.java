package io.berth.runtime;

/**
 * {@code -Dberth.trace}: where the time of a container operation goes, one line per phase on
 * stderr ({@code berth.trace <scope> <phase> <ms since the previous mark>}). Off, a mark costs a
 * field read.
 */
public final class PhaseTrace {
  public static final boolean ON = System.getProperty("berth.trace") != null;

  private final String scope;
  private long last;

  public PhaseTrace(String scope) {
    this.scope = scope;
    this.last = ON ? System.nanoTime() : 0;
  }

  /** Ends the phase {@code name}: prints its duration and starts the next one. */
  public void mark(String name) {
    if (ON) {
      long now = System.nanoTime();
      System.err.printf("berth.trace %-8s %-12s %7.3f ms%n", scope, name, (now - last) / 1e6);
      last = now;
    }
  }
}
