package io.berth.engine;

/**
 * Docker's restart policies: {@code no}, {@code always}, {@code unless-stopped}, {@code
 * on-failure[:N]}. A container stopped by the user is not restarted; between restarts the delay
 * doubles from 100 ms up to a minute, as Docker's does.
 */
record RestartPolicy(String name, int maxRetries) {
  static RestartPolicy parse(String s) {
    if (s == null || s.isEmpty() || s.equals("no")) {
      return new RestartPolicy("no", 0);
    }
    if (s.equals("always") || s.equals("unless-stopped")) {
      return new RestartPolicy(s, 0);
    }
    if (s.equals("on-failure")) {
      return new RestartPolicy(s, 0);
    }
    if (s.startsWith("on-failure:")) {
      try {
        int n = Integer.parseInt(s.substring("on-failure:".length()));
        if (n < 0) {
          throw new NumberFormatException();
        }
        return new RestartPolicy("on-failure", n);
      } catch (NumberFormatException e) {
        throw new EngineException("invalid restart policy \"" + s + "\": the retry count must be a number >= 0");
      }
    }
    throw new EngineException("invalid restart policy \"" + s + "\": use no, always, unless-stopped or on-failure[:N]");
  }

  boolean shouldRestart(ContainerState state) {
    if (state.stoppedByUser()) {
      return false;
    }
    return switch (name) {
      case "always", "unless-stopped" -> true;
      case "on-failure" -> state.exitCode() != 0 && (maxRetries == 0 || state.restartCount() < maxRetries);
      default -> false;
    };
  }

  long backoffMillis(int restarts) {
    return Math.min(60_000, 100L << Math.min(restarts, 10));
  }
}
