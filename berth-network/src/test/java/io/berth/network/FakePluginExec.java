package io.berth.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records every invocation and answers with canned output: by default ADD echoes prevResult (or
 * a result naming the plugin when it is first), everything else prints nothing.
 */
final class FakePluginExec implements PluginExec {
  record Call(String plugin, Map<String, String> env, ObjectNode stdin) {
    String command() {
      return env.get("CNI_COMMAND");
    }
  }

  final List<Call> calls = new ArrayList<>();
  private final Map<String, String> outputs = new HashMap<>();
  private final Map<String, CniException> failures = new HashMap<>();

  /** Answers {@code command} to {@code plugin} with {@code json}. */
  FakePluginExec answer(String plugin, String command, String json) {
    outputs.put(plugin + "/" + command, json);
    return this;
  }

  FakePluginExec fail(String plugin, String command, CniException e) {
    failures.put(plugin + "/" + command, e);
    return this;
  }

  List<String> trace() {
    return calls.stream().map(c -> c.command() + " " + c.plugin()).toList();
  }

  @Override
  public byte[] exec(Path plugin, Map<String, String> env, byte[] stdin) throws CniException {
    String name = plugin.getFileName().toString();
    ObjectNode in;
    try {
      in = (ObjectNode) SpecJson.mapper().readTree(stdin);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    calls.add(new Call(name, Map.copyOf(env), in));
    String key = name + "/" + env.get("CNI_COMMAND");
    if (failures.containsKey(key)) {
      throw failures.get(key);
    }
    if (outputs.containsKey(key)) {
      return outputs.get(key).getBytes(StandardCharsets.UTF_8);
    }
    if (env.get("CNI_COMMAND").equals("ADD")) {
      JsonNode prev = in.get("prevResult");
      String out = prev != null ? prev.toString()
          : "{\"cniVersion\":\"" + in.get("cniVersion").asText() + "\",\"interfaces\":[{\"name\":\"" + name + "\"}]}";
      return out.getBytes(StandardCharsets.UTF_8);
    }
    return new byte[0];
  }

  /** A CNI_PATH directory holding empty executables with these names, for the lookup. */
  static PluginPath pluginDir(Path dir, String... names) throws IOException {
    Files.createDirectories(dir);
    for (String n : names) {
      Path p = dir.resolve(n);
      Files.writeString(p, "#!/bin/sh\nexit 1\n");
      p.toFile().setExecutable(true);
    }
    return new PluginPath(List.of(dir));
  }
}
