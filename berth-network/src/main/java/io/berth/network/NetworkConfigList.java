package io.berth.network;

import io.berth.json.Json;
import io.berth.json.JsonException;
import io.berth.json.JsonTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A CNI network configuration list (a {@code .conflist}), or a single {@code .conf} promoted to a
 * one-plugin list. The plugins' configurations are kept as the JSON they were written in (maps,
 * lists and scalars, see {@link JsonTrees}), because each plugin owns its own keys and the runtime
 * must hand them over unchanged.
 */
public record NetworkConfigList(
    String cniVersion, String name, boolean disableCheck, boolean disableGC, List<Plugin> plugins) {

  /** The specification's rule for network names (they become file and chain names). */
  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");

  /** The file name endings the runtime reads from a configuration directory, as libcni does. */
  private static final List<String> EXTENSIONS = List.of(".conflist", ".conf", ".json");

  public NetworkConfigList {
    plugins = List.copyOf(plugins);
  }

  /** One plugin of the chain: its {@code type} (the executable's name) and its configuration. */
  public record Plugin(String type, Map<String, Object> config) {
    public Plugin {
      config = JsonTrees.copy(config);
    }

    /** A copy: the runtime adds name, cniVersion, prevResult… per invocation to its own copy. */
    @Override
    public Map<String, Object> config() {
      return JsonTrees.copy(config);
    }

    /** The capabilities the plugin declared ({@code "capabilities": {"portMappings": true}}). */
    public Set<String> capabilities() {
      Set<String> caps = new LinkedHashSet<>();
      if (config.get("capabilities") instanceof Map<?, ?> node) {
        for (Map.Entry<?, ?> e : node.entrySet()) {
          if (Boolean.TRUE.equals(e.getValue())) {
            caps.add(String.valueOf(e.getKey()));
          }
        }
      }
      return caps;
    }
  }

  /** Parses a .conflist, or a .conf (an object with a {@code type}) promoted to a list. */
  public static NetworkConfigList parse(byte[] json, String what) {
    return of(tree(json, what), what);
  }

  /**
   * The file as a tree, for readers that want keys of their own beside the list (Berth's
   * metadata under {@code berth}) without parsing it twice; not an object is an error.
   */
  public static Map<String, Object> tree(byte[] json, String what) {
    Map<String, Object> root;
    try {
      root = JsonTrees.asObject(Json.read(json, Object.class));
    } catch (JsonException e) {
      throw new InvalidNetworkConfigException(what + ": " + e.getMessage());
    }
    if (root == null) {
      throw new InvalidNetworkConfigException(what + ": expected a JSON object");
    }
    return root;
  }

  /** The list a {@link #tree} holds. */
  public static NetworkConfigList of(Map<String, Object> root, String what) {
    String version = requiredString(root, "cniVersion", what);
    if (!CniVersion.isSupported(version)) {
      throw new InvalidNetworkConfigException(
          what + ": bad cniVersion \"" + version + "\" (supported: "
              + String.join(", ", CniVersion.SUPPORTED) + ")");
    }
    String name = requiredString(root, "name", what);
    if (!NAME.matcher(name).matches()) {
      throw new InvalidNetworkConfigException(
          what + ": bad network name \"" + name
              + "\": use letters, digits, '_', '.', '-', starting with a letter or digit");
    }
    List<Plugin> plugins = new ArrayList<>();
    Object list = root.get("plugins");
    if (list == null && root.containsKey("type")) {
      plugins.add(plugin(root, what));
    } else if (!(list instanceof List<?> items) || items.isEmpty()) {
      throw new InvalidNetworkConfigException(
          what + ": no plugins: a list needs a non-empty \"plugins\" array (a single .conf needs \"type\")");
    } else {
      for (int i = 0; i < items.size(); i++) {
        String where = what + ": plugins[" + i + "]";
        Map<String, Object> p = JsonTrees.asObject(items.get(i));
        if (p == null) {
          throw new InvalidNetworkConfigException(where + ": expected a JSON object");
        }
        plugins.add(plugin(p, where));
      }
    }
    return new NetworkConfigList(
        version, name, flag(root, "disableCheck", what), flag(root, "disableGC", what), plugins);
  }

  public static NetworkConfigList parse(String json, String what) {
    return parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), what);
  }

  public static NetworkConfigList load(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.toString());
  }

  /**
   * Every configuration in a directory, in file name order (the order decides which network
   * wins a name clash and is how administrators rank files: 10-foo.conflist before 20-bar.conf).
   * A malformed file is an error rather than skipped, so a typo does not silently drop a network.
   * A missing directory holds no networks.
   */
  public static List<NetworkConfigList> loadAll(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(f -> EXTENSIONS.stream().anyMatch(ext -> f.getFileName().toString().endsWith(ext)))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    }
    List<NetworkConfigList> all = new ArrayList<>();
    for (Path f : files) {
      all.add(load(f));
    }
    return all;
  }

  /** The first network (in file name order) called {@code name}. */
  public static Optional<NetworkConfigList> find(Path dir, String name) throws IOException {
    return loadAll(dir).stream().filter(n -> n.name().equals(name)).findFirst();
  }

  private static Plugin plugin(Map<String, Object> conf, String where) {
    if (!(conf.get("type") instanceof String t) || t.isEmpty()) {
      throw new InvalidNetworkConfigException(where + ": missing \"type\" (the plugin's executable name)");
    }
    // The type names an executable on CNI_PATH; a path in it would run something else.
    if (t.contains("/") || t.equals(".") || t.equals("..")) {
      throw new InvalidNetworkConfigException(where + ": bad plugin type \"" + t + "\": a name, not a path");
    }
    return new Plugin(t, conf);
  }

  private static String requiredString(Map<String, Object> root, String key, String what) {
    if (!(root.get(key) instanceof String v) || v.isEmpty()) {
      throw new InvalidNetworkConfigException(what + ": missing \"" + key + "\"");
    }
    return v;
  }

  /** Booleans, accepting "true"/"false" strings as libcni does (some tools write them so). */
  private static boolean flag(Map<String, Object> root, String key, String what) {
    Object n = root.get(key);
    if (n == null) {
      return false;
    }
    if (n instanceof Boolean b) {
      return b;
    }
    if (n instanceof String t && (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(t);
    }
    throw new InvalidNetworkConfigException(what + ": \"" + key + "\" must be true or false");
  }
}
