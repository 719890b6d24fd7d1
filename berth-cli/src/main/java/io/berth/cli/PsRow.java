package io.berth.cli;

import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One line of {@code ps}: the fields docker's {@code --format} templates name. */
final class PsRow {
  static final Map<String, String> HEADERS = Map.ofEntries(
      Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"), Map.entry("Command", "COMMAND"),
      Map.entry("CreatedAt", "CREATED AT"), Map.entry("RunningFor", "CREATED"), Map.entry("Status", "STATUS"),
      Map.entry("Ports", "PORTS"), Map.entry("Names", "NAMES"), Map.entry("State", "STATE"),
      Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"), Map.entry("Networks", "NETWORKS"));

  private PsRow() {}

  static Map<String, Object> of(Container c, boolean noTrunc) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ID", noTrunc ? c.id() : c.shortId());
    m.put("Image", c.image());
    String cmd = String.join(" ", command(c));
    m.put("Command", "\"" + (noTrunc || cmd.length() <= 20 ? cmd : cmd.substring(0, 19) + "…") + "\"");
    m.put("CreatedAt", c.created());
    m.put("RunningFor", ago(Instant.parse(c.created())));
    m.put("Status", status(c.state()));
    m.put("State", c.state().status());
    m.put("Ports", io.berth.engine.NetworkViews.portsText(c));
    m.put("Names", c.name());
    m.put("Labels", String.join(",", c.spec().labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
    m.put("Mounts", String.join(",", c.spec().binds()));
    m.put("Networks", io.berth.engine.NetworkViews.networksText(c));
    return m;
  }

  static List<String> command(Container c) {
    List<String> out = new java.util.ArrayList<>();
    if (c.spec().entrypoint() != null) {
      out.addAll(c.spec().entrypoint());
    }
    if (c.spec().cmd() != null) {
      out.addAll(c.spec().cmd());
    }
    return out;
  }

  static String status(ContainerState s) {
    String health = s.health() == null ? "" : " (" + s.health().status() + ")";
    return switch (s.status()) {
      case ContainerState.RUNNING -> "Up " + human(since(s.startedAt())) + health;
      case ContainerState.PAUSED -> "Up " + human(since(s.startedAt())) + " (Paused)";
      case ContainerState.EXITED -> "Exited (" + s.exitCode() + ") " + human(since(s.finishedAt())) + " ago";
      case ContainerState.CREATED -> "Created";
      case ContainerState.RESTARTING -> "Restarting (" + s.exitCode() + ") " + human(since(s.finishedAt())) + " ago";
      case ContainerState.REMOVING -> "Removal In Progress";
      default -> "Dead";
    };
  }

  private static Duration since(String at) {
    if (at == null) {
      return Duration.ZERO;
    }
    try {
      return Duration.between(Instant.parse(at), Instant.now());
    } catch (java.time.format.DateTimeParseException e) {
      return Duration.ZERO;
    }
  }

  static String ago(Instant t) {
    return human(Duration.between(t, Instant.now())) + " ago";
  }

  /** Docker's HumanDuration. */
  static String human(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 1) {
      return "Less than a second";
    } else if (s == 1) {
      return "1 second";
    } else if (s < 60) {
      return s + " seconds";
    } else if (s / 60 == 1) {
      return "About a minute";
    } else if (s < 3600) {
      return s / 60 + " minutes";
    } else if (s / 3600 == 1) {
      return "About an hour";
    } else if (s < 48 * 3600) {
      return s / 3600 + " hours";
    } else if (s < 7 * 24 * 3600 * 2) {
      return s / 86400 + " days";
    } else if (s < 30L * 24 * 3600 * 2) {
      return s / (7 * 86400) + " weeks";
    } else if (s < 365L * 24 * 3600 * 2) {
      return s / (30 * 86400) + " months";
    }
    return s / (365 * 86400) + " years";
  }
}
