package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagsTest {
  private static List<String> drain(Flags f, List<String> seen) {
    for (String flag = f.next(); flag != null; flag = f.next()) {
      seen.add(flag);
      if (flag.equals("--bundle") || flag.equals("-b") || flag.equals("--env")) {
        seen.add(f.value(flag));
      }
    }
    return seen;
  }

  @Test
  void flagsValuesEqualsFormAndPositionals() {
    Flags f = new Flags("create", List.of("--bundle", "/b", "id1", "--env=A=1", "-b", "/c"), Integer.MAX_VALUE);
    List<String> seen = drain(f, new ArrayList<>());
    assertEquals(List.of("--bundle", "/b", "--env", "A=1", "-b", "/c"), seen);
    assertEquals(List.of("id1"), f.positionals());
  }

  @Test
  void everythingAfterTheCommandBelongsToTheContainer() {
    Flags f = new Flags("exec", List.of("--env", "X=1", "ctr", "sh", "-c", "echo --bundle"), 2);
    List<String> seen = drain(f, new ArrayList<>());
    assertEquals(List.of("--env", "X=1"), seen);
    assertEquals(List.of("ctr", "sh", "-c", "echo --bundle"), f.positionals());
  }

  @Test
  void doubleDashEndsFlags() {
    Flags f = new Flags("kill", List.of("id", "--", "-9"), Integer.MAX_VALUE);
    assertNull(f.next());
    assertEquals(List.of("id", "-9"), f.positionals());
  }

  @Test
  void missingValueAndWrongCountsAreUsageErrors() {
    Flags f = new Flags("create", List.of("--bundle"), Integer.MAX_VALUE);
    String flag = f.next();
    assertThrows(Flags.UsageException.class, () -> f.value(flag));
    Flags g = new Flags("start", List.of("a", "b"), Integer.MAX_VALUE);
    assertNull(g.next());
    assertThrows(Flags.UsageException.class, () -> g.positionals(1, 1, "ID"));
    Flags h = new Flags("update", List.of("--pids-limit", "many"), Integer.MAX_VALUE);
    String p = h.next();
    assertThrows(Flags.UsageException.class, () -> h.longValue(p));
  }
}
