package io.berth.docker;

import io.berth.server.HttpException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The output of {@code ps} as Docker's top answers it: the titles, and the rows of the container's processes. */
final class Top {
  private Top() {}

  static Map<String, Object> parse(String psOutput, Set<Integer> pids) {
    List<String> lines = psOutput.lines().filter(l -> !l.isBlank()).toList();
    if (lines.isEmpty()) {
      throw new HttpException(500, "ps printed nothing");
    }
    String[] titles = lines.get(0).trim().split("\\s+");
    int pidColumn = List.of(titles).indexOf("PID");
    if (pidColumn < 0) {
      throw new HttpException(500, "Couldn't find PID field in ps output");
    }
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      // The last column (the command) may hold spaces: it takes the rest of the line.
      String[] fields = line.trim().split("\\s+", titles.length);
      if (fields.length <= pidColumn) {
        continue;
      }
      try {
        if (pids.contains(Integer.parseInt(fields[pidColumn]))) {
          rows.add(List.of(fields));
        }
      } catch (NumberFormatException e) {
        // not a process line
      }
    }
    return Map.of("Titles", List.of(titles), "Processes", rows);
  }
}
