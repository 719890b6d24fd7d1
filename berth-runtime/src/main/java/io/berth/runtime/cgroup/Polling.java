package io.berth.runtime.cgroup;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a cgroup to reach a state the kernel reaches asynchronously (frozen, thawed). */
final class Polling {
  private Polling() {}

  /**
   * Checks {@code done} with growing pauses until it holds or {@code timeout} passes; {@code nudge}
   * runs every 100 ms meanwhile (e.g. to rewrite FROZEN, which retries tasks the v1 freezer
   * skipped). Returns whether {@code done} held.
   */
  static boolean until(BooleanSupplier done, Duration timeout, Runnable nudge) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long lastNudge = start;
    long pause = 1;
    while (!done.getAsBoolean()) {
      long now = System.nanoTime();
      if (now > deadline) {
        return false;
      }
      if (now - lastNudge > 100_000_000L) {
        nudge.run();
        lastNudge = now;
      }
      sleep(pause);
      pause = Math.min(pause * 2, 20);
    }
    return true;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CgroupException("interrupted while waiting for a cgroup", e);
    }
  }
}
