package io.berth.cli;

import io.berth.image.pull.ImagePuller;
import io.berth.image.spec.Digest;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pull progress as podman shows it: on a terminal one bar per blob, redrawn in place; otherwise
 * one plain line per finished blob (logs and pipes stay readable); nothing with --quiet.
 */
final class PullProgress implements Consumer<ImagePuller.Progress> {
  private static final int WIDTH = 30;

  private final PrintStream err;
  private final boolean terminal;
  private final Map<Digest, long[]> blobs = new LinkedHashMap<>();
  private int drawn;
  private long lastDraw;

  PullProgress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  static Consumer<ImagePuller.Progress> forStderr(boolean quiet) {
    if (quiet) {
      return p -> {};
    }
    return new PullProgress(System.err, System.console() != null && System.console().isTerminal());
  }

  @Override
  public synchronized void accept(ImagePuller.Progress p) {
    boolean finished = p.what().equals("done") || p.what().equals("exists");
    if (!terminal) {
      if (finished) {
        err.println((p.what().equals("exists") ? "Blob exists " : "Copied blob ") + p.digest().shortHex());
      }
      return;
    }
    blobs.put(p.digest(), new long[] {p.done(), p.total(), finished ? 1 : 0});
    long now = System.nanoTime();
    if (!finished && now - lastDraw < 100_000_000L) {
      return; // ten frames a second are plenty
    }
    lastDraw = now;
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append("\033[").append(drawn).append('A');
    }
    for (var e : blobs.entrySet()) {
      long[] v = e.getValue();
      int filled = v[1] > 0 ? (int) Math.min(WIDTH, WIDTH * v[0] / v[1]) : WIDTH;
      b.append("\r\033[2K")
          .append(v[2] == 1 ? "Copied blob " : "Copying blob ")
          .append(e.getKey().shortHex()).append(" [")
          .append("=".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ")
          .append(size(v[0])).append(" / ").append(size(v[1])).append('\n');
    }
    drawn = blobs.size();
    err.print(b);
    err.flush();
  }

  private static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + "B";
    }
    if (bytes < 1024 * 1024) {
      return String.format(java.util.Locale.ROOT, "%.1fKiB", bytes / 1024.0);
    }
    return String.format(java.util.Locale.ROOT, "%.1fMiB", bytes / (1024.0 * 1024));
  }
}
