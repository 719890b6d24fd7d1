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
 * The engine benchmark's report ({@code scripts/bench-engine}): Berth beside podman, containerd
 * (ctr) and docker, one table of figures (start to exit, monitor memory, 50 detached
 * containers...), each engine's median, spread and the ratio of Berth's median to its median.
 * The script measures; this class only summarises, so every figure uses {@link Stats}' definitions.
 *
 * <pre>
 * EngineReport --figure KEY=UNIT=TITLE... [--hyperfine KEY=FILE]... [--samples FILE]...
 *              [--from-json FILE]... [--skipped ENGINE=REASON]... [--meta GROUP.KEY=VALUE]...
 *              [--section TITLE] [--written-by TEXT] [--also-compare ROW]...
 *              [--json FILE] [--markdown FILE] [--results-link PATH]
 * </pre>
 *
 * <ul>
 *   <li>{@code --hyperfine}: a hyperfine JSON export whose command names are engine names; its
 *       times (seconds) become samples of the figure in milliseconds. Repeat the option for each
 *       round of a round-robin measurement: the samples add up.
 *   <li>{@code --samples}: tab-separated lines {@code FIGURE ENGINE VALUE}, the value in the
 *       figure's unit.
 *   <li>{@code --from-json}: a document this class wrote with {@code --json}: its figures and
 *       samples are added (so {@code bench/run} prints one table of every scenario group).
 *   <li>{@code --also-compare}: a Berth row (e.g. "berth (daemon)") that gets its own ratio column,
 *       "ROW ÷ engine", in the figures that have it.
 *   <li>{@code --section}: the heading of the section written (default "Engine"); each scenario
 *       group ({@code bench/run}) has its own, with its own {@code --written-by} sentence.
 *   <li>{@code --markdown}: the file whose section "## TITLE" is replaced (or appended, or the
 *       file created); every other section is kept as it is.
 * </ul>
 *
 * <p>The ratio's numerator is the figure's row named "berth" or, when there is none (daemon,
 * library, pull scenarios), its first row whose name starts with "berth": a figure lists Berth's
 * rows first.
 */
public final class EngineReport {
  /** Berth's own row: the numerator of every ratio. */
  static final String REFERENCE = "berth";
  static final String SECTION = "## Engine";
  static final String WRITTEN_BY = "Written by `scripts/bench-engine` (what is measured and how: "
      + "[bench/README.md](../bench/README.md#engine-berth-beside-podman-containerd-and-docker)); do not edit by hand.";

  record Figure(String key, String unit, String title) {}

  record Row(String engine, double[] samples) {
    Stats stats() {
      return Stats.of(samples);
    }
  }

  /** Figures in the order given; engines in the order their samples first appear. */
  static final class Data {
    final List<Figure> figures = new ArrayList<>();
    final Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
    /** Berth rows that get a ratio column of their own (e.g. "berth (daemon)"), beside Berth's. */
    final List<String> alsoCompared = new ArrayList<>();

    void add(String figure, String engine, double value) {
      if (figures.stream().noneMatch(f -> f.key().equals(figure))) {
        throw new IllegalArgumentException("samples for figure \"" + figure + "\", which no --figure names");
      }
      samples.computeIfAbsent(figure, k -> new LinkedHashMap<>()).computeIfAbsent(engine, k -> new ArrayList<>()).add(value);
    }

    List<Row> rows(String figure) {
      List<Row> rows = new ArrayList<>();
      samples.getOrDefault(figure, Map.of()).forEach((engine, v) ->
          rows.add(new Row(engine, v.stream().mapToDouble(Double::doubleValue).toArray())));
      return rows;
    }
  }

  public static void main(String[] args) throws IOException {
    Data data = new Data();
    Map<String, Object> meta = new LinkedHashMap<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    Path json = null;
    Path markdown = null;
    String resultsLink = null;
    String section = SECTION;
    String writtenBy = WRITTEN_BY;
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        fail(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--figure" -> {
          String[] p = v.split("=", 3);
          if (p.length != 3) {
            fail("--figure wants KEY=UNIT=TITLE, not \"" + v + "\"");
          }
          data.figures.add(new Figure(p[0], p[1], p[2]));
        }
        case "--hyperfine" -> {
          int eq = v.indexOf('=');
          if (eq <= 0) {
            fail("--hyperfine wants FIGURE=FILE, not \"" + v + "\"");
          }
          addHyperfine(data, v.substring(0, eq), mapper.readTree(Path.of(v.substring(eq + 1)).toFile()));
        }
        case "--samples" -> addSamples(data, Files.readAllLines(Path.of(v)));
        case "--from-json" -> addJson(data, mapper.readTree(Path.of(v).toFile()));
        case "--section" -> section = "## " + v;
        case "--also-compare" -> data.alsoCompared.add(v);
        case "--written-by" -> writtenBy = v;
        case "--skipped" -> {
          int eq = v.indexOf('=');
          skipped.put(eq < 0 ? v : v.substring(0, eq), eq < 0 ? "" : v.substring(eq + 1));
        }
        case "--meta" -> BenchReport.putMeta(meta, v);
        case "--json" -> json = Path.of(v);
        case "--markdown" -> markdown = Path.of(v);
        case "--results-link" -> resultsLink = v;
        default -> fail("unknown argument \"" + a + "\"");
      }
    }
    System.out.print(table(data));
    skipped.forEach((engine, why) -> System.out.println(engine + ": skipped: " + why));
    if (json != null) {
      Map<String, Object> doc = new LinkedHashMap<>(meta);
      doc.put("skipped", skipped);
      doc.put("figures", toJson(data));
      Files.writeString(json, mapper.writeValueAsString(doc) + "\n");
    }
    if (markdown != null) {
      String old = Files.exists(markdown) ? Files.readString(markdown) : null;
      Files.writeString(markdown, replaceSection(old, section,
          section(section, writtenBy, data, meta, skipped, resultsLink)));
    }
  }

  static void addHyperfine(Data data, String figure, JsonNode doc) {
    for (JsonNode r : doc.path("results")) {
      for (JsonNode t : r.path("times")) {
        data.add(figure, r.path("command").asText(), t.asDouble() * 1000);
      }
    }
  }

  /** Figures and samples of a document written with --json; a figure already named keeps its title. */
  static void addJson(Data data, JsonNode doc) {
    for (JsonNode f : doc.path("figures")) {
      String key = f.path("figure").asText();
      if (data.figures.stream().noneMatch(x -> x.key().equals(key))) {
        data.figures.add(new Figure(key, f.path("unit").asText(), f.path("title").asText()));
      }
      for (JsonNode r : f.path("results")) {
        for (JsonNode v : r.path("samples")) {
          data.add(key, r.path("engine").asText(), v.asDouble());
        }
      }
    }
  }

  static void addSamples(Data data, List<String> lines) {
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String[] p = line.split("\t");
      if (p.length != 3) {
        throw new IllegalArgumentException("want FIGURE<TAB>ENGINE<TAB>VALUE, not \"" + line + "\"");
      }
      data.add(p[0], p[1], Double.parseDouble(p[2]));
    }
  }

  /** Berth's median over this row's median; null for Berth's own row or without a Berth row. */
  static Double ratio(List<Row> rows, Row row) {
    Row ref = reference(rows);
    if (ref == null || row.engine().startsWith(REFERENCE)) {
      return null;
    }
    return ref.stats().median() / row.stats().median();
  }

  /** {@code name}'s median over this row's; null for Berth's rows or when the figure has no such row. */
  static Double ratioOf(String name, List<Row> rows, Row row) {
    if (row.engine().startsWith(REFERENCE)) {
      return null;
    }
    for (Row r : rows) {
      if (r.engine().equals(name)) {
        return r.stats().median() / row.stats().median();
      }
    }
    return null;
  }

  /** The row named "berth", else the first whose name starts with "berth", else none. */
  static Row reference(List<Row> rows) {
    for (Row r : rows) {
      if (r.engine().equals(REFERENCE)) {
        return r;
      }
    }
    for (Row r : rows) {
      if (r.engine().startsWith(REFERENCE)) {
        return r;
      }
    }
    return null;
  }

  /** Memory in whole KiB, seconds to the 10 ms, milliseconds to the 0.1 ms. */
  static String format(String unit, double v) {
    return switch (unit) {
      case "KiB" -> String.format("%.0f", v);
      case "ms" -> String.format("%.1f", v);
      default -> String.format("%.2f", v);
    };
  }

  /** The cells of every line: figure (on its first line only), engine, n, median, min–max, stddev, ratio. */
  static List<String[]> cells(Data data) {
    List<String[]> out = new ArrayList<>();
    for (Figure f : data.figures) {
      List<Row> rows = data.rows(f.key());
      boolean first = true;
      for (Row r : rows) {
        Stats s = r.stats();
        List<String> c = new ArrayList<>(List.of(
            first ? f.title() + " (" + f.unit() + ")" : "",
            r.engine(),
            Integer.toString(s.n()),
            format(f.unit(), s.median()),
            format(f.unit(), s.min()) + "–" + format(f.unit(), s.max()),
            format(f.unit(), s.stddev()),
            ratioCell(ratio(rows, r))));
        for (String name : data.alsoCompared) {
          c.add(ratioCell(ratioOf(name, rows, r)));
        }
        out.add(c.toArray(String[]::new));
        first = false;
      }
    }
    return out;
  }

  private static String ratioCell(Double x) {
    return x == null ? "-" : String.format("%.2f", x);
  }

  private static final String[] HEADER = {"figure", "engine", "n", "median", "min–max", "stddev", "berth ÷ engine"};

  static String[] header(Data data) {
    List<String> h = new ArrayList<>(List.of(HEADER));
    data.alsoCompared.forEach(name -> h.add(name + " ÷ engine"));
    return h.toArray(String[]::new);
  }

  static String table(Data data) {
    Table t = new Table(header(data));
    for (String[] c : cells(data)) {
      t.row((Object[]) c);
    }
    return t.render();
  }

  static String markdownTable(Data data) {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", header(data))).append(" |\n");
    b.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |").append(" ---: |".repeat(data.alsoCompared.size())).append('\n');
    for (String[] c : cells(data)) {
      b.append("| ").append(String.join(" | ", c)).append(" |\n");
    }
    return b.toString();
  }

  /** A section ("## Engine"...): when, where, with what, the table, and what was left out. */
  static String section(String heading, String writtenBy, Data data, Map<String, Object> meta,
      Map<String, String> skipped, String resultsLink) {
    StringBuilder b = new StringBuilder();
    b.append(heading).append("\n\n");
    b.append(writtenBy).append("\n\n");
    b.append("- date: ").append(meta.getOrDefault("date", "?")).append(", commit ")
        .append(meta.getOrDefault("commit", "?")).append('\n');
    for (String group : List.of("machine", "method", "versions")) {
      if (meta.get(group) instanceof Map<?, ?> m) {
        b.append("- ").append(group).append(":\n");
        m.forEach((k, v) -> b.append("  - ").append(k).append(": ").append(v).append('\n'));
      }
    }
    b.append('\n').append(markdownTable(data));
    if (!skipped.isEmpty()) {
      b.append('\n');
      skipped.forEach((engine, why) -> b.append("- ").append(engine).append(": not measured: ").append(why).append('\n'));
    }
    if (resultsLink != null) {
      b.append("\nRaw numbers: [").append(resultsLink).append("](").append(resultsLink).append(").\n");
    }
    return b.toString();
  }

  /**
   * The document with its section {@code heading} (up to the next "## " heading) replaced by
   * {@code section}, or with {@code section} appended when it has none; a new document when
   * {@code doc} is null.
   */
  static String replaceSection(String doc, String heading, String section) {
    if (doc == null) {
      return "# Benchmarks\n\n" + section;
    }
    List<String> lines = doc.lines().toList();
    int start = -1;
    int end = lines.size();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (start < 0 && l.strip().equals(heading)) {
        start = i;
      } else if (start >= 0 && l.startsWith("## ")) {
        end = i;
        break;
      }
    }
    StringBuilder b = new StringBuilder();
    if (start < 0) {
      b.append(doc.stripTrailing()).append("\n\n").append(section);
      return b.toString();
    }
    for (String l : lines.subList(0, start)) {
      b.append(l).append('\n');
    }
    b.append(section);
    if (end < lines.size()) {
      b.append('\n');
      for (String l : lines.subList(end, lines.size())) {
        b.append(l).append('\n');
      }
    }
    return b.toString();
  }

  private static List<Map<String, Object>> toJson(Data data) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Figure f : data.figures) {
      Map<String, Object> fig = new LinkedHashMap<>();
      fig.put("figure", f.key());
      fig.put("title", f.title());
      fig.put("unit", f.unit());
      List<Map<String, Object>> results = new ArrayList<>();
      List<Row> rows = data.rows(f.key());
      for (Row r : rows) {
        Stats s = r.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", r.engine());
        m.put("n", s.n());
        m.put("median", Stats.round(s.median()));
        m.put("p90", Stats.round(s.p90()));
        m.put("min", Stats.round(s.min()));
        m.put("max", Stats.round(s.max()));
        m.put("mean", Stats.round(s.mean()));
        m.put("stddev", Stats.round(s.stddev()));
        Double x = ratio(rows, r);
        m.put("ratio_berth_to_engine", x == null ? null : Math.round(x * 1000) / 1000.0);
        for (String name : data.alsoCompared) {
          Double y = ratioOf(name, rows, r);
          if (y != null) {
            m.put("ratio_" + name.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("_$", "") + "_to_engine",
                Math.round(y * 1000) / 1000.0);
          }
        }
        List<Double> samples = new ArrayList<>();
        for (double v : r.samples()) {
          samples.add(Stats.round(v));
        }
        m.put("samples", samples);
        results.add(m);
      }
      fig.put("results", results);
      out.add(fig);
    }
    return out;
  }

  private static void fail(String message) {
    System.err.println("EngineReport: " + message);
    System.exit(2);
  }
}
