package io.berth.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Named volumes of the local driver: {@code <root>/volumes/<name>/_data} holds the data, {@code
 * volume.json} beside it what {@code volume inspect} shows. A volume is complete once its
 * volume.json exists (written last, by rename), so a crash half-way through a create leaves a
 * directory that the next create of that name finishes.
 */
public final class Volumes {
  static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}");

  /** What {@code volume inspect} shows of a volume. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Volume(String name, String driver, String mountpoint, String createdAt,
      Map<String, String> labels, boolean anonymous) {}

  private final Path root;

  Volumes(Path root) {
    this.root = root;
  }

  static void checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new EngineException("invalid volume name \"" + name
          + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
  }

  /** Creates the volume, or returns it when it exists already (as {@code docker volume create}). */
  public Volume create(String name, Map<String, String> labels, boolean anonymous) {
    checkName(name);
    Optional<Volume> existing = find(name);
    if (existing.isPresent()) {
      return existing.get();
    }
    Path dir = root.resolve(name);
    try {
      Files.createDirectories(dir.resolve("_data"));
      Volume v = new Volume(name, "local", dir.resolve("_data").toString(), Instant.now().toString(),
          labels == null ? Map.of() : Map.copyOf(labels), anonymous);
      Path tmp = Files.createTempFile(dir, ".volume", ".tmp");
      Files.write(tmp, SpecJson.toBytes(v));
      try {
        Files.move(tmp, dir.resolve("volume.json"), StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve("volume.json"), StandardCopyOption.REPLACE_EXISTING);
      }
      return v;
    } catch (IOException e) {
      throw new EngineException("cannot create volume " + name + ": " + e.getMessage(), e);
    }
  }

  public Optional<Volume> find(String name) {
    if (!NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    Path meta = root.resolve(name).resolve("volume.json");
    if (!Files.isRegularFile(meta)) {
      return Optional.empty();
    }
    try {
      return Optional.of(SpecJson.parse(Files.readAllBytes(meta), Volume.class, meta.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Volume get(String name) {
    return find(name).orElseThrow(() -> new EngineException.NotFound("no such volume: " + name));
  }

  public List<Volume> list() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(root)) {
      List<Volume> out = new ArrayList<>();
      for (Path p : s.sorted().toList()) {
        find(p.getFileName().toString()).ifPresent(out::add);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes the volume's data; the caller has checked that no container uses it. */
  void delete(String name) {
    checkName(name);
    Path dir = root.resolve(name);
    if (!Files.exists(dir)) {
      throw new EngineException.NotFound("no such volume: " + name);
    }
    try {
      // volume.json first: from then on the volume no longer exists, whatever a crash leaves
      Files.deleteIfExists(dir.resolve("volume.json"));
      deleteTree(dir);
    } catch (IOException e) {
      throw new EngineException("cannot remove volume " + name + ": " + e.getMessage(), e);
    }
  }

  static void deleteTree(Path top) throws IOException {
    if (!Files.exists(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(top)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
