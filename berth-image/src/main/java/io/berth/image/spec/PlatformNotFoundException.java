package io.berth.image.spec;

import java.util.List;

/** An index has no manifest for the platform asked for; the message lists what it does have. */
public class PlatformNotFoundException extends RuntimeException {
  private final Platform wanted;
  private final List<Platform> available;

  public PlatformNotFoundException(Platform wanted, List<Platform> available) {
    super(message(wanted, available));
    this.wanted = wanted;
    this.available = List.copyOf(available);
  }

  private static String message(Platform wanted, List<Platform> available) {
    if (available.isEmpty()) {
      return "no manifest for " + wanted + ": the index names no platforms";
    }
    List<String> names = available.stream().map(Platform::toString).distinct().toList();
    return "no manifest for " + wanted + " in the index; it has " + String.join(", ", names)
        + " (choose one with --platform)";
  }

  public Platform wanted() {
    return wanted;
  }

  public List<Platform> available() {
    return available;
  }
}
