package io.berth.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.bench.RuntimeBench.Options;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RuntimeBenchOptionsTest {
  @Test
  void defaults() {
    Options o = Options.parse("--bundle", "/b");
    assertEquals(Path.of("/b"), o.bundle());
    assertNull(o.root());
    assertEquals(30, o.iterations());
    assertEquals(5, o.warmup());
    assertEquals(0, o.pauseMs());
    assertFalse(o.json());
  }

  @Test
  void everyOption() {
    Options o = Options.parse("--bundle", "/b", "--root", "/r", "--iterations", "7", "--warmup", "0", "--pause", "100", "--json");
    assertEquals(Path.of("/r"), o.root());
    assertEquals(7, o.iterations());
    assertEquals(0, o.warmup());
    assertEquals(100, o.pauseMs());
    assertTrue(o.json());
  }

  @Test
  void mistakesSayWhatIsWrong() {
    assertEquals("--bundle is required", assertThrows(IllegalArgumentException.class, Options::parse).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Options.parse("--bundle", "/b", "--iterations", "0"));
    assertThrows(IllegalArgumentException.class, () -> Options.parse("--bundle", "/b", "--warmup", "x"));
    assertThrows(IllegalArgumentException.class, () -> Options.parse("--bundle"));
    assertThrows(IllegalArgumentException.class, () -> Options.parse("--bundle", "/b", "--fast"));
    assertThrows(IllegalArgumentException.class, () -> Options.parse("--bundle", "/b", "--json", "--json-out", "f"));
  }
}
