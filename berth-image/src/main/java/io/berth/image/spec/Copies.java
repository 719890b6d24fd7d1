package io.berth.image.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unmodifiable copies for the records' collections. Unlike {@code List.copyOf} they keep the
 * document's order for maps and say which field held a null, since the input is often JSON from
 * a registry.
 */
final class Copies {
  private Copies() {}

  static <T> List<T> list(List<T> values, String field) {
    if (values == null) {
      return null;
    }
    for (T value : values) {
      if (value == null) {
        throw new IllegalArgumentException(field + " contains null");
      }
    }
    return Collections.unmodifiableList(new ArrayList<>(values));
  }

  static <V> Map<String, V> map(Map<String, V> values, String field) {
    if (values == null) {
      return null;
    }
    for (Map.Entry<String, V> entry : values.entrySet()) {
      if (entry.getKey() == null || entry.getValue() == null) {
        throw new IllegalArgumentException(field + " has a null entry: " + entry.getKey());
      }
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }
}
