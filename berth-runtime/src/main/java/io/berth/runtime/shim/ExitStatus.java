package io.berth.runtime.shim;

import io.berth.json.Json;
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
  /** exit.json as the shim writes it. */
  private record OnDisk(Integer exitCode, Integer signal, Boolean oomKilled, String finishedAt) {}

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
      OnDisk n = Json.read(bytes, OnDisk.class);
      return Optional.of(
          new ExitStatus(
              n.exitCode() == null ? -1 : n.exitCode(),
              n.signal() == null ? 0 : n.signal(),
              Boolean.TRUE.equals(n.oomKilled()),
              n.finishedAt() == null ? null : Instant.parse(n.finishedAt())));
    } catch (RuntimeException e) {
      // The shim renames a complete file into place, so a bad one was not written by it.
      throw new IllegalStateException("unreadable " + dir.resolve("exit.json") + ": " + e.getMessage(), e);
    }
  }
}
