package io.berth.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * What a Docker create request says that the engine's {@link io.berth.engine.ContainerSpec} does
 * not hold, kept beside the engine's record for inspect and attach: {@code
 * <root>/docker/containers/<id>.json}. A container made by {@code berth run} has none, and reads
 * as Docker's defaults.
 *
 * @param stdinOnce the container's stdin closes when the first attached client's stdin ends
 * @param volumes the anonymous volume targets of Config.Volumes, as they were asked for
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record DockerExtras(
    String domainname,
    boolean attachStdin,
    boolean attachStdout,
    boolean attachStderr,
    boolean stdinOnce,
    List<String> exposedPorts,
    List<String> volumes,
    String logType) {

  DockerExtras {
    exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    domainname = domainname == null ? "" : domainname;
    logType = logType == null || logType.isEmpty() ? "json-file" : logType;
  }

  static final DockerExtras DEFAULTS = new DockerExtras("", false, true, true, false, List.of(), List.of(), "json-file");

  /** The files of this kind under {@code <root>/docker/containers}. */
  static final class Store {
    private final Path dir;

    Store(Path root) {
      this.dir = root.resolve("docker").resolve("containers");
    }

    void put(String id, DockerExtras extras) {
      try {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".extras", ".tmp");
        Files.write(tmp, SpecJson.toBytes(extras));
        Files.move(tmp, dir.resolve(id + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    DockerExtras get(String id) {
      return find(id).orElse(DEFAULTS);
    }

    Optional<DockerExtras> find(String id) {
      Path f = dir.resolve(id + ".json");
      try {
        return Optional.of(SpecJson.parse(Files.readAllBytes(f), DockerExtras.class, f.toString()));
      } catch (java.nio.file.NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException | RuntimeException e) {
        return Optional.empty(); // unreadable: the defaults are what the container then shows
      }
    }

    void remove(String id) {
      try {
        Files.deleteIfExists(dir.resolve(id + ".json"));
      } catch (IOException e) {
        // a leftover file names a container that is gone; nothing reads it
      }
    }

    /** Removes the files of containers that no longer exist (removed by berth rm, or a cleanup). */
    void retain(java.util.Set<String> ids) {
      if (!Files.isDirectory(dir)) {
        return;
      }
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          String n = p.getFileName().toString();
          if (n.endsWith(".json") && !ids.contains(n.substring(0, n.length() - 5))) {
            Files.deleteIfExists(p);
          }
        }
      } catch (IOException e) {
        // tidying only
      }
    }
  }
}
