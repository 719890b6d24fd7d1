package io.berth.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON held as {@link Json} reads it untyped (a value of type {@code Object}): maps in document
 * order, lists, strings, numbers, booleans and null. Documents whose keys belong to someone else
 * (a CNI plugin's configuration, a config.json being built) are kept and edited in this form, and
 * {@link Json#write} writes any mix of it with records.
 */
public final class JsonTrees {
  private JsonTrees() {}

  /** A deep copy of a tree. */
  @SuppressWarnings("unchecked")
  public static <T> T copy(T tree) {
    if (tree instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
      return (T) out;
    }
    if (tree instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object v : l) {
        out.add(copy(v));
      }
      return (T) out;
    }
    return tree;
  }

  /** {@code node} as an object, or null when it is not one. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> asObject(Object node) {
    return node instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
  }

  /** An object of {@code key, value, key, value, ...}, in that order. */
  public static Map<String, Object> object(Object... keysAndValues) {
    Map<String, Object> o = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      o.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return o;
  }

  /** A record (or any value {@link Json} writes) as a tree. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> tree(Object record) {
    return (Map<String, Object>) Json.read(Json.write(record), Object.class);
  }

  /** The object under {@code key}, made empty when there is none. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> with(Map<String, Object> parent, String key) {
    return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
  }

  /** The array under {@code key}, made empty when there is none. */
  @SuppressWarnings("unchecked")
  public static List<Object> withArray(Map<String, Object> parent, String key) {
    return (List<Object>) parent.computeIfAbsent(key, k -> new ArrayList<Object>());
  }

  /** A new empty object under {@code key}, replacing what was there. */
  public static Map<String, Object> putObject(Map<String, Object> parent, String key) {
    Map<String, Object> child = new LinkedHashMap<>();
    parent.put(key, child);
    return child;
  }

  /** A new empty array under {@code key}, replacing what was there. */
  public static List<Object> putArray(Map<String, Object> parent, String key) {
    List<Object> child = new ArrayList<>();
    parent.put(key, child);
    return child;
  }
}
