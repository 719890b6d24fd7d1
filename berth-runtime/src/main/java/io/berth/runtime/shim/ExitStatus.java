package io.berth.runtime.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * How a container ended, as its shim recorded it in exit.json.
 *
 * @param exitCode the exit status, or 128 + the signal that killed it
 * @param signal the killing signal, 0 when the process exited by itself
 */
public record ExitStatus(int exitCode, int signal, boolean oomKilled, Instant finishedAt) {
  private static final ObjectMapper JSON = SpecJson.mapper();

  /** The status in {@code dir}/exit.json; empty while the container is still running. */
  public static Optional<ExitStatus> read(Path dir) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve("exit.json"));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      JsonNode n = JSON.readTree(bytes);
      return Optional.of(
          new ExitStatus(
              n.path("exitCode").asInt(-1),
              n.path("signal").asInt(0),
              n.path("oomKilled").asBoolean(false),
              n.hasNonNull("finishedAt") ? Instant.parse(n.get("finishedAt").asText()) : null));
    } catch (IOException | RuntimeException e) {
      // The shim renames a complete file into place, so a bad one was not written by it.
      throw new IllegalStateException("unreadable " + dir.resolve("exit.json") + ": " + e.getMessage(), e);
    }
  }
}
