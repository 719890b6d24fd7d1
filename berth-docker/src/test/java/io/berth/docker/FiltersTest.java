package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.server.HttpException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FiltersTest {
  static final Set<String> ALLOWED = Set.of("label", "name", "status", "dangling");

  @Test
  void bothFormsOfValuesAreRead() {
    Filters map = Filters.parse("{\"name\":{\"web\":true,\"db\":true},\"status\":{\"running\":true}}", ALLOWED);
    assertEquals(List.of("web", "db"), map.get("name"));
    Filters list = Filters.parse("{\"name\":[\"web\",\"db\"]}", ALLOWED);
    assertEquals(List.of("web", "db"), list.get("name"));
    assertFalse(Filters.parse("{\"name\":{\"web\":false}}", ALLOWED).has("name"), "a value set to false is not asked for");
    assertFalse(Filters.parse(null, ALLOWED).has("name"));
    assertFalse(Filters.parse("", ALLOWED).has("name"));
  }

  @Test
  void valuesOfOneFilterAreAlternativesButLabelsMustAllHold() {
    Filters f = Filters.parse("{\"name\":[\"a\",\"b\"],\"label\":[\"app=x\",\"tier\"]}", ALLOWED);
    assertTrue(f.any("name", "b"::equals));
    assertFalse(f.any("name", "c"::equals));
    assertTrue(f.any("status", v -> false), "an absent filter lets everything through");
    assertTrue(f.labelsMatch("label", Map.of("app", "x", "tier", "web")));
    assertFalse(f.labelsMatch("label", Map.of("app", "x")), "tier is missing");
    assertFalse(f.labelsMatch("label", Map.of("app", "y", "tier", "")), "app has another value");
  }

  @Test
  void badFiltersAre400() {
    HttpException unknown = assertThrows(HttpException.class, () -> Filters.parse("{\"colour\":[\"red\"]}", ALLOWED));
    assertEquals(400, unknown.status());
    assertEquals("invalid filter 'colour'", unknown.getMessage());
    assertEquals(400, assertThrows(HttpException.class, () -> Filters.parse("{not json", ALLOWED)).status());
    assertEquals(400, assertThrows(HttpException.class, () -> Filters.parse("[1,2]", ALLOWED)).status());
    assertEquals(400, assertThrows(HttpException.class, () -> Filters.parse("{\"name\":\"web\"}", ALLOWED)).status());
  }

  @Test
  void booleanFilters() {
    assertEquals(Boolean.TRUE, Filters.parse("{\"dangling\":[\"true\"]}", ALLOWED).bool("dangling"));
    assertEquals(Boolean.FALSE, Filters.parse("{\"dangling\":{\"0\":true}}", ALLOWED).bool("dangling"));
    assertNull(Filters.parse("{}", ALLOWED).bool("dangling"));
    assertThrows(HttpException.class, () -> Filters.parse("{\"dangling\":[\"maybe\"]}", ALLOWED).bool("dangling"));
  }
}
