package io.berth.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.bench.BenchReport.Row;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void hyperfineSecondsBecomeMilliseconds() throws Exception {
    var doc = JSON.readTree(
        """
        {"results": [{"command": "runc", "user": 0.002, "system": 0.004, "times": [0.010, 0.020, 0.030]}]}
        """);
    Row r = BenchReport.fromHyperfine(doc).getFirst();
    assertEquals("runc", r.tool());
    assertEquals(20.0, r.stats().median(), 1e-9);
    assertEquals(2.0, r.userMs(), 1e-9);
  }

  @Test
  void libraryRowsComeFromTheTotals() throws Exception {
    var doc = JSON.readTree(
        """
        {"warmup": 200, "paths": {"create+start": {"total": {"times_ms": [8, 9]}},
                   "run": {"total": {"times_ms": [5, 6, 7]}}}}
        """);
    List<Row> rows = BenchReport.fromLibrary(doc);
    assertEquals(2, rows.size());
    assertEquals("berth library run+wait+delete, 200 warm-ups", rows.get(0).tool());
    assertEquals(6.0, rows.get(0).stats().median());
    assertEquals(8.5, rows.get(1).stats().median());
  }

  @Test
  void ratiosAreOfMediansAndAbsentWithoutTheReference() {
    Row runc = new Row("runc", "process", new double[] {10, 20, 30}, null, null);
    Row berth = new Row("berth", "process", new double[] {40}, null, null);
    List<Row> rows = List.of(runc, berth);
    assertEquals(2.0, BenchReport.ratio(rows, berth, "runc"));
    assertNull(BenchReport.ratio(rows, berth, "crun"));
    String table = BenchReport.table(rows);
    assertTrue(table.contains("2.00"), table);
  }

  @Test
  void modesKeepTheOrderTheyAreFirstNamed() {
    Map<String, List<java.nio.file.Path>> files = new LinkedHashMap<>();
    List<String> modes = new java.util.ArrayList<>();
    BenchReport.putMode(files, modes, "isolated=/a.json");
    BenchReport.putMode(files, modes, "back-to-back=/b.json");
    BenchReport.putMode(files, modes, "isolated=/c.json");
    assertEquals(List.of("isolated", "back-to-back"), modes);
    assertEquals(List.of(java.nio.file.Path.of("/a.json"), java.nio.file.Path.of("/c.json")), files.get("isolated"));
  }

  @Test
  void metaKeysGroupByTheirFirstDot() {
    Map<String, Object> meta = new LinkedHashMap<>();
    BenchReport.putMeta(meta, "date=2026-11-28");
    BenchReport.putMeta(meta, "machine.cpus=2");
    BenchReport.putMeta(meta, "machine.kernel=6.18.0=x");
    assertEquals("2026-11-28", meta.get("date"));
    assertEquals(Map.of("cpus", "2", "kernel", "6.18.0=x"), meta.get("machine"));
  }
}
