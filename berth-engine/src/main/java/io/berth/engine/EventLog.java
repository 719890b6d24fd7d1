package io.berth.engine;

import io.berth.json.Json;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The events of every berth process on the host, one JSON line each in {@code
 * <runRoot>/events.log} (podman's file events backend): each process appends with O_APPEND in
 * one write, so lines never interleave, and {@code berth events} or the daemon read them back
 * whoever wrote them. The file lives under the run root, so a reboot starts it empty; past 8 MB
 * it starts over (the old file kept as events.log.1).
 */
public final class EventLog {
  static final long MAX_SIZE = 8L << 20;
  private final Path file;

  EventLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  void append(Event e) {
    byte[] line = (Json.writeString(e) + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      Files.createDirectories(file.getParent());
      if (Files.exists(file) && Files.size(file) > MAX_SIZE) {
        Files.move(file, file.resolveSibling(file.getFileName() + ".1"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND)) {
        ch.write(ByteBuffer.wrap(line));
      }
    } catch (IOException ex) {
      // events are a record for watchers; a full disk must not fail the container operation
    }
  }

  /** Events between {@code since} and {@code until} (either may be null). */
  public List<Event> read(Instant since, Instant until) {
    List<Event> out = new ArrayList<>();
    try {
      follow(since, until, () -> true, out::add);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return out;
  }

  /**
   * Streams past events from {@code since}, then new ones as they are written, until {@code
   * stop} says so (checked between polls) or {@code until} has passed.
   */
  public void follow(Instant since, Instant until, BooleanSupplier stop, Consumer<Event> sink)
      throws InterruptedException {
    long pos = 0;
    long inode = -1;
    StringBuilder partial = new StringBuilder();
    long sinceNano = since == null ? Long.MIN_VALUE : since.getEpochSecond() * 1_000_000_000L + since.getNano();
    long untilNano = until == null ? Long.MAX_VALUE : until.getEpochSecond() * 1_000_000_000L + until.getNano();
    while (true) {
      try {
        if (Files.exists(file)) {
          long ino = (Long) Files.getAttribute(file, "unix:ino");
          if (ino != inode) {
            inode = ino;
            pos = 0;
            partial.setLength(0);
          }
          try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() > pos) {
              f.seek(pos);
              byte[] b = new byte[(int) Math.min(f.length() - pos, 1 << 20)];
              f.readFully(b);
              pos += b.length;
              partial.append(new String(b, StandardCharsets.UTF_8));
              int nl;
              while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                Event e;
                try {
                  e = SpecJson.parse(line.getBytes(StandardCharsets.UTF_8), Event.class, "event");
                } catch (RuntimeException bad) {
                  continue;
                }
                if (e.timeNano() >= sinceNano && e.timeNano() <= untilNano) {
                  sink.accept(e);
                }
              }
              continue;
            }
          }
        }
      } catch (IOException e) {
        // the file is being rotated; read again
      }
      long now = Instant.now().getEpochSecond() * 1_000_000_000L + Instant.now().getNano();
      if (stop.getAsBoolean() || now > untilNano) {
        return;
      }
      Thread.sleep(100);
    }
  }
}
