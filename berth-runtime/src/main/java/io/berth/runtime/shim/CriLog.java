package io.berth.runtime.shim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a container log in the CRI format that berth-shim (and conmon) write, rotated files
 * included: each record is "TIME STREAM F|P TEXT", and P pieces of one stream are joined into the
 * line they belong to.
 */
public final class CriLog {
  /**
   * One line of output.
   *
   * @param time when its first piece was logged
   * @param stream "stdout" or "stderr"
   * @param partialAtEnd the log ends before the line does (the container has not finished it)
   */
  public record Entry(Instant time, String stream, String text, boolean partialAtEnd) {}

  private static final long POLL_MILLIS = 100;

  private final Path path;

  public CriLog(Path path) {
    this.path = path;
  }

  /** The log's files oldest first: PATH.(N-1) … PATH.1, PATH (those that exist). */
  public List<Path> files() {
    List<Path> rotated = new ArrayList<>();
    for (int i = 1; Files.exists(rotatedFile(i)); i++) {
      rotated.add(0, rotatedFile(i));
    }
    if (Files.exists(path)) {
      rotated.add(path);
    }
    return rotated;
  }

  private Path rotatedFile(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  /**
   * The whole log's lines in order.
   *
   * @param tail only the last this many (negative: all)
   * @param since only lines logged at or after this time (null: all)
   */
  public List<Entry> read(int tail, Instant since) {
    List<Entry> out = new ArrayList<>();
    Joiner j = new Joiner(filter(since, out::add));
    for (Path f : files()) {
      try {
        j.feedFile(Files.readAllBytes(f));
      } catch (NoSuchFileException e) {
        // Rotated away between listing and reading; its lines are gone.
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    j.finish();
    return tail(out, tail);
  }

  /**
   * Sends the log's lines (as {@link #read}) to {@code sink}, then the lines that keep coming,
   * polling the file and following it across rotations, until {@code stop} is true and nothing
   * more is there.
   */
  public void follow(int tail, Instant since, BooleanSupplier stop, Consumer<Entry> sink)
      throws InterruptedException {
    List<Entry> first = new ArrayList<>();
    Joiner j = new Joiner(filter(since, first::add));
    // The live file is opened first: whatever is rotated after this is read from the channel.
    Live live = Live.open(path);
    for (Path f : files()) {
      if (!f.equals(path)) {
        try {
          j.feedFile(Files.readAllBytes(f));
        } catch (NoSuchFileException e) {
          // Rotated away meanwhile.
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    try {
      live.readInto(j);
      tail(first, tail).forEach(sink);
      j.sink = filter(since, sink);
      while (true) {
        boolean stopping = stop.getAsBoolean();
        boolean got = live.readInto(j);
        Live next = live.replacement(path);
        if (next != null) {
          live.readInto(j); // what was written before the rotation
          live.close();
          live = next;
          got = true;
        }
        if (!got) {
          if (stopping) {
            j.finish();
            return;
          }
          Thread.sleep(POLL_MILLIS);
        }
      }
    } finally {
      live.close();
    }
  }

  private static Consumer<Entry> filter(Instant since, Consumer<Entry> sink) {
    return since == null ? sink : e -> {
      if (!e.time().isBefore(since)) {
        sink.accept(e);
      }
    };
  }

  private static List<Entry> tail(List<Entry> all, int n) {
    return n < 0 || n >= all.size() ? all : new ArrayList<>(all.subList(all.size() - n, all.size()));
  }

  /** The live file, read by position; an inode other than ours at the path means rotation. */
  private static final class Live {
    final FileChannel ch;
    final Object inode;
    long pos;
    final ByteArrayOutputStream carry = new ByteArrayOutputStream();

    private Live(FileChannel ch, Object inode) {
      this.ch = ch;
      this.inode = inode;
    }

    static Live open(Path path) {
      try {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        return new Live(ch, Files.getAttribute(path, "unix:ino"));
      } catch (NoSuchFileException e) {
        return new Live(null, null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Feeds what was appended since the last call; true if anything was. */
    boolean readInto(Joiner j) {
      if (ch == null) {
        return false;
      }
      try {
        long size = ch.size();
        if (size < pos) {
          // Truncated in place (max-files 1): start over at the top.
          pos = 0;
          carry.reset();
        }
        if (size == pos) {
          return false;
        }
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(size - pos, 1 << 20));
        int n = ch.read(buf, pos);
        if (n <= 0) {
          return false;
        }
        pos += n;
        carry.write(buf.array(), 0, n);
        byte[] all = carry.toByteArray();
        int end = lastNewline(all) + 1;
        carry.reset();
        carry.write(all, end, all.length - end);
        j.feed(all, 0, end);
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    Live replacement(Path path) {
      try {
        Object now = Files.getAttribute(path, "unix:ino");
        return now.equals(inode) ? null : open(path);
      } catch (NoSuchFileException e) {
        return null; // between the renames of a rotation
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void close() {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException e) {
        // Read-only; nothing is lost.
      }
    }

    private static int lastNewline(byte[] b) {
      for (int i = b.length - 1; i >= 0; i--) {
        if (b[i] == '\n') {
          return i;
        }
      }
      return -1;
    }
  }

  /** Parses records and joins the P pieces of each stream into lines. */
  static final class Joiner {
    Consumer<Entry> sink;
    private final Map<String, Instant> pendingTime = new HashMap<>();
    private final Map<String, ByteArrayOutputStream> pending = new HashMap<>();
    private final ArrayDeque<String> order = new ArrayDeque<>();

    Joiner(Consumer<Entry> sink) {
      this.sink = sink;
    }

    void feedFile(byte[] data) {
      int end = data.length;
      // A record still being written (no newline yet) is not a record.
      while (end > 0 && data[end - 1] != '\n') {
        end--;
      }
      feed(data, 0, end);
    }

    void feed(byte[] data, int from, int to) {
      int start = from;
      for (int i = from; i < to; i++) {
        if (data[i] == '\n') {
          record(data, start, i);
          start = i + 1;
        }
      }
    }

    private void record(byte[] b, int from, int to) {
      int s1 = indexOf(b, ' ', from, to);
      int s2 = s1 < 0 ? -1 : indexOf(b, ' ', s1 + 1, to);
      int s3 = s2 < 0 ? -1 : indexOf(b, ' ', s2 + 1, to);
      if (s3 < 0) {
        return; // not a CRI record
      }
      Instant time;
      try {
        time = Instant.parse(new String(b, from, s1 - from, StandardCharsets.US_ASCII));
      } catch (DateTimeParseException e) {
        return;
      }
      String stream = new String(b, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
      boolean partial = s3 - s2 - 1 >= 1 && b[s2 + 1] == 'P';
      ByteArrayOutputStream acc = pending.get(stream);
      if (acc == null) {
        acc = new ByteArrayOutputStream();
        pending.put(stream, acc);
        pendingTime.put(stream, time);
        order.add(stream);
      }
      acc.write(b, s3 + 1, to - s3 - 1);
      if (!partial) {
        emit(stream, false);
      }
    }

    private void emit(String stream, boolean partialAtEnd) {
      ByteArrayOutputStream acc = pending.remove(stream);
      Instant time = pendingTime.remove(stream);
      order.remove(stream);
      sink.accept(new Entry(time, stream, acc.toString(StandardCharsets.UTF_8), partialAtEnd));
    }

    /** The log ends here: lines still open are given out as they are. */
    void finish() {
      while (!order.isEmpty()) {
        emit(order.peek(), true);
      }
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
      for (int i = from; i < to; i++) {
        if (b[i] == c) {
          return i;
        }
      }
      return -1;
    }
  }
}
