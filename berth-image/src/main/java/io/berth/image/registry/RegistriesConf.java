package io.berth.image.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of containers-registries.conf(5), version 2, that decides where a pull goes:
 * {@code [[registry]]} tables with {@code prefix}, {@code location}, {@code insecure},
 * {@code blocked}, and their {@code [[registry.mirror]]} entries. Only this subset of TOML is
 * read; other keys are ignored, as other tools' keys must be.
 */
public record RegistriesConf(List<Entry> registries) {
  /** The file is not the TOML this reader understands; the message names file and line. */
  public static class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String message) {
      super(message);
    }
  }

  public record Mirror(String location, boolean insecure) {}

  public record Entry(String prefix, String location, boolean insecure, boolean blocked, List<Mirror> mirrors) {}

  public static RegistriesConf empty() {
    return new RegistriesConf(List.of());
  }

  /** The file, or an empty configuration when it does not exist. */
  public static RegistriesConf load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      return empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static RegistriesConf parse(String toml, String where) {
    List<Entry> entries = new ArrayList<>();
    String prefix = null;
    String location = null;
    boolean insecure = false;
    boolean blocked = false;
    List<Mirror> mirrors = new ArrayList<>();
    String mirrorLocation = null;
    boolean mirrorInsecure = false;
    String section = "";
    int lineNo = 0;
    for (String raw : (toml + "\n[[end]]").split("\n")) {
      lineNo++;
      String line = stripComment(raw).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("[")) {
        if (section.equals("registry.mirror") && mirrorLocation != null) {
          mirrors.add(new Mirror(mirrorLocation, mirrorInsecure));
        }
        if (line.equals("[[registry.mirror]]")) {
          mirrorLocation = null;
          mirrorInsecure = false;
          section = "registry.mirror";
          continue;
        }
        if (section.startsWith("registry") && (location != null || prefix != null)) {
          entries.add(new Entry(prefix != null ? prefix : location, location != null ? location : prefix, insecure, blocked, List.copyOf(mirrors)));
        }
        prefix = null;
        location = null;
        insecure = false;
        blocked = false;
        mirrors = new ArrayList<>();
        section = line.equals("[[registry]]") ? "registry" : "other";
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new InvalidConfigException(where + ":" + lineNo + ": expected key = value, got \"" + line + "\"");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (section.equals("registry")) {
        switch (key) {
          case "prefix" -> prefix = string(value, where, lineNo);
          case "location" -> location = string(value, where, lineNo);
          case "insecure" -> insecure = bool(value, where, lineNo);
          case "blocked" -> blocked = bool(value, where, lineNo);
          default -> { }
        }
      } else if (section.equals("registry.mirror")) {
        switch (key) {
          case "location" -> mirrorLocation = string(value, where, lineNo);
          case "insecure" -> mirrorInsecure = bool(value, where, lineNo);
          default -> { }
        }
      }
    }
    return new RegistriesConf(List.copyOf(entries));
  }

  private static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static String string(String v, String where, int line) {
    if (v.length() < 2 || !v.startsWith("\"") || !v.endsWith("\"")) {
      throw new InvalidConfigException(where + ":" + line + ": expected a quoted string, got " + v);
    }
    return v.substring(1, v.length() - 1);
  }

  private static boolean bool(String v, String where, int line) {
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidConfigException(where + ":" + line + ": expected true or false, got " + v);
    };
  }

  /** Marks every insecure registry and mirror of this file in {@code config}. */
  public RegistryConfig apply(RegistryConfig config) {
    RegistryConfig c = config;
    for (Entry e : registries) {
      if (e.insecure()) {
        c = c.withInsecureRegistry(host(e.location()));
      }
      for (Mirror m : e.mirrors()) {
        if (m.insecure()) {
          c = c.withInsecureRegistry(host(m.location()));
        }
      }
    }
    return c;
  }

  /**
   * Where to pull {@code ref} from, in order: the mirrors of the entry whose prefix matches
   * longest, then its location (or the reference itself when no entry matches).
   */
  public List<ImageReference> endpoints(ImageReference ref) {
    String full = ref.registry() + "/" + ref.repository();
    Entry best = null;
    for (Entry e : registries) {
      if ((full.equals(e.prefix()) || full.startsWith(e.prefix() + "/"))
          && (best == null || e.prefix().length() > best.prefix().length())) {
        best = e;
      }
    }
    if (best == null) {
      return List.of(ref);
    }
    if (best.blocked()) {
      throw new RegistryException(ref.registry(), "pulling \"" + ref.shortName()
          + "\" is blocked by registries.conf (prefix \"" + best.prefix() + "\")", 0);
    }
    List<ImageReference> out = new ArrayList<>();
    String rest = full.substring(best.prefix().length());
    for (Mirror m : best.mirrors()) {
      out.add(rewrite(m.location() + rest, ref));
    }
    out.add(rewrite(best.location() + rest, ref));
    return out;
  }

  private static ImageReference rewrite(String registryAndRepo, ImageReference ref) {
    int slash = registryAndRepo.indexOf('/');
    return new ImageReference(registryAndRepo.substring(0, slash), registryAndRepo.substring(slash + 1), ref.tag(), ref.digest());
  }

  private static String host(String location) {
    int slash = location.indexOf('/');
    return slash < 0 ? location : location.substring(0, slash);
  }
}
