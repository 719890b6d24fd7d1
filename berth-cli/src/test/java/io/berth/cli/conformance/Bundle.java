package io.berth.cli.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.oci.DefaultSpec;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A bundle made from Debian's busybox-static: rootfs/bin/busybox with its applets as symlinks,
 * and the default config (as `spec` writes it) edited through a JSON tree.
 */
final class Bundle {
  static final List<String> APPLETS =
      List.of(
          "sh", "cat", "echo", "ls", "id", "hostname", "sleep", "true", "false", "grep", "mkdir",
          "touch", "stat", "readlink", "ip", "head", "tail", "wc", "mount", "umask", "test", "printf", "ps",
          "env", "pwd", "tr", "cut", "sed", "stty");

  final Path dir;
  final ObjectNode config;

  private Bundle(Path dir, ObjectNode config) {
    this.dir = dir;
    this.config = config;
  }

  static Bundle busybox(Path dir, String... args) {
    try {
      Path bin = dir.resolve("rootfs/bin");
      Files.createDirectories(bin);
      Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
      for (String a : APPLETS) {
        Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
      }
      Files.createDirectories(dir.resolve("rootfs/tmp"));
      // Sticky and world-writable, as /tmp is everywhere: tests run processes as other users.
      new ProcessBuilder("chmod", "1777", dir.resolve("rootfs/tmp").toString()).start().waitFor();
      Files.createDirectories(dir.resolve("rootfs/etc"));
      Files.writeString(dir.resolve("rootfs/etc/passwd"), "root:x:0:0:root:/:/bin/sh\n");
      Files.writeString(dir.resolve("rootfs/etc/group"), "root:x:0:\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    ObjectNode config = (ObjectNode) SpecJson.mapper().valueToTree(DefaultSpec.create(false, 0, 0));
    Bundle b = new Bundle(dir, config);
    b.process().put("terminal", false);
    b.args(args);
    return b;
  }

  ObjectNode process() {
    return (ObjectNode) config.get("process");
  }

  ObjectNode linux() {
    return (ObjectNode) config.get("linux");
  }

  Bundle args(String... args) {
    ArrayNode a = process().putArray("args");
    for (String s : args) {
      a.add(s);
    }
    return this;
  }

  /** A shell script as the process: sh -c SCRIPT. */
  Bundle script(String script) {
    return args("sh", "-c", script);
  }

  ArrayNode mounts() {
    return (ArrayNode) config.get("mounts");
  }

  Bundle addMount(String destination, String type, String source, String... options) {
    ObjectNode m = mounts().addObject();
    m.put("destination", destination);
    m.put("type", type);
    m.put("source", source);
    ArrayNode o = m.putArray("options");
    for (String s : options) {
      o.add(s);
    }
    return this;
  }

  ArrayNode hooks(String kind) {
    ObjectNode hooks = config.has("hooks") ? (ObjectNode) config.get("hooks") : config.putObject("hooks");
    return hooks.has(kind) ? (ArrayNode) hooks.get(kind) : hooks.putArray(kind);
  }

  Bundle write() {
    try {
      Files.write(dir.resolve("config.json"), SpecJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  static ArrayNode strings(JsonNode parent, String field, String... values) {
    ArrayNode a = ((ObjectNode) parent).putArray(field);
    for (String v : values) {
      a.add(v);
    }
    return a;
  }
}
