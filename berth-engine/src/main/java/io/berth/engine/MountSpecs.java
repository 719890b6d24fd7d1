package io.berth.engine;

import io.berth.oci.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker's {@code -v}, {@code --mount} and {@code --tmpfs} as OCI mounts. A host path must exist
 * (podman's rule: a typo must not silently create a directory on the host); a volume name that
 * does not exist yet is created, as Docker does.
 */
final class MountSpecs {
  private static final Set<String> PROPAGATION =
      Set.of("shared", "rshared", "slave", "rslave", "private", "rprivate");

  /** Where a named volume's data lives, creating the volume if needed. */
  interface VolumePaths {
    Path dataOf(String name);
  }

  private MountSpecs() {}

  /** The mounts of a container, keyed by destination (a later one replaces an earlier one). */
  static List<Spec.Mount> of(ContainerSpec spec, Map<String, String> anonymous, VolumePaths volumes) {
    Map<String, Spec.Mount> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> a : anonymous.entrySet()) {
      out.put(a.getKey(), bind(volumes.dataOf(a.getValue()).toString(), a.getKey(), List.of()));
    }
    for (String v : spec.binds()) {
      Spec.Mount m = volumeFlag(v, anonymous, volumes);
      out.put(m.destination(), m);
    }
    for (String v : spec.mounts()) {
      Spec.Mount m = mountFlag(v, volumes);
      out.put(m.destination(), m);
    }
    for (String t : spec.tmpfs()) {
      Spec.Mount m = tmpfs(t);
      out.put(m.destination(), m);
    }
    return new ArrayList<>(out.values());
  }

  /** The destination of a {@code -v} value without a source: an anonymous volume's target. */
  static String anonymousTarget(String v) {
    return v.startsWith("/") && !v.contains(":") ? clean(v, v) : null;
  }

  private static boolean isOptions(String s) {
    for (String o : s.split(",")) {
      if (!o.equals("ro") && !o.equals("rw") && !PROPAGATION.contains(o) && !o.equals("z")
          && !o.equals("Z") && !o.equals("nocopy")) {
        return false;
      }
    }
    return true;
  }

  private static Spec.Mount volumeFlag(String v, Map<String, String> anonymous, VolumePaths volumes) {
    String target = anonymousTarget(v);
    if (target != null) {
      String name = anonymous.get(target);
      if (name == null) {
        throw new EngineException("-v " + v + ": no anonymous volume was made for " + target);
      }
      return bind(volumes.dataOf(name).toString(), target, List.of());
    }
    String[] parts = v.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      throw new EngineException("invalid volume specification \"" + v + "\": expected SOURCE:TARGET[:OPTIONS]");
    }
    String dest = clean(parts[1], v);
    List<String> opts = parts.length == 3 ? List.of(parts[2].split(",")) : List.of();
    if (!isOptions(String.join(",", opts)) && !opts.isEmpty()) {
      throw new EngineException("invalid volume specification \"" + v + "\": unknown option in \"" + parts[2] + "\"");
    }
    return bind(source(parts[0], v, volumes), dest, opts);
  }

  private static String source(String src, String flag, VolumePaths volumes) {
    if (src.startsWith("/")) {
      if (!Files.exists(Path.of(src))) {
        throw new EngineException("bind source path does not exist: " + src + " (in \"" + flag + "\")");
      }
      return Path.of(src).normalize().toString();
    }
    Volumes.checkName(src);
    return volumes.dataOf(src).toString();
  }

  private static Spec.Mount bind(String source, String dest, List<String> userOpts) {
    List<String> opts = new ArrayList<>(List.of("rbind"));
    String propagation = "rprivate";
    boolean ro = false;
    for (String o : userOpts) {
      if (o.equals("ro")) {
        ro = true;
      } else if (PROPAGATION.contains(o)) {
        propagation = o;
      }
    }
    opts.add(ro ? "ro" : "rw");
    opts.add(propagation);
    return new Spec.Mount(dest, "bind", source, opts);
  }

  private static Spec.Mount mountFlag(String v, VolumePaths volumes) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String part : v.split(",")) {
      int eq = part.indexOf('=');
      kv.put(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "true" : part.substring(eq + 1));
    }
    String type = kv.getOrDefault("type", "volume");
    String target = first(kv, "target", "destination", "dst");
    if (target == null) {
      throw new EngineException("invalid --mount \"" + v + "\": target is required");
    }
    target = clean(target, v);
    boolean ro = "true".equals(first(kv, "readonly", "ro")) || "1".equals(first(kv, "readonly", "ro"));
    String source = first(kv, "source", "src");
    List<String> opts = new ArrayList<>();
    if (ro) {
      opts.add("ro");
    }
    switch (type) {
      case "bind" -> {
        if (source == null) {
          throw new EngineException("invalid --mount \"" + v + "\": a bind mount needs source");
        }
        if (kv.containsKey("bind-propagation")) {
          opts.add(kv.get("bind-propagation"));
        }
        return bind(source(source.startsWith("/") ? source : "/" + source, v, volumes), target, opts);
      }
      case "volume" -> {
        if (source == null) {
          throw new EngineException("invalid --mount \"" + v + "\": give the volume a source (anonymous volumes: -v " + target + ")");
        }
        return bind(source(source, v, volumes), target, opts);
      }
      case "tmpfs" -> {
        List<String> t = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
        if (kv.containsKey("tmpfs-size")) {
          t.add("size=" + kv.get("tmpfs-size"));
        }
        if (kv.containsKey("tmpfs-mode")) {
          t.add("mode=" + kv.get("tmpfs-mode"));
        }
        if (ro) {
          t.add("ro");
        }
        return new Spec.Mount(target, "tmpfs", "tmpfs", t);
      }
      default -> throw new EngineException("invalid --mount \"" + v + "\": unknown type " + type + " (bind, volume or tmpfs)");
    }
  }

  private static Spec.Mount tmpfs(String t) {
    int colon = t.indexOf(':');
    String dest = clean(colon < 0 ? t : t.substring(0, colon), t);
    List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
    if (colon >= 0) {
      for (String o : t.substring(colon + 1).split(",")) {
        if (o.equals("exec")) {
          opts.remove("noexec");
        } else if (o.equals("dev")) {
          opts.remove("nodev");
        } else if (o.equals("suid")) {
          opts.remove("nosuid");
        } else if (!o.isEmpty()) {
          opts.add(o);
        }
      }
    }
    return new Spec.Mount(dest, "tmpfs", "tmpfs", opts);
  }

  private static String first(Map<String, String> kv, String... keys) {
    for (String k : keys) {
      if (kv.containsKey(k)) {
        return kv.get(k);
      }
    }
    return null;
  }

  private static String clean(String dest, String flag) {
    if (!dest.startsWith("/")) {
      throw new EngineException("invalid mount \"" + flag + "\": the container path " + dest + " must be absolute");
    }
    String n = Path.of(dest).normalize().toString();
    if (n.equals("/")) {
      throw new EngineException("invalid mount \"" + flag + "\": cannot mount over /");
    }
    return n;
  }
}
