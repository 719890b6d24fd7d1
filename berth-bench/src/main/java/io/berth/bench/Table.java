package io.berth.bench;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table: the first column left-aligned, the others (numbers) right-aligned. */
final class Table {
  private final String[] header;
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    this.header = header;
  }

  /** Adds a row; doubles print with two decimals, null as "-". */
  Table row(Object... cells) {
    if (cells.length != header.length) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.length);
    }
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = switch (cells[i]) {
        case null -> "-";
        case Double d -> String.format("%.2f", d);
        default -> cells[i].toString();
      };
    }
    rows.add(r);
    return this;
  }

  String render() {
    int[] w = new int[header.length];
    for (int i = 0; i < header.length; i++) {
      w[i] = header[i].length();
      for (String[] r : rows) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    line(b, header, w);
    String[] rule = new String[header.length];
    for (int i = 0; i < w.length; i++) {
      rule[i] = "-".repeat(w[i]);
    }
    line(b, rule, w);
    for (String[] r : rows) {
      line(b, r, w);
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String[] cells, int[] w) {
    StringBuilder l = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) {
        l.append("  ");
      }
      String pad = " ".repeat(w[i] - cells[i].length());
      l.append(i == 0 ? cells[i] + pad : pad + cells[i]);
    }
    b.append(l.toString().stripTrailing()).append('\n');
  }
}
