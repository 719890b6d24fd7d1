package io.berth.cli;

import io.berth.engine.Container;
import java.util.List;

/** {@code ps --filter}: label=KEY[=VALUE], name=, id=, status=, ancestor=; all must match. */
final class PsFilter {
  private PsFilter() {}

  /** Checks every filter's key and form, so that a bad one fails even with no container to test. */
  static void validate(List<String> filters) {
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq <= 0) {
        throw new Flags.UsageException("--filter takes KEY=VALUE, got \"" + f + "\"");
      }
      String key = f.substring(0, eq);
      if (!List.of("label", "name", "id", "status", "ancestor").contains(key)) {
        throw new Flags.UsageException("--filter: unknown key " + key + " (label, name, id, status, ancestor)");
      }
    }
  }

  static boolean matches(Container c, List<String> filters) {
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq <= 0) {
        throw new Flags.UsageException("--filter takes KEY=VALUE, got \"" + f + "\"");
      }
      String key = f.substring(0, eq);
      String value = f.substring(eq + 1);
      boolean ok = switch (key) {
        case "label" -> {
          int e2 = value.indexOf('=');
          String k = e2 < 0 ? value : value.substring(0, e2);
          yield c.spec().labels().containsKey(k)
              && (e2 < 0 || c.spec().labels().get(k).equals(value.substring(e2 + 1)));
        }
        case "name" -> nameMatches(c.name(), value);
        case "id" -> c.id().startsWith(value);
        case "status" -> {
          if (!List.of("created", "restarting", "running", "removing", "paused", "exited", "dead").contains(value)) {
            throw new Flags.UsageException("--filter status: unknown status " + value);
          }
          yield c.state().status().equals(value);
        }
        case "ancestor" -> c.image().equals(value) || c.imageId().equals(value)
            || c.imageId().replace("sha256:", "").startsWith(value)
            || io.berth.image.registry.ImageReference.parse(value).toString()
                .equals(safeNormalize(c.image()));
        default -> throw new Flags.UsageException("--filter: unknown key " + key + " (label, name, id, status, ancestor)");
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Docker's: a regular expression found anywhere in the name (^web$ for exactly web). */
  private static boolean nameMatches(String name, String value) {
    try {
      return java.util.regex.Pattern.compile(value).matcher(name).find();
    } catch (java.util.regex.PatternSyntaxException e) {
      return name.contains(value);
    }
  }

  private static String safeNormalize(String s) {
    try {
      return io.berth.image.registry.ImageReference.parse(s).toString();
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
