package io.berth.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineReportTest {
  private static EngineReport.Data data() {
    EngineReport.Data d = new EngineReport.Data();
    d.figures.add(new EngineReport.Figure("run-rm", "ms", "run --rm busybox true"));
    d.figures.add(new EngineReport.Figure("pss", "KiB", "monitor PSS"));
    return d;
  }

  @Test
  void hyperfineRoundsAddUpInMilliseconds() throws Exception {
    EngineReport.Data d = data();
    var json = new ObjectMapper();
    EngineReport.addHyperfine(d, "run-rm", json.readTree(
        "{\"results\": [{\"command\": \"berth\", \"times\": [0.8]}, {\"command\": \"podman\", \"times\": [0.2]}]}"));
    EngineReport.addHyperfine(d, "run-rm", json.readTree(
        "{\"results\": [{\"command\": \"berth\", \"times\": [0.6]}, {\"command\": \"podman\", \"times\": [0.4]}]}"));
    List<EngineReport.Row> rows = d.rows("run-rm");
    assertEquals(List.of("berth", "podman"), rows.stream().map(EngineReport.Row::engine).toList());
    assertEquals(700.0, rows.get(0).stats().median(), 1e-9);
    assertEquals(2.333, EngineReport.ratio(rows, rows.get(1)), 1e-3);
    assertNull(EngineReport.ratio(rows, rows.get(0)));
  }

  @Test
  void samplesMustNameAKnownFigure() {
    EngineReport.Data d = data();
    EngineReport.addSamples(d, List.of("pss\tberth\t652", "", "pss\tpodman\t1028"));
    assertEquals(2, d.rows("pss").size());
    assertThrows(IllegalArgumentException.class, () -> EngineReport.addSamples(d, List.of("rss\tberth\t1")));
    assertThrows(IllegalArgumentException.class, () -> EngineReport.addSamples(d, List.of("pss berth 1")));
  }

  @Test
  void withoutBerthThereIsNoRatio() {
    EngineReport.Data d = data();
    EngineReport.addSamples(d, List.of("pss\tpodman\t1028"));
    String table = EngineReport.table(d);
    assertTrue(table.contains("1028"), table);
    assertNull(EngineReport.ratio(d.rows("pss"), d.rows("pss").getFirst()));
  }

  @Test
  void theEngineSectionIsReplacedAndTheOthersKept() {
    String doc = "# Benchmarks\n\n## Runtime\n\nfast\n\n## Engine\n\nold numbers\n\n## Network\n\nlater\n";
    String out = EngineReport.replaceSection(doc, "## Engine", "## Engine\n\nnew numbers\n");
    assertEquals("# Benchmarks\n\n## Runtime\n\nfast\n\n## Engine\n\nnew numbers\n\n## Network\n\nlater\n", out);
    assertEquals("# Benchmarks\n\n## Runtime\n\nfast\n\n## Engine\n\nx\n",
        EngineReport.replaceSection("# Benchmarks\n\n## Runtime\n\nfast\n", "## Engine", "## Engine\n\nx\n"));
    assertEquals("# Benchmarks\n\n## Engine\n\nx\n", EngineReport.replaceSection(null, "## Engine", "## Engine\n\nx\n"));
  }

  @Test
  void theSectionShowsMachineVersionsTableAndSkippedEngines() {
    EngineReport.Data d = data();
    EngineReport.addSamples(d, List.of("pss\tberth\t652", "pss\tpodman\t1028"));
    Map<String, Object> meta = new java.util.LinkedHashMap<>();
    BenchReport.putMeta(meta, "date=2026-11-28");
    BenchReport.putMeta(meta, "machine.cpus=2");
    BenchReport.putMeta(meta, "versions.podman=podman version 4.3.1");
    String s = EngineReport.section(EngineReport.SECTION, EngineReport.WRITTEN_BY, d, meta, Map.of("berth (daemon)", "berth serve does not exist"), "x.json");
    assertTrue(s.startsWith("## Engine\n"), s);
    assertTrue(s.contains("  - cpus: 2\n"), s);
    assertTrue(s.contains("| monitor PSS (KiB) | berth | 1 | 652 | 652–652 | 0 | - |"), s);
    assertTrue(s.contains("|  | podman | 1 | 1028 | 1028–1028 | 0 | 0.63 |"), s);
    assertTrue(s.contains("berth (daemon): not measured: berth serve does not exist"), s);
  }

  @Test
  void aFigureWithoutPlainBerthComparesWithItsFirstBerthRow() {
    EngineReport.Data d = data();
    EngineReport.addSamples(d, List.of("pss\tberth (daemon)\t50000", "pss\tberth (cli)\t1", "pss\tdockerd\t100000"));
    List<EngineReport.Row> rows = d.rows("pss");
    assertNull(EngineReport.ratio(rows, rows.get(1)));
    assertEquals(0.5, EngineReport.ratio(rows, rows.get(2)), 1e-9);
  }

  @Test
  void anotherSectionIsReplacedByItsOwnHeadingAndJsonReadsBack() throws Exception {
    String doc = "# Benchmarks\n\n## Engine\n\nold\n\n## Pull\n\nold pull\n";
    assertEquals("# Benchmarks\n\n## Engine\n\nold\n\n## Pull\n\nnew\n",
        EngineReport.replaceSection(doc, "## Pull", "## Pull\n\nnew\n"));
    EngineReport.Data d = new EngineReport.Data();
    EngineReport.addJson(d, new ObjectMapper().readTree("""
        {"figures": [{"figure": "pull", "unit": "s", "title": "pull",
          "results": [{"engine": "berth", "samples": [2.0, 4.0]}, {"engine": "skopeo", "samples": [1.5]}]}]}"""));
    assertEquals(3.0, d.rows("pull").getFirst().stats().median(), 1e-9);
    assertEquals(2.0, EngineReport.ratio(d.rows("pull"), d.rows("pull").get(1)), 1e-9);
  }

  @Test
  void anotherBerthRowGetsARatioColumnOfItsOwn() {
    EngineReport.Data d = data();
    d.alsoCompared.add("berth (daemon)");
    EngineReport.addSamples(d, List.of("run-rm\tberth\t400", "run-rm\tctr\t80", "run-rm\tberth (daemon)\t72",
        "pss\tberth\t650", "pss\tctr\t1300"));
    String md = EngineReport.markdownTable(d);
    assertTrue(md.startsWith("| figure | engine | n | median | min–max | stddev | berth ÷ engine | berth (daemon) ÷ engine |\n"
        + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"), md);
    assertTrue(md.contains("|  | ctr | 1 | 80.0 | 80.0–80.0 | 0.0 | 5.00 | 0.90 |"), md);
    assertTrue(md.contains("| berth (daemon) | 1 | 72.0 | 72.0–72.0 | 0.0 | - | - |"), md);
    assertTrue(md.contains("|  | ctr | 1 | 1300 | 1300–1300 | 0 | 0.50 | - |"), md);
  }
}
