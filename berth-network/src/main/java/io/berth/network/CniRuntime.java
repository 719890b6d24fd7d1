package io.berth.network;

import io.berth.json.Json;
import io.berth.json.JsonException;
import io.berth.json.JsonTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Drives a network configuration list's plugins through the CNI operations and keeps each
 * attachment's result, so that CHECK, DEL and GC get back what ADD produced.
 */
public final class CniRuntime {
  private final PluginExec exec;
  private final PluginPath path;
  private final ResultCache cache;

  /**
   * @param cacheDir where results are kept (e.g. /var/lib/berth/cni/results); it must outlive the
   *     engine's process, since DEL and GC after a crash rely on it
   */
  public CniRuntime(PluginExec exec, PluginPath path, Path cacheDir) {
    this.exec = exec;
    this.path = path;
    this.cache = new ResultCache(cacheDir);
  }

  /**
   * ADD through the chain, each plugin getting the previous one's result as prevResult; the last
   * result is cached and returned. If any step fails, the whole list is DELeted (so no address or
   * interface is left behind) before the failure is thrown.
   */
  public Result addNetworkList(NetworkConfigList list, RuntimeConf rt) throws CniException {
    Map<String, Object> prev = null;
    try {
      for (NetworkConfigList.Plugin p : list.plugins()) {
        byte[] out = invoke(p, "ADD", list, rt, rt.netns(), prev);
        prev = parseResult(p.type(), out);
      }
      Result result = Result.fromJson(prev);
      cachePut(list.name(), rt, prev);
      return result;
    } catch (CniException | RuntimeException e) {
      try {
        delNetworkList(list, rt);
      } catch (CniException | RuntimeException rollback) {
        e.addSuppressed(rollback);
      }
      if (e instanceof IllegalArgumentException bad) {
        throw new CniException(null, 0, "ADD on network " + list.name() + " gave a bad result", bad.getMessage());
      }
      throw e;
    }
  }

  /**
   * DEL through the chain in reverse, with the cached result as prevResult. Idempotent: without a
   * cached result (never added, already deleted, a failed ADD) the plugins still get DEL, since
   * they must release whatever part of ADD happened; a namespace that is gone is not passed.
   * The cached result is dropped only when every plugin succeeded, so a failed DEL can be retried.
   */
  public void delNetworkList(NetworkConfigList list, RuntimeConf rt) throws CniException {
    Optional<ResultCache.Entry> cached = cacheGet(list.name(), rt);
    // prevResult on DEL arrived with 0.4.0; older plugins would reject the unknown key.
    Object prev = CniVersion.atLeast(list.cniVersion(), "0.4.0")
        ? cached.map(ResultCache.Entry::result).orElse(null) : null;
    Path netns = rt.netns() != null && Files.exists(rt.netns()) ? rt.netns() : null;
    List<NetworkConfigList.Plugin> reversed = list.plugins().reversed();
    for (NetworkConfigList.Plugin p : reversed) {
      invoke(p, "DEL", list, rt, netns, prev);
    }
    try {
      cache.remove(list.name(), rt.containerId(), rt.ifName());
    } catch (IOException e) {
      throw new CniException(null, "cannot remove the cached CNI result of " + describe(list, rt), e);
    }
  }

  /** CHECK through the chain with the cached result; a no-op when the list sets disableCheck. */
  public void checkNetworkList(NetworkConfigList list, RuntimeConf rt) throws CniException {
    if (list.disableCheck()) {
      return;
    }
    if (!CniVersion.atLeast(list.cniVersion(), "0.4.0")) {
      throw new CniException(
          null, 1, "network " + list.name() + " has cniVersion " + list.cniVersion(),
          "CHECK needs 0.4.0 or later");
    }
    Object prev = cacheGet(list.name(), rt)
        .orElseThrow(() -> new CniException(
            null, 0, "no cached result for " + describe(list, rt), "CHECK needs a successful ADD first"))
        .result();
    for (NetworkConfigList.Plugin p : list.plugins()) {
      invoke(p, "CHECK", list, rt, rt.netns(), prev);
    }
  }

  /** The result ADD returned for this attachment, converted to the 1.0.0 shape. */
  public Optional<Result> getCachedResult(NetworkConfigList list, RuntimeConf rt) throws CniException {
    return cacheGet(list.name(), rt).map(e -> Result.fromJson(e.result()));
  }

  /** The attachments of a network that have a cached result. */
  public List<Attachment> getCachedAttachments(String network) throws CniException {
    try {
      return cache.list(network).stream().map(e -> new Attachment(e.containerId(), e.ifName())).toList();
    } catch (IOException e) {
      throw new CniException(null, "cannot read the CNI result cache of network " + network, e);
    }
  }

  /**
   * Garbage collection: every cached attachment of the network that is not in {@code valid} is
   * DELeted with its cached parameters (this is all plugins older than 1.1.0 understand, and it
   * also empties the cache for newer ones); then, for 1.1.0 lists, every plugin gets GC with
   * {@code cni.dev/valid-attachments} to release what no cache knows about. Keeps going past
   * failures and throws the first one with the others suppressed.
   */
  public void gcNetworkList(NetworkConfigList list, Set<Attachment> valid) throws CniException {
    if (list.disableGC()) {
      return;
    }
    List<CniException> errors = new ArrayList<>();
    List<ResultCache.Entry> cached;
    try {
      cached = cache.list(list.name());
    } catch (IOException e) {
      throw new CniException(null, "cannot read the CNI result cache of network " + list.name(), e);
    }
    for (ResultCache.Entry e : cached) {
      if (!valid.contains(new Attachment(e.containerId(), e.ifName()))) {
        try {
          delNetworkList(list, e.runtimeConf());
        } catch (CniException x) {
          errors.add(x);
        }
      }
    }
    if (CniVersion.atLeast(list.cniVersion(), "1.1.0")) {
      for (NetworkConfigList.Plugin p : list.plugins()) {
        Map<String, Object> conf = baseConfig(p, list);
        List<Object> attachments = JsonTrees.putArray(conf, "cni.dev/valid-attachments");
        for (Attachment a : valid) {
          attachments.add(JsonTrees.object("containerID", a.containerId(), "ifname", a.ifName()));
        }
        try {
          exec.exec(path.find(p.type()), commandOnlyEnv("GC"), Json.write(conf));
        } catch (CniException x) {
          errors.add(x);
        }
      }
    }
    if (!errors.isEmpty()) {
      CniException first = errors.getFirst();
      errors.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  /**
   * STATUS: whether every plugin is ready for ADD (e.g. a daemon-backed IPAM is up). Lists older
   * than 1.1.0 have no such command and count as ready.
   */
  public void status(NetworkConfigList list) throws CniException {
    if (!CniVersion.atLeast(list.cniVersion(), "1.1.0")) {
      return;
    }
    for (NetworkConfigList.Plugin p : list.plugins()) {
      exec.exec(path.find(p.type()), commandOnlyEnv("STATUS"), Json.write(baseConfig(p, list)));
    }
  }

  /** VERSION: the specification versions a plugin supports. */
  public VersionInfo version(String pluginType) throws CniException {
    Map<String, Object> in = JsonTrees.object("cniVersion", CniVersion.CURRENT);
    byte[] out = exec.exec(path.find(pluginType), commandOnlyEnv("VERSION"), Json.write(in));
    try {
      return Json.read(out, VersionInfo.class);
    } catch (JsonException e) {
      throw new CniException(pluginType, 6, "VERSION output is not a version object", e.getMessage());
    }
  }

  private byte[] invoke(
      NetworkConfigList.Plugin p, String command, NetworkConfigList list, RuntimeConf rt, Path netns,
      Object prev) throws CniException {
    Map<String, Object> conf = baseConfig(p, list);
    if (prev != null) {
      conf.put("prevResult", prev);
    }
    // Only what the plugin asked for: a plugin that did not declare a capability may reject or
    // misread a runtimeConfig key it does not know.
    Map<String, Object> runtimeConfig = new LinkedHashMap<>();
    for (String cap : p.capabilities()) {
      if (rt.capabilityArgs().containsKey(cap)) {
        runtimeConfig.put(cap, rt.capabilityArgs().get(cap));
      }
    }
    if (!runtimeConfig.isEmpty()) {
      conf.put("runtimeConfig", runtimeConfig);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", rt.containerId());
    if (netns != null) {
      env.put("CNI_NETNS", netns.toString());
    }
    env.put("CNI_IFNAME", rt.ifName());
    env.put("CNI_ARGS", rt.argsEnv());
    env.put("CNI_PATH", path.asEnv());
    return exec.exec(path.find(p.type()), env, Json.write(conf));
  }

  /** The plugin's own configuration plus what the list decides for all of them. */
  private static Map<String, Object> baseConfig(NetworkConfigList.Plugin p, NetworkConfigList list) {
    Map<String, Object> conf = p.config();
    conf.put("name", list.name());
    conf.put("cniVersion", list.cniVersion());
    return conf;
  }

  private Map<String, String> commandOnlyEnv(String command) {
    return Map.of("CNI_COMMAND", command, "CNI_PATH", path.asEnv());
  }

  private static Map<String, Object> parseResult(String plugin, byte[] out) throws CniException {
    Object n;
    try {
      n = Json.read(out, Object.class);
    } catch (JsonException e) {
      if (e.problem().equals("empty document")) {
        throw new CniException(plugin, 6, "ADD printed no result", "a plugin must print its result as JSON");
      }
      throw new CniException(plugin, 6, "ADD printed a malformed result", e.getMessage());
    }
    Map<String, Object> result = JsonTrees.asObject(n);
    if (result == null) {
      throw new CniException(plugin, 6, "ADD printed no result", "a plugin must print its result as JSON");
    }
    return result;
  }

  private void cachePut(String network, RuntimeConf rt, Map<String, Object> result) throws CniException {
    try {
      cache.put(network, rt, result);
    } catch (IOException e) {
      throw new CniException(null, "cannot cache the CNI result of " + network + "/" + rt.containerId(), e);
    }
  }

  private Optional<ResultCache.Entry> cacheGet(String network, RuntimeConf rt) throws CniException {
    try {
      return cache.get(network, rt.containerId(), rt.ifName());
    } catch (IOException e) {
      throw new CniException(null, "cannot read the cached CNI result of " + network + "/" + rt.containerId(), e);
    }
  }

  private static String describe(NetworkConfigList list, RuntimeConf rt) {
    return "container " + rt.containerId() + " interface " + rt.ifName() + " on network " + list.name();
  }
}
