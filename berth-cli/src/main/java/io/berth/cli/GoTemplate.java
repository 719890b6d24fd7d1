package io.berth.cli;

import io.berth.oci.SpecJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that {@code --format} is used with: {@code {{.Field}}}, nested
 * {@code {{.State.Status}}}, {@code {{json .Config}}}, {@code {{index .Config.Labels "k"}}}, and
 * docker's {@code table} prefix, which prints a header and aligns the columns.
 */
final class GoTemplate {
  private static final Pattern ACTION = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}");

  private GoTemplate() {}

  static String render(String template, Map<?, ?> data) {
    String t = template.replace("\\t", "\t").replace("\\n", "\n");
    Matcher m = ACTION.matcher(t);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(eval(m.group(1), data)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Go's encoding/json writes a map's keys sorted; scripts compare that output as text. */
  private static Object sorted(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new java.util.TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), sorted(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(GoTemplate::sorted).toList();
    }
    return v;
  }

  private static String eval(String expr, Map<?, ?> data) {
    List<String> words = words(expr);
    if (words.isEmpty()) {
      return "";
    }
    switch (words.get(0)) {
      case "json" -> {
        return SpecJson.toString(sorted(value(words.size() > 1 ? words.get(1) : ".", data)));
      }
      case "index" -> {
        if (words.size() < 3) {
          throw new Flags.UsageException("template: index needs a map and a key: " + expr);
        }
        Object v = value(words.get(1), data);
        String key = unquote(words.get(2));
        return v instanceof Map<?, ?> map ? text(map.get(key)) : "";
      }
      case "upper" -> {
        return text(value(words.get(1), data)).toUpperCase(java.util.Locale.ROOT);
      }
      case "lower" -> {
        return text(value(words.get(1), data)).toLowerCase(java.util.Locale.ROOT);
      }
      default -> {
        if (!words.get(0).startsWith(".")) {
          throw new Flags.UsageException("template: unsupported action {{" + expr + "}}");
        }
        return text(value(words.get(0), data));
      }
    }
  }

  private static List<String> words(String expr) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|\\S+").matcher(expr);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static String unquote(String s) {
    return s.startsWith("\"") && s.endsWith("\"") && s.length() >= 2 ? s.substring(1, s.length() - 1) : s;
  }

  private static Object value(String path, Map<?, ?> data) {
    if (path.equals(".")) {
      return data;
    }
    Object cur = data;
    for (String part : path.substring(1).split("\\.")) {
      if (!(cur instanceof Map<?, ?> map)) {
        return null;
      }
      if (!map.containsKey(part)) {
        throw new Flags.UsageException("template: can't evaluate field " + part);
      }
      cur = map.get(part);
    }
    return cur;
  }

  private static String text(Object v) {
    if (v == null) {
      return "<no value>";
    }
    if (v instanceof Map<?, ?> || v instanceof List<?>) {
      if (v instanceof List<?> l) {
        return "[" + String.join(" ", l.stream().map(GoTemplate::text).toList()) + "]";
      }
      return "map" + SpecJson.toString(v);
    }
    return v.toString();
  }

  /**
   * Rows through a template; with the {@code table} prefix, a header row (each field's title)
   * and columns padded as Go's tabwriter does (three spaces apart).
   */
  static String table(String template, List<Map<String, Object>> rows, Map<String, String> headers, boolean always) {
    boolean table = template.startsWith("table");
    String t = table ? template.substring(5).trim() : template;
    List<String> lines = new ArrayList<>();
    if (table) {
      Matcher m = ACTION.matcher(t.replace("\\t", "\t"));
      StringBuilder h = new StringBuilder();
      while (m.find()) {
        String field = m.group(1).replaceFirst("^\\.", "");
        m.appendReplacement(h, Matcher.quoteReplacement(headers.getOrDefault(field, field.toUpperCase(java.util.Locale.ROOT))));
      }
      m.appendTail(h);
      lines.add(h.toString());
    }
    for (Map<String, Object> r : rows) {
      lines.add(render(t, r));
    }
    if (!table) {
      StringBuilder sb = new StringBuilder();
      lines.forEach(l -> sb.append(l).append('\n'));
      return sb.toString();
    }
    return align(lines);
  }

  static String align(List<String> lines) {
    List<String[]> cells = lines.stream().map(l -> l.split("\t", -1)).toList();
    int cols = cells.stream().mapToInt(c -> c.length).max().orElse(0);
    int[] width = new int[cols];
    for (String[] c : cells) {
      for (int i = 0; i < c.length - 1; i++) {
        width[i] = Math.max(width[i], c[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] c : cells) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < c.length; i++) {
        line.append(c[i]);
        if (i < c.length - 1) {
          line.append(" ".repeat(width[i] - c[i].length() + 3));
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
