package io.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.json.Json;
import io.berth.oci.Resources;
import io.berth.oci.Seccomp;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.oci.State;
import io.berth.runtime.ContainerRecord;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Json (the codec of a container's path) and Jackson (everything else, and every earlier Berth)
 * must agree on the records both read and write: each record here is filled in every field, at
 * every depth, then written by one and read by the other, both ways.
 */
class JsonAgreementTest {
  private int n;

  @ParameterizedTest
  @ValueSource(classes = {Spec.class, Seccomp.class, State.class, Resources.class, Spec.Process.class,
      Container.class, Event.class, Volumes.Volume.class, ContainerRecord.class, ImageConfig.class,
      io.berth.network.Result.class, io.berth.network.VersionInfo.class})
  void jsonAndJacksonReadEachOthersDocuments(Class<?> type) throws Exception {
    ObjectMapper jackson = type == ImageConfig.class ? ImageJson.mapper() : SpecJson.mapper();
    Object value = sample(type, 0);
    byte[] ours = Json.write(value);
    byte[] theirs = jackson.writeValueAsBytes(value);
    assertEquals(value, jackson.readValue(ours, type), "Jackson reads what Json wrote: " + text(ours));
    assertEquals(value, Json.read(theirs, type), "Json reads what Jackson wrote: " + text(theirs));
    assertSubset(jackson.readTree(ours), jackson.readTree(theirs), type.getSimpleName());
  }

  /**
   * The shape ShapeProcessor wrote at compile time says what the annotations say, for the record
   * and every record inside it; Json reads the generated one and falls back to the annotations.
   */
  @ParameterizedTest
  @ValueSource(classes = {Spec.class, Seccomp.class, State.class, Resources.class, Spec.Process.class,
      Container.class, Event.class, Volumes.Volume.class, ContainerRecord.class, ImageConfig.class, Digest.class,
      io.berth.network.Result.class, io.berth.network.VersionInfo.class})
  void theGeneratedShapesAgreeWithTheAnnotations(Class<?> root) {
    java.util.Set<Class<?>> seen = new LinkedHashSet<>();
    records(root, seen);
    assertTrue(seen.size() >= 1);
    for (Class<?> type : seen) {
      String generated = Json.describe(type, true);
      assertTrue(generated != null, type.getName() + " has no generated shape");
      assertEquals(Json.describe(type, false), generated, type.getName());
    }
  }

  private static void records(Type t, java.util.Set<Class<?>> seen) {
    if (t instanceof ParameterizedType p) {
      for (Type a : p.getActualTypeArguments()) {
        records(a, seen);
      }
    } else if (t instanceof Class<?> c && c.isRecord() && seen.add(c)) {
      for (RecordComponent rc : c.getRecordComponents()) {
        records(rc.getGenericType(), seen);
      }
    }
  }

  /** Every value Json writes is one Jackson writes too (Jackson may add properties of getters). */
  private static void assertSubset(JsonNode ours, JsonNode theirs, String path) {
    if (ours.isObject()) {
      assertTrue(theirs.isObject(), path);
      for (Iterator<Map.Entry<String, JsonNode>> it = ours.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        assertTrue(theirs.has(e.getKey()), path + "." + e.getKey() + " is not in Jackson's document");
        assertSubset(e.getValue(), theirs.get(e.getKey()), path + "." + e.getKey());
      }
    } else if (ours.isArray()) {
      assertEquals(ours.size(), theirs.size(), path);
      for (int i = 0; i < ours.size(); i++) {
        assertSubset(ours.get(i), theirs.get(i), path + "[" + i + "]");
      }
    } else {
      assertEquals(theirs, ours, path);
    }
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A value of {@code type} with every field set; strings carry quotes, escapes and non-ASCII. */
  private Object sample(Type type, int depth) throws Exception {
    Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    n++;
    if (raw == String.class) {
      return n % 3 == 0 ? "s" + n + " \"q\" \\ é\n\t" : "s" + n;
    }
    if (raw == Integer.class || raw == int.class) {
      return n;
    }
    if (raw == Long.class || raw == long.class) {
      return (1L << 40) + n;
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return Boolean.TRUE;
    }
    if (raw == Double.class || raw == double.class) {
      return n + 0.5;
    }
    if (raw == BigInteger.class) {
      return new BigInteger("18446744073709551615").subtract(BigInteger.valueOf(n));
    }
    if (raw == Digest.class) {
      return Digest.of(new byte[] {(byte) n});
    }
    if (raw == Object.class) {
      return "o" + n;
    }
    if (raw.isEnum()) {
      return raw.getEnumConstants()[n % raw.getEnumConstants().length];
    }
    Type[] args = type instanceof ParameterizedType p ? p.getActualTypeArguments() : new Type[0];
    if (raw == List.class) {
      List<Object> l = new ArrayList<>();
      l.add(sample(args[0], depth + 1));
      l.add(sample(args[0], depth + 1));
      return l;
    }
    if (raw == Set.class) {
      Set<Object> s = new LinkedHashSet<>();
      s.add(sample(args[0], depth + 1));
      s.add(sample(args[0], depth + 1));
      return s;
    }
    if (raw == Map.class) {
      Map<Object, Object> m = new LinkedHashMap<>();
      m.put("k" + n, sample(args[1], depth + 1));
      m.put("k" + n + ".x/y", sample(args[1], depth + 1));
      return m;
    }
    if (raw.isRecord()) {
      if (depth > 8) {
        return null;
      }
      RecordComponent[] cs = raw.getRecordComponents();
      Object[] values = new Object[cs.length];
      Class<?>[] types = new Class<?>[cs.length];
      for (int i = 0; i < cs.length; i++) {
        types[i] = cs[i].getType();
        values[i] = sample(cs[i].getGenericType(), depth + 1);
      }
      Constructor<?> c = raw.getDeclaredConstructor(types);
      c.setAccessible(true);
      return c.newInstance(values);
    }
    throw new AssertionError("no sample for " + type.getTypeName());
  }
}
