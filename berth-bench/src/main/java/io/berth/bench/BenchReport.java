package io.berth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts hyperfine's measurements of the command-line runtimes and RuntimeBench's measurements of
 * the library side by side: a table per mode of measurement (median, p90, min, ratios to runc and
 * crun, all computed here by {@link Stats} from the raw times, so every row uses the same
 * definitions) and one JSON document with the raw times and the machine they were taken on.
 *
 * <pre>
 * BenchReport [--hyperfine MODE=FILE]... [--library MODE=FILE]... [--out FILE]
 *             [--meta GROUP.KEY=VALUE]... [--failed TOOL=MESSAGE]...
 * </pre>
 *
 * A mode names one way of measuring (e.g. "isolated" with a pause before each container, or
 * "back-to-back"); modes print in the order they are first named.
 */
public final class BenchReport {
  /** One line of the comparison. */
  record Row(String tool, String kind, double[] timesMs, Double userMs, Double systemMs) {
    Stats stats() {
      return Stats.of(timesMs);
    }
  }

  public static void main(String[] args) throws IOException {
    Map<String, List<Path>> hyperfine = new LinkedHashMap<>();
    Map<String, List<Path>> library = new LinkedHashMap<>();
    List<String> modes = new ArrayList<>();
    Path out = null;
    Map<String, Object> meta = new LinkedHashMap<>();
    List<Map<String, String>> failed = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!List.of("--hyperfine", "--library", "--out", "--meta", "--failed").contains(a)) {
        fail("unknown argument \"" + a + "\"");
      }
      String v = i + 1 < args.length ? args[++i] : fail(a + " needs a value");
      switch (a) {
        case "--hyperfine" -> putMode(hyperfine, modes, v);
        case "--library" -> putMode(library, modes, v);
        case "--out" -> out = Path.of(v);
        case "--meta" -> putMeta(meta, v);
        case "--failed" -> {
          int eq = v.indexOf('=');
          failed.add(Map.of("tool", eq < 0 ? v : v.substring(0, eq), "error", eq < 0 ? "" : v.substring(eq + 1)));
        }
        default -> fail("unknown argument \"" + a + "\"");
      }
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    List<Map<String, Object>> modeDocs = new ArrayList<>();
    for (String mode : modes) {
      List<Row> rows = new ArrayList<>();
      for (Path f : hyperfine.getOrDefault(mode, List.of())) {
        rows.addAll(fromHyperfine(json.readTree(f.toFile())));
      }
      List<JsonNode> libs = new ArrayList<>();
      for (Path f : library.getOrDefault(mode, List.of())) {
        JsonNode lib = json.readTree(f.toFile());
        libs.add(lib);
        rows.addAll(fromLibrary(lib));
      }
      System.out.println(mode + ":");
      System.out.print(table(rows));
      System.out.println();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mode", mode);
      m.put("results", toJson(rows));
      m.put("library", libs);
      modeDocs.add(m);
    }
    for (var f : failed) {
      System.out.println(f.get("tool") + ": FAILED: " + f.get("error"));
    }
    if (out != null) {
      Map<String, Object> doc = new LinkedHashMap<>(meta);
      doc.put("failed", failed);
      doc.put("modes", modeDocs);
      Files.writeString(out, json.writeValueAsString(doc) + "\n");
    }
  }

  /** "MODE=FILE" into the map, remembering the mode's first appearance. */
  static void putMode(Map<String, List<Path>> files, List<String> modes, String modeFile) {
    int eq = modeFile.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("want MODE=FILE, not \"" + modeFile + "\"");
    }
    String mode = modeFile.substring(0, eq);
    files.computeIfAbsent(mode, k -> new ArrayList<>()).add(Path.of(modeFile.substring(eq + 1)));
    if (!modes.contains(mode)) {
      modes.add(mode);
    }
  }

  private static String fail(String message) {
    System.err.println("BenchReport: " + message);
    System.exit(2);
    return null;
  }

  /** "a.b=c" becomes {"a": {"b": "c"}}; "a=c" stays flat. */
  static void putMeta(Map<String, Object> meta, String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("--meta wants GROUP.KEY=VALUE, not \"" + kv + "\"");
    }
    String key = kv.substring(0, eq);
    String value = kv.substring(eq + 1);
    int dot = key.indexOf('.');
    if (dot < 0) {
      meta.put(key, value);
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> group =
        (Map<String, Object>) meta.computeIfAbsent(key.substring(0, dot), k -> new LinkedHashMap<String, Object>());
    group.put(key.substring(dot + 1), value);
  }

  static List<Row> fromHyperfine(JsonNode doc) {
    List<Row> rows = new ArrayList<>();
    for (JsonNode r : doc.path("results")) {
      double[] t = new double[r.path("times").size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = r.path("times").get(i).asDouble() * 1000;
      }
      rows.add(new Row(r.path("command").asText(), "process", t,
          r.path("user").asDouble() * 1000, r.path("system").asDouble() * 1000));
    }
    return rows;
  }

  static List<Row> fromLibrary(JsonNode doc) {
    List<Row> rows = new ArrayList<>();
    JsonNode paths = doc.path("paths");
    for (var path : List.of(RuntimeBench.RUN, RuntimeBench.CREATE_START)) {
      JsonNode times = paths.path(path).path("total").path("times_ms");
      if (times.isEmpty()) {
        continue;
      }
      double[] t = new double[times.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = times.get(i).asDouble();
      }
      String label = path.equals(RuntimeBench.RUN) ? "run+wait+delete" : "create+start+wait+delete";
      rows.add(new Row("berth library " + label + ", " + doc.path("warmup").asInt() + " warm-ups", "library", t, null, null));
    }
    return rows;
  }

  static Double ratio(List<Row> rows, Row row, String reference) {
    for (Row r : rows) {
      if (r.tool().equals(reference)) {
        return row.stats().median() / r.stats().median();
      }
    }
    return null;
  }

  static String table(List<Row> rows) {
    Table t = new Table("tool", "median ms", "p90 ms", "min ms", "x runc", "x crun");
    for (Row r : rows) {
      Stats s = r.stats();
      t.row(r.tool(), s.median(), s.p90(), s.min(), ratio(rows, r, "runc"), ratio(rows, r, "crun"));
    }
    return t.render();
  }

  private static List<Map<String, Object>> toJson(List<Row> rows) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("tool", r.tool());
      m.put("kind", r.kind());
      m.putAll(r.stats().toJson());
      Double vr = ratio(rows, r, "runc");
      Double vc = ratio(rows, r, "crun");
      m.put("ratio_to_runc", vr == null ? null : Math.round(vr * 100) / 100.0);
      m.put("ratio_to_crun", vc == null ? null : Math.round(vc * 100) / 100.0);
      if (r.userMs() != null) {
        m.put("user_mean_ms", Stats.round(r.userMs()));
        m.put("system_mean_ms", Stats.round(r.systemMs()));
      }
      List<Double> times = new ArrayList<>();
      for (double v : r.timesMs()) {
        times.add(Stats.round(v));
      }
      m.put("times_ms", times);
      out.add(m);
    }
    return out;
  }
}
