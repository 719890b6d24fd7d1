package io.berth.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.oci.SpecJson;
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
 * one-plugin list. The plugins' configurations are kept as the JSON they were written in, because
 * each plugin owns its own keys and the runtime must hand them over unchanged.
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
  public record Plugin(String type, ObjectNode config) {
    public Plugin {
      config = config.deepCopy();
    }

    /** A copy: the runtime adds name, cniVersion, prevResult… per invocation to its own copy. */
    @Override
    public ObjectNode config() {
      return config.deepCopy();
    }

    /** The capabilities the plugin declared ({@code "capabilities": {"portMappings": true}}). */
    public Set<String> capabilities() {
      Set<String> caps = new LinkedHashSet<>();
      JsonNode node = config.get("capabilities");
      if (node != null && node.isObject()) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          if (e.getValue().asBoolean(false)) {
            caps.add(e.getKey());
          }
        }
      }
      return caps;
    }
  }

  /** Parses a .conflist, or a .conf (an object with a {@code type}) promoted to a list. */
  public static NetworkConfigList parse(byte[] json, String what) {
    JsonNode root;
    try {
      root = SpecJson.mapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidNetworkConfigException(what + ": malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidNetworkConfigException(what + ": " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidNetworkConfigException(what + ": expected a JSON object");
    }
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
    JsonNode list = root.get("plugins");
    if (list == null && root.has("type")) {
      plugins.add(plugin((ObjectNode) root, what));
    } else if (list == null || !list.isArray() || list.isEmpty()) {
      throw new InvalidNetworkConfigException(
          what + ": no plugins: a list needs a non-empty \"plugins\" array (a single .conf needs \"type\")");
    } else {
      for (int i = 0; i < list.size(); i++) {
        JsonNode p = list.get(i);
        String where = what + ": plugins[" + i + "]";
        if (!p.isObject()) {
          throw new InvalidNetworkConfigException(where + ": expected a JSON object");
        }
        plugins.add(plugin((ObjectNode) p, where));
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

  private static Plugin plugin(ObjectNode conf, String where) {
    JsonNode type = conf.get("type");
    if (type == null || !type.isTextual() || type.asText().isEmpty()) {
      throw new InvalidNetworkConfigException(where + ": missing \"type\" (the plugin's executable name)");
    }
    String t = type.asText();
    // The type names an executable on CNI_PATH; a path in it would run something else.
    if (t.contains("/") || t.equals(".") || t.equals("..")) {
      throw new InvalidNetworkConfigException(where + ": bad plugin type \"" + t + "\": a name, not a path");
    }
    return new Plugin(t, conf);
  }

  private static String requiredString(JsonNode root, String key, String what) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull() || !n.isTextual() || n.asText().isEmpty()) {
      throw new InvalidNetworkConfigException(what + ": missing \"" + key + "\"");
    }
    return n.asText();
  }

  /** Booleans, accepting "true"/"false" strings as libcni does (some tools write them so). */
  private static boolean flag(JsonNode root, String key, String what) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return false;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isTextual() && (n.asText().equalsIgnoreCase("true") || n.asText().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(n.asText());
    }
    throw new InvalidNetworkConfigException(what + ": \"" + key + "\" must be true or false");
  }
}
