package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.SpecJson;
import io.berth.server.HttpException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code filters} query parameter of list and prune calls: a JSON object of filter names,
 * each with its values as an object of {@code "value": true} (what Docker's clients send) or as
 * an array (the older form). Values of one name are alternatives, except labels, which must all
 * match, as in Docker.
 */
final class Filters {
  private final Map<String, List<String>> values;

  private Filters(Map<String, List<String>> values) {
    this.values = values;
  }

  static Filters none() {
    return new Filters(Map.of());
  }

  /**
   * Parses {@code json} (null or empty: no filters) and checks that every name is one of {@code
   * allowed}.
   *
   * @throws HttpException 400 for malformed JSON or an unknown filter name
   */
  static Filters parse(String json, Set<String> allowed) {
    if (json == null || json.isBlank()) {
      return none();
    }
    JsonNode root;
    try {
      root = SpecJson.mapper().readTree(json);
    } catch (Exception e) {
      throw HttpException.badRequest("invalid filters: " + json + " is not a JSON object of filter names");
    }
    if (root == null || !root.isObject()) {
      throw HttpException.badRequest("invalid filters: " + json + " is not a JSON object of filter names");
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (var e : root.properties()) {
      String name = e.getKey();
      if (!allowed.contains(name)) {
        throw HttpException.badRequest("invalid filter '" + name + "'");
      }
      List<String> vs = new ArrayList<>();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        v.properties().forEach(x -> {
          if (x.getValue().asBoolean(true)) {
            vs.add(x.getKey());
          }
        });
      } else if (v.isArray()) {
        v.forEach(x -> vs.add(x.asText()));
      } else {
        throw HttpException.badRequest("invalid filter '" + name + "': its values must be an object or an array");
      }
      out.put(name, vs);
    }
    return new Filters(out);
  }

  boolean has(String name) {
    return values.containsKey(name) && !values.get(name).isEmpty();
  }

  List<String> get(String name) {
    return values.getOrDefault(name, List.of());
  }

  /** True when the filter is absent, or any of its values passes {@code test}. */
  boolean any(String name, Predicate<String> test) {
    if (!has(name)) {
      return true;
    }
    for (String v : get(name)) {
      if (test.test(v)) {
        return true;
      }
    }
    return false;
  }

  /** Every {@code label} value ({@code KEY} or {@code KEY=VALUE}) holds for these labels. */
  boolean labelsMatch(String name, Map<String, String> labels) {
    for (String v : get(name)) {
      if (!labelHolds(v, labels)) {
        return false;
      }
    }
    return true;
  }

  /** {@code KEY} (the label is set) or {@code KEY=VALUE} (set to that value). */
  static boolean labelHolds(String v, Map<String, String> labels) {
    int eq = v.indexOf('=');
    return eq < 0 ? labels.containsKey(v) : v.substring(eq + 1).equals(labels.get(v.substring(0, eq)));
  }

  /**
   * A boolean filter ({@code dangling=true}): null when absent.
   *
   * @throws HttpException 400 for a value other than true/false/1/0
   */
  Boolean bool(String name) {
    if (!has(name)) {
      return null;
    }
    String v = get(name).get(0).toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw HttpException.badRequest("invalid filter '" + name + "=" + get(name).get(0) + "'");
    };
  }
}
