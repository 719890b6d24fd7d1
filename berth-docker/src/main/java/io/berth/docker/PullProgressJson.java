package io.berth.docker;

import io.berth.image.pull.ImagePuller;
import io.berth.image.spec.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Pull progress as Docker's JSON messages, one per line: "Pulling fs layer", "Downloading" with
 * {@code progressDetail} (at most ten a second per blob), "Download complete" and "Pull
 * complete", or "Already exists"; each blob named by the first 12 digits of its digest, as the
 * docker CLI lays them out.
 */
final class PullProgressJson implements Consumer<ImagePuller.Progress> {
  interface Lines {
    void write(byte[] line) throws IOException;
  }

  private final Lines out;
  private final Set<Digest> seen = new HashSet<>();
  private final Map<Digest, Long> lastDraw = new java.util.HashMap<>();

  PullProgressJson(Lines out) {
    this.out = out;
  }

  static Map<String, Object> status(String status, String id) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    if (id != null) {
      m.put("id", id);
    }
    return m;
  }

  static Map<String, Object> error(String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("errorDetail", Map.of("message", message));
    m.put("error", message);
    return m;
  }

  synchronized void send(Map<String, Object> message) {
    try {
      out.write(Json.line(message));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void accept(ImagePuller.Progress p) {
    String id = p.digest().shortHex();
    if (p.what().equals("exists")) {
      if (seen.add(p.digest())) {
        send(detail("Already exists", id, null));
      }
      return;
    }
    if (seen.add(p.digest())) {
      send(detail("Pulling fs layer", id, null));
    }
    switch (p.what()) {
      case "downloading" -> {
        long now = System.nanoTime();
        Long last = lastDraw.get(p.digest());
        if (last != null && now - last < 100_000_000L && p.done() < p.total()) {
          return;
        }
        lastDraw.put(p.digest(), now);
        Map<String, Object> m = detail("Downloading", id, Map.of("current", p.done(), "total", p.total()));
        m.put("progress", bar(p.done(), p.total()));
        send(m);
      }
      case "done" -> {
        send(detail("Download complete", id, null));
        send(detail("Pull complete", id, null));
      }
      default -> { }
    }
  }

  private static Map<String, Object> detail(String status, String id, Map<String, Object> detail) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", status);
    m.put("progressDetail", detail == null ? Map.of() : detail);
    m.put("id", id);
    return m;
  }

  /** Docker's text bar: {@code [=====>      ]  1.2MB/3.4MB}. */
  static String bar(long done, long total) {
    int width = 50;
    int filled = total > 0 ? (int) Math.min(width, width * done / total) : 0;
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < width; i++) {
      b.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    return b.append("] ").append(size(done)).append('/').append(size(total)).toString();
  }

  static String size(long bytes) {
    if (bytes < 1000) {
      return bytes + "B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = bytes;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.4g%s", v, units[u]).replaceAll("\\.?0+(?=[kMGT])", "");
  }
}
