package io.berth.docker;

import java.time.Duration;
import java.time.Instant;

/** Times as Docker shows them: "Up 5 minutes", "Exited (0) 2 hours ago", and Unix seconds. */
final class HumanTime {
  private HumanTime() {}

  /** A duration in the words Docker's listings use (Less than a second, About a minute, 3 days...). */
  static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 1) {
      return "Less than a second";
    }
    if (s == 1) {
      return "1 second";
    }
    if (s < 60) {
      return s + " seconds";
    }
    long minutes = s / 60;
    if (minutes == 1) {
      return "About a minute";
    }
    if (minutes < 60) {
      return minutes + " minutes";
    }
    long hours = Math.round(s / 3600.0);
    if (hours == 1) {
      return "About an hour";
    }
    if (hours < 48) {
      return hours + " hours";
    }
    if (hours < 24 * 7 * 2) {
      return hours / 24 + " days";
    }
    if (hours < 24 * 30 * 2) {
      return hours / 24 / 7 + " weeks";
    }
    if (hours < 24 * 365 * 2) {
      return hours / 24 / 30 + " months";
    }
    return s / 3600 / 24 / 365 + " years";
  }

  static Instant parse(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  static long unixSeconds(String rfc3339) {
    Instant i = parse(rfc3339);
    return i == null ? 0 : i.getEpochSecond();
  }

  /** Docker's zero time, for what never happened. */
  static String orZero(String rfc3339) {
    return rfc3339 == null || rfc3339.isEmpty() ? "0001-01-01T00:00:00Z" : rfc3339;
  }
}
