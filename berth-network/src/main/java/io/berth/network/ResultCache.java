package io.berth.network;

import io.berth.json.Json;
import io.berth.json.JsonException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The results of ADD, one file per (network, container, interface) at
 * {@code DIR/NETWORK/CONTAINER/IFNAME.json}; CHECK and DEL hand them back as prevResult, and GC
 * lists them to find attachments that no longer exist. One directory level per key keeps the
 * three apart without an escaping scheme (none of them may contain '/').
 */
final class ResultCache {
  /** What ADD was given and what it returned: enough to run DEL again later without the caller. */
  record Entry(
      String networkName, String containerId, String ifName, String netns,
      List<List<String>> args, Map<String, Object> capabilityArgs, Object result) {

    RuntimeConf runtimeConf() {
      return new RuntimeConf(
          containerId, netns == null ? null : Path.of(netns), ifName,
          args == null ? List.of() : args.stream().map(a -> Map.entry(a.get(0), a.get(1))).toList(),
          capabilityArgs);
    }
  }

  private final Path dir;

  ResultCache(Path dir) {
    this.dir = dir;
  }

  private Path file(String network, String containerId, String ifName) {
    return dir.resolve(network).resolve(containerId).resolve(ifName + ".json");
  }

  /** Written to a temporary file and renamed, so a crash leaves the old entry or the new one. */
  void put(String network, RuntimeConf rt, Object result) throws IOException {
    Entry e = new Entry(
        network, rt.containerId(), rt.ifName(), rt.netns() == null ? null : rt.netns().toString(),
        rt.args().stream().map(a -> List.of(a.getKey(), a.getValue())).toList(), rt.capabilityArgs(), result);
    Path target = file(network, rt.containerId(), rt.ifName());
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".json");
    try {
      Files.write(tmp, Json.write(e));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  Optional<Entry> get(String network, String containerId, String ifName) throws IOException {
    try {
      return Optional.of(read(file(network, containerId, ifName)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  void remove(String network, String containerId, String ifName) throws IOException {
    Path f = file(network, containerId, ifName);
    Files.deleteIfExists(f);
    // Leave no empty directories behind for containers that are gone.
    deleteIfEmpty(f.getParent());
    deleteIfEmpty(f.getParent().getParent());
  }

  /** Every cached attachment of a network. */
  List<Entry> list(String network) throws IOException {
    Path netDir = dir.resolve(network);
    List<Entry> all = new ArrayList<>();
    if (!Files.isDirectory(netDir)) {
      return all;
    }
    try (DirectoryStream<Path> containers = Files.newDirectoryStream(netDir)) {
      for (Path c : containers) {
        if (!Files.isDirectory(c)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(c, "*.json")) {
          for (Path f : files) {
            if (!f.getFileName().toString().startsWith(".tmp-")) {
              all.add(read(f));
            }
          }
        }
      }
    }
    return all;
  }

  private static Entry read(Path f) throws IOException {
    byte[] bytes = Files.readAllBytes(f);
    try {
      return Json.read(bytes, Entry.class);
    } catch (JsonException e) {
      throw new IOException(f + ": corrupt CNI result cache entry: " + e.getMessage(), e);
    }
  }

  private static void deleteIfEmpty(Path d) {
    try {
      Files.deleteIfExists(d);
    } catch (IOException e) {
      // Not empty (another interface or container): keep it.
    }
  }
}
