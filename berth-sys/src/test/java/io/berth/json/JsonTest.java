package io.berth.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonTest {
  enum Color { RED, GREEN }

  record Tag(String value) {
    @JsonCreator
    static Tag parse(String s) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("an empty tag");
      }
      return new Tag(s);
    }

    @JsonValue
    String text() {
      return value;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"b", "a"})
  record Inner(@JsonProperty("a-name") String a, Integer b) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Outer(
      String name,
      int count,
      long big,
      boolean on,
      BigInteger limit,
      Double ratio,
      List<Inner> inners,
      Map<String, String> labels,
      Set<Long> ids,
      Color color,
      Tag tag,
      @JsonKeySet Set<String> ports,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> empty,
      Object any) {}

  record Always(String a, Integer b) {}

  private static Outer sample() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("z", "last \"quoted\" \\ back\nslash\u0001");
    labels.put("a", "unicode é ☃ \uD83D\uDE00");
    return new Outer("n", 7, 1L << 40, true, new BigInteger("18446744073709551615"), 0.25,
        List.of(new Inner("x", 1), new Inner(null, null)), labels, Set.of(5L), Color.GREEN,
        new Tag("t"), Set.of("443/tcp", "80/tcp"), List.of(),
        Map.of("k", List.of(1, "two", true)));
  }

  @Test
  void writesAndReadsBackEveryKindOfValue() {
    Outer o = sample();
    String json = Json.writeString(o);
    assertTrue(json.contains("\"ports\":{\"443/tcp\":{},\"80/tcp\":{}}"), json);
    assertTrue(json.contains("{\"b\":1,\"a-name\":\"x\"}"), "order and rename: " + json);
    assertTrue(json.contains("{}"), json); // the all-null Inner
    assertTrue(!json.contains("\"empty\""), "NON_EMPTY leaves out an empty list: " + json);
    assertTrue(json.contains("\"tag\":\"t\"") && json.contains("\"color\":\"GREEN\""), json);
    assertTrue(json.contains("\\u0001") && json.contains("\\n"), json);
    Outer back = Json.read(json.getBytes(StandardCharsets.UTF_8), Outer.class);
    assertEquals(new Outer(o.name(), o.count(), o.big(), o.on(), o.limit(), o.ratio(), o.inners(),
        o.labels(), o.ids(), o.color(), o.tag(), o.ports(), null, o.any()), back);
  }

  @Test
  void readsWhatItIsLenientAbout() {
    Outer o = Json.read("""
        { "name": 12, "count": "3", "big": 2.0, "on": "true", "unknown": {"deep": [1, {"x": null}]},
          "ratio": 1, "ports": {"53/udp": {"ignored": 1}}, "any": 123456789012 }
        """, Outer.class);
    assertEquals("12", o.name());
    assertEquals(3, o.count());
    assertEquals(2L, o.big());
    assertTrue(o.on());
    assertEquals(1.0, o.ratio());
    assertEquals(Set.of("53/udp"), o.ports());
    assertEquals(123456789012L, o.any());
    assertNull(o.inners());
    Always a = Json.read("{}", Always.class);
    assertEquals(new Always(null, null), a);
    assertEquals("{\"a\":null,\"b\":null}", Json.writeString(a), "no @JsonInclude: nulls written");
  }

  @Test
  void readsEscapesAndSurrogatePairs() {
    String s = Json.read("{\"name\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"}", Outer.class).name();
    assertEquals("a\"b\\c/d\né\uD83D\uDE00", s);
  }

  @Test
  void badDocumentsAreNamedWithWhereTheyWentWrong() {
    assertEquals("empty document", assertThrows(JsonException.class, () -> Json.read("  ", Outer.class)).getMessage());
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"name\": ", Outer.class))
        .getMessage().startsWith("malformed JSON: unexpected end of input"));
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"name\": \"x\"} trailing", Outer.class))
        .getMessage().contains("content after the end of the document (line 1, column 15)"));
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"name\": \"x\",}", Outer.class))
        .getMessage().startsWith("malformed JSON: expected a property name"));
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"name\": \"a\nb\"}", Outer.class))
        .getMessage().startsWith("malformed JSON: a control character in a string"));
    assertEquals("null where a 32-bit integer is required at count",
        assertThrows(JsonException.class, () -> Json.read("{\"count\": null}", Outer.class)).getMessage());
    assertEquals("expected a string, found an array at inners[1].a-name",
        assertThrows(JsonException.class, () -> Json.read("{\"inners\": [{}, {\"a-name\": []}]}", Outer.class)).getMessage());
    assertEquals("99999999999 does not fit a 32-bit integer at count",
        assertThrows(JsonException.class, () -> Json.read("{\"count\": 99999999999}", Outer.class)).getMessage());
    assertEquals("\"BLUE\" is not one of [GREEN, RED] at color",
        assertThrows(JsonException.class, () -> Json.read("{\"color\": \"BLUE\"}", Outer.class)).getMessage());
    assertEquals("an empty tag at tag",
        assertThrows(JsonException.class, () -> Json.read("{\"tag\": \"\"}", Outer.class)).getMessage());
    assertEquals("expected an array, found an object at inners",
        assertThrows(JsonException.class, () -> Json.read("{\"inners\": {}}", Outer.class)).getMessage());
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"name\": tru}", Outer.class))
        .getMessage().startsWith("malformed JSON"));
    assertTrue(assertThrows(JsonException.class, () -> Json.read("{\"count\": -}", Outer.class))
        .getMessage().startsWith("malformed JSON: a number without digits"));
  }

  @Test
  void aTreeOfMapsAndListsRoundTrips() {
    Object tree = Json.read("{\"a\":[1,2.5,-3e2,\"x\",false,null,{}],\"b\":{\"c\":18446744073709551616}}"
        .getBytes(StandardCharsets.UTF_8), Object.class);
    assertEquals("{\"a\":[1,2.5,-300.0,\"x\",false,null,{}],\"b\":{\"c\":18446744073709551616}}", Json.writeString(tree));
    assertArrayEquals("[\"AQI=\"]".getBytes(StandardCharsets.UTF_8), Json.write(List.of(new byte[] {1, 2})));
  }

  @Test
  void theProcessorWroteShapesThatAgreeWithTheAnnotations() {
    for (Class<?> type : List.of(Outer.class, Inner.class, Tag.class, Always.class)) {
      String generated = Json.describe(type, true);
      assertTrue(generated != null, type + " has no generated shape");
      assertEquals(Json.describe(type, false), generated, type.getName());
    }
    assertTrue(Json.describe(Inner.class, true).contains("names [a-name, b]"), Json.describe(Inner.class, true));
    assertTrue(Json.describe(Tag.class, true).endsWith("value text, creator parse"), Json.describe(Tag.class, true));
    assertTrue(Json.describe(Outer.class, true).contains("include [NON_NULL, NON_NULL, NON_NULL, NON_NULL, NON_NULL, "
        + "NON_NULL, NON_NULL, NON_NULL, NON_NULL, NON_NULL, NON_NULL, NON_NULL, NON_EMPTY, NON_NULL]"), Json.describe(Outer.class, true));
    assertTrue(Json.describe(Always.class, true).contains("include [ALWAYS, ALWAYS]"));
  }

  @Test
  void treesAreCopiedDeepAndEditedInPlace() {
    @SuppressWarnings("unchecked")
    Map<String, Object> doc = (Map<String, Object>) Json.read("{\"a\":{\"b\":[1,{\"c\":true}]}}", Object.class);
    Map<String, Object> copy = JsonTrees.copy(doc);
    JsonTrees.with(JsonTrees.asObject(copy.get("a")), "d").put("e", "f");
    JsonTrees.withArray(copy, "list").add(JsonTrees.object("k", 1, "v", List.of("x")));
    JsonTrees.putObject(copy, "empty");
    assertEquals("{\"a\":{\"b\":[1,{\"c\":true}]}}", Json.writeString(doc), "the original is untouched");
    assertEquals("{\"a\":{\"b\":[1,{\"c\":true}],\"d\":{\"e\":\"f\"}},\"list\":[{\"k\":1,\"v\":[\"x\"]}],\"empty\":{}}",
        Json.writeString(copy));
    assertNull(JsonTrees.asObject(List.of()));
    assertEquals(Map.of("a-name", "y", "b", 2), JsonTrees.tree(new Inner("y", 2)));
  }

  @Test
  void convertCopiesThroughJson() {
    Map<String, Object> m = Map.of("b", 2, "a-name", "y");
    assertEquals(new Inner("y", 2), Json.convert(m, Inner.class));
  }
}
