package io.berth.json;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import io.berth.sys.Unchecked;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * JSON for Berth's own records, small enough to be cheap on a cold JVM: a one-shot {@code berth
 * run} spends its time in the interpreter, where Jackson's first use of a type (introspection,
 * annotation proxies, serializer construction) cost more than half of the command. This codec
 * binds records, lists, sets, maps, strings, numbers, booleans and enums straight from and to
 * UTF-8 bytes, and reads the Jackson annotations the records already carry, so both agree on the
 * wire form: {@link JsonProperty} names, {@link JsonInclude} (NON_NULL, NON_EMPTY), {@link
 * JsonPropertyOrder}, {@link JsonValue} and a one-argument {@link JsonCreator}; {@link JsonKeySet}
 * marks Go's {@code map[string]struct{}}.
 *
 * <p>Reading follows the settings Berth gives Jackson: unknown properties are skipped, a missing
 * property is null (0 or false for a primitive), an explicit null for a primitive is an error,
 * scalars are coerced between strings, numbers and booleans as Jackson coerces them, and content
 * after the document is an error. Writing gives records in component order (or their {@link
 * JsonPropertyOrder}), maps in their iteration order, and nothing Jackson would add from other
 * getters. A value of type {@link Object} reads as maps, lists, strings, numbers and booleans,
 * and any such mix can be written, so a document can be built as a tree of maps.
 */
public final class Json {
  private Json() {}

  /** Parses {@code json} as one value of {@code type}. */
  public static <T> T read(byte[] json, Class<T> type) {
    return type.cast(read(json, (Type) type));
  }

  /** Parses {@code json} as one value of {@code type}, which may be generic. */
  public static Object read(byte[] json, Type type) {
    Reader r = new Reader(json);
    r.skipSpace();
    if (r.pos >= json.length) {
      throw new JsonException("empty document", "");
    }
    Object value = r.value(type);
    r.skipSpace();
    if (r.pos < json.length) {
      throw r.syntax("content after the end of the document");
    }
    return value;
  }

  public static <T> T read(String json, Class<T> type) {
    return read(json.getBytes(StandardCharsets.UTF_8), type);
  }

  /** The compact UTF-8 JSON of {@code value}. */
  public static byte[] write(Object value) {
    return writeString(value).getBytes(StandardCharsets.UTF_8);
  }

  public static String writeString(Object value) {
    StringBuilder out = new StringBuilder(256);
    Writer.value(out, value);
    return out.toString();
  }

  /** Hands a ready record to the reader of the same type: a deep copy through JSON. */
  public static <T> T convert(Object value, Class<T> type) {
    return read(write(value), type);
  }

  private static Class<?> box(Class<?> c) {
    if (!c.isPrimitive()) {
      return c;
    }
    return c == int.class ? Integer.class : c == long.class ? Long.class : c == boolean.class
        ? Boolean.class : c == double.class ? Double.class : c == short.class ? Short.class
        : c == byte.class ? Byte.class : c == float.class ? Float.class : Character.class;
  }

  private static Class<?> raw(Type t) {
    if (t instanceof Class<?> c) {
      return c;
    }
    if (t instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (t instanceof WildcardType w) {
      return raw(w.getUpperBounds()[0]);
    }
    return Object.class;
  }

  private static String kindName(Class<?> c) {
    Class<?> b = box(c);
    return b == Integer.class ? "32-bit integer" : b == Long.class ? "64-bit integer"
        : b == Short.class ? "16-bit integer" : b == Byte.class ? "8-bit integer"
        : b == Boolean.class ? "boolean" : "number";
  }

  private static Type arg(Type t, int i) {
    return t instanceof ParameterizedType p ? p.getActualTypeArguments()[i] : Object.class;
  }

  // ---------------------------------------------------------------------------------------------
  // What a class is to the codec, found once per class.

  private enum Kind { RECORD, VALUE, ENUM, OTHER }

  private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
    @Override
    protected Shape computeValue(Class<?> type) {
      return Shape.of(type);
    }
  };

  /**
   * What the annotations of a class say, read from the class ShapeProcessor generated beside a
   * record (one string constant) or, without one, from the annotations themselves.
   */
  private record Meta(String[] names, JsonInclude.Include[] include, boolean[] keySets,
      List<String> order, String value, String creator) {

    /** The generated shape; null when the record has none (compiled without the processor). */
    static Meta generated(Class<?> type) {
      String binary = type.getName();
      String pkg = type.getPackageName();
      String inPackage = pkg.isEmpty() ? binary : binary.substring(pkg.length() + 1);
      String name = (pkg.isEmpty() ? "" : pkg + ".") + ShapeProcessor.shapeName(inPackage);
      String shape;
      try {
        java.lang.reflect.Field f = Class.forName(name, false, type.getClassLoader()).getDeclaredField("SHAPE");
        f.setAccessible(true);
        shape = (String) f.get(null);
      } catch (ClassNotFoundException e) {
        return null;
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(name + " is not a shape", e);
      }
      String[] lines = shape.split("\n", -1);
      String[] names = split(lines[0]);
      String[] includes = split(lines[1]);
      String[] keys = split(lines[2]);
      JsonInclude.Include[] include = new JsonInclude.Include[names.length];
      boolean[] keySets = new boolean[names.length];
      for (int i = 0; i < names.length; i++) {
        include[i] = JsonInclude.Include.valueOf(includes[i]);
        keySets[i] = keys[i].equals("1");
      }
      return new Meta(names, include, keySets, List.of(split(lines[3])), emptyToNull(lines[4]), emptyToNull(lines[5]));
    }

    private static String[] split(String line) {
      return line.isEmpty() ? new String[0] : line.split("\t", -1);
    }

    private static String emptyToNull(String s) {
      return s.isEmpty() ? null : s;
    }

    /**
     * The annotations: only members of the right form are asked, since a record's accessors carry
     * its components' annotations and parsing those costs a cold JVM a proxy class per type.
     */
    static Meta annotations(Class<?> type) {
      RecordComponent[] cs = type.isRecord() ? type.getRecordComponents() : new RecordComponent[0];
      Set<String> accessors = new java.util.HashSet<>();
      for (RecordComponent c : cs) {
        accessors.add(c.getName());
      }
      String value = null;
      String creator = null;
      for (Method m : type.getDeclaredMethods()) {
        if (m.isSynthetic() || m.isBridge()) {
          continue;
        }
        boolean isStatic = java.lang.reflect.Modifier.isStatic(m.getModifiers());
        if (!isStatic && m.getParameterCount() == 0 && !accessors.contains(m.getName())
            && value == null && m.isAnnotationPresent(JsonValue.class)) {
          value = m.getName();
        } else if (isStatic && m.getParameterCount() == 1 && creator == null
            && m.isAnnotationPresent(JsonCreator.class)) {
          creator = m.getName();
        }
      }
      if (creator == null) {
        for (Constructor<?> c : type.getDeclaredConstructors()) {
          if (c.getParameterCount() == 1 && !c.isSynthetic() && c.isAnnotationPresent(JsonCreator.class)) {
            creator = "<init>";
            break;
          }
        }
      }
      int n = cs.length;
      String[] names = new String[n];
      boolean[] keySets = new boolean[n];
      JsonInclude.Include[] include = new JsonInclude.Include[n];
      List<String> order = List.of();
      if (n > 0) {
        JsonInclude classInclude = type.getAnnotation(JsonInclude.class);
        for (int i = 0; i < n; i++) {
          java.lang.reflect.Field field;
          try {
            field = type.getDeclaredField(cs[i].getName());
          } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
          }
          JsonProperty property = field.getAnnotation(JsonProperty.class);
          names[i] = property != null && !property.value().isEmpty() ? property.value() : cs[i].getName();
          keySets[i] = field.isAnnotationPresent(JsonKeySet.class);
          JsonInclude inc = field.getAnnotation(JsonInclude.class);
          include[i] = inc != null ? inc.value() : classInclude != null ? classInclude.value() : JsonInclude.Include.ALWAYS;
        }
        JsonPropertyOrder po = type.getAnnotation(JsonPropertyOrder.class);
        if (po != null) {
          order = List.of(po.value());
        }
      }
      return new Meta(names, include, keySets, order, value, creator);
    }

    String describe() {
      return "names " + List.of(names) + ", include " + List.of(include) + ", key sets "
          + java.util.Arrays.toString(keySets) + ", order " + order + ", value " + value + ", creator " + creator;
    }
  }

  /**
   * What Json knows of a record from its generated shape ({@code generated}) or from its
   * annotations, for tests that hold the two equal; null when there is no generated shape.
   */
  public static String describe(Class<?> type, boolean generated) {
    Meta m = generated ? Meta.generated(type) : Meta.annotations(type);
    return m == null ? null : m.describe();
  }

  private static final class Shape {
    Kind kind = Kind.OTHER;
    // RECORD
    String[] names;
    Type[] types;
    Method[] accessors;
    boolean[] keySets;
    JsonInclude.Include[] include;
    int[] order;
    Map<String, Integer> index;
    Constructor<?> constructor;
    // VALUE (a @JsonValue method; read through a @JsonCreator) and ENUM
    Method value;
    Executable creator;
    Map<String, Object> constants;

    static Shape of(Class<?> type) {
      Meta meta = type.isRecord() ? Meta.generated(type) : null;
      if (meta == null) {
        meta = Meta.annotations(type);
      }
      Shape s = new Shape();
      try {
        if (meta.value() != null) {
          s.value = type.getDeclaredMethod(meta.value());
          s.value.setAccessible(true);
        }
        if (meta.creator() != null) {
          s.creator = creator(type, meta.creator());
          s.creator.setAccessible(true);
        }
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(e);
      }
      if (type.isEnum()) {
        s.kind = Kind.ENUM;
        s.constants = new HashMap<>();
        for (Object c : type.getEnumConstants()) {
          s.constants.put(s.value != null ? String.valueOf(invoke(s.value, c)) : ((Enum<?>) c).name(), c);
        }
      } else if (s.value != null) {
        s.kind = Kind.VALUE;
      } else if (type.isRecord()) {
        s.kind = Kind.RECORD;
        s.record(type, meta);
      }
      return s;
    }

    /** The static method {@code name}, or for {@code <init>} the annotated constructor, of one argument. */
    private static Executable creator(Class<?> type, String name) throws NoSuchMethodException {
      boolean constructor = name.equals("<init>");
      for (Executable e : constructor ? type.getDeclaredConstructors() : type.getDeclaredMethods()) {
        if (e.getParameterCount() != 1 || e.isSynthetic()) {
          continue;
        }
        if (constructor ? e.isAnnotationPresent(JsonCreator.class)
            : e.getName().equals(name) && java.lang.reflect.Modifier.isStatic(e.getModifiers())) {
          return e;
        }
      }
      throw new NoSuchMethodException(type.getName() + "." + name);
    }

    private void record(Class<?> type, Meta meta) {
      RecordComponent[] cs = type.getRecordComponents();
      int n = cs.length;
      if (meta.names().length != n) {
        throw new IllegalStateException("the shape of " + type.getName() + " is out of date");
      }
      names = meta.names();
      keySets = meta.keySets();
      include = meta.include();
      types = new Type[n];
      accessors = new Method[n];
      index = new HashMap<>(n * 2);
      Class<?>[] raws = new Class<?>[n];
      for (int i = 0; i < n; i++) {
        RecordComponent c = cs[i];
        types[i] = c.getGenericType();
        raws[i] = c.getType();
        accessors[i] = c.getAccessor();
        accessors[i].setAccessible(true);
        index.put(names[i], i);
      }
      order = new int[n];
      boolean[] placed = new boolean[n];
      int k = 0;
      for (String name : meta.order()) {
        Integer i = index.get(name);
        if (i != null && !placed[i]) {
          placed[i] = true;
          order[k++] = i;
        }
      }
      for (int i = 0; i < n; i++) {
        if (!placed[i]) {
          order[k++] = i;
        }
      }
      try {
        constructor = type.getDeclaredConstructor(raws);
        constructor.setAccessible(true);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Object invoke(Method m, Object target) {
    try {
      return m.invoke(target);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    } catch (InvocationTargetException e) {
      throw Unchecked.of(e.getCause());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading.

  private static final class Reader {
    final byte[] in;
    int pos;

    Reader(byte[] in) {
      this.in = in;
    }

    JsonException syntax(String problem) {
      int line = 1;
      int col = 1;
      for (int i = 0; i < pos && i < in.length; i++) {
        if (in[i] == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
      return new JsonException("malformed JSON: " + problem + " (line " + line + ", column " + col + ")", "");
    }

    void skipSpace() {
      while (pos < in.length) {
        byte b = in[pos];
        if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
          pos++;
        } else {
          return;
        }
      }
    }

    int peek() {
      skipSpace();
      if (pos >= in.length) {
        throw syntax("unexpected end of input");
      }
      return in[pos];
    }

    void expect(char c) {
      if (peek() != c) {
        throw syntax("expected '" + c + "', found " + found());
      }
      pos++;
    }

    String found() {
      if (pos >= in.length) {
        return "the end of input";
      }
      int c = in[pos] & 0xff;
      return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
    }

    static String kindOf(int c) {
      return switch (c) {
        case '{' -> "an object";
        case '[' -> "an array";
        case '"' -> "a string";
        case 't', 'f' -> "a boolean";
        case 'n' -> "null";
        default -> "a number";
      };
    }

    Object value(Type type) {
      Class<?> raw = raw(type);
      int c = peek();
      if (c == 'n') {
        literal("null");
        if (raw.isPrimitive()) {
          throw new JsonException("null where a " + kindName(raw) + " is required", "");
        }
        return null;
      }
      if (raw == String.class) {
        return c == '"' ? string() : scalarText(c, raw);
      }
      if (raw == Object.class) {
        return untyped(c);
      }
      if (raw == Boolean.class || raw == boolean.class) {
        if (c == 't' || c == 'f') {
          return literal(c == 't' ? "true" : "false") == 4;
        }
        if (c == '"') {
          String s = string();
          if (s.equals("true") || s.equals("false")) {
            return Boolean.valueOf(s);
          }
          throw new JsonException("expected a boolean, found \"" + s + "\"", "");
        }
        throw mismatch("a boolean", c);
      }
      if (Number.class.isAssignableFrom(raw) || (raw.isPrimitive() && raw != char.class)) {
        String text;
        if (c == '"') {
          text = string().trim();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          text = number();
        } else {
          throw mismatch("a number", c);
        }
        return number(text, raw);
      }
      if (raw == byte[].class && c == '"') {
        try {
          return Base64.getDecoder().decode(string());
        } catch (IllegalArgumentException e) {
          throw new JsonException("not base64: " + e.getMessage(), "");
        }
      }
      if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
        return array(type, raw, c);
      }
      if (Map.class.isAssignableFrom(raw)) {
        if (c != '{') {
          throw mismatch("an object", c);
        }
        Type valueType = arg(type, 1);
        Map<String, Object> map = new LinkedHashMap<>();
        object((key) -> map.put(key, value(valueType)));
        return map;
      }
      Shape shape = SHAPES.get(raw);
      switch (shape.kind) {
        case ENUM -> {
          Object text = c == '"' ? string() : scalarText(c, raw);
          Object constant = shape.constants.get(text);
          if (constant == null) {
            throw new JsonException("\"" + text + "\" is not one of " + new TreeSet<>(shape.constants.keySet()), "");
          }
          return constant;
        }
        case RECORD -> {
          if (shape.creator == null) {
            return record(shape, c, raw);
          }
        }
        default -> {}
      }
      if (shape.creator != null) {
        Object argument = value(shape.creator.getGenericParameterTypes()[0]);
        try {
          return shape.creator instanceof Method m ? m.invoke(null, argument)
              : ((Constructor<?>) shape.creator).newInstance(argument);
        } catch (InvocationTargetException e) {
          throw refused(e.getCause());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      throw new IllegalArgumentException("Json cannot read a " + type.getTypeName());
    }

    private Object record(Shape shape, int c, Class<?> raw) {
      if (c != '{') {
        throw mismatch("an object", c);
      }
      Object[] args = new Object[shape.names.length];
      object((key) -> {
        Integer i = shape.index.get(key);
        if (i == null) {
          skip();
        } else {
          args[i] = shape.keySets[i] ? keySet() : value(shape.types[i]);
        }
      });
      for (int i = 0; i < args.length; i++) {
        if (args[i] == null && shape.types[i] instanceof Class<?> p && p.isPrimitive()) {
          args[i] = p == boolean.class ? Boolean.FALSE : p == long.class ? (Object) 0L
              : p == double.class ? (Object) 0.0 : p == float.class ? (Object) 0f
              : p == short.class ? (Object) (short) 0 : p == byte.class ? (Object) (byte) 0
              : p == char.class ? (Object) (char) 0 : (Object) 0;
        }
      }
      try {
        return shape.constructor.newInstance(args);
      } catch (InvocationTargetException e) {
        throw refused(e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Json cannot make a " + raw.getName(), e);
      }
    }

    private static JsonException refused(Throwable cause) {
      if (cause instanceof JsonException j) {
        return j;
      }
      if (cause instanceof RuntimeException r && r.getMessage() != null) {
        return new JsonException(r.getMessage(), "", r);
      }
      throw Unchecked.of(cause);
    }

    private Set<String> keySet() {
      int c = peek();
      if (c != '{') {
        throw new JsonException("expected an object whose keys are the entries, e.g. {\"80/tcp\": {}}", "");
      }
      Set<String> keys = new LinkedHashSet<>();
      object((key) -> {
        keys.add(key);
        skip();
      });
      return java.util.Collections.unmodifiableSet(keys);
    }

    private Object array(Type type, Class<?> raw, int c) {
      if (c != '[') {
        throw mismatch("an array", c);
      }
      Type element = raw.isArray() ? raw.getComponentType() : arg(type, 0);
      Collection<Object> items = Set.class.isAssignableFrom(raw) ? new LinkedHashSet<>() : new ArrayList<>();
      pos++;
      if (peek() == ']') {
        pos++;
      } else {
        for (int i = 0; ; i++) {
          try {
            items.add(value(element));
          } catch (JsonException e) {
            throw e.at("[" + i + "]");
          }
          int d = peek();
          pos++;
          if (d == ']') {
            break;
          }
          if (d != ',') {
            pos--;
            throw syntax("expected ',' or ']' in an array, found " + found());
          }
        }
      }
      if (raw.isArray()) {
        Object out = Array.newInstance(raw.getComponentType(), items.size());
        int i = 0;
        for (Object o : items) {
          Array.set(out, i++, o);
        }
        return out;
      }
      return items;
    }

    interface Field {
      void read(String key);
    }

    /** Reads an object, calling {@code field} with each key and the reader at its value. */
    void object(Field field) {
      expect('{');
      if (peek() == '}') {
        pos++;
        return;
      }
      while (true) {
        if (peek() != '"') {
          throw syntax("expected a property name, found " + found());
        }
        String key = string();
        expect(':');
        try {
          field.read(key);
        } catch (JsonException e) {
          throw e.at(key);
        }
        int d = peek();
        pos++;
        if (d == '}') {
          return;
        }
        if (d != ',') {
          pos--;
          throw syntax("expected ',' or '}' in an object, found " + found());
        }
      }
    }

    Object untyped(int c) {
      switch (c) {
        case '{': {
          Map<String, Object> map = new LinkedHashMap<>();
          object((key) -> map.put(key, untyped(peek())));
          return map;
        }
        case '[':
          return array(List.class, List.class, c);
        case '"':
          return string();
        case 't':
        case 'f':
          return literal(c == 't' ? "true" : "false") == 4;
        case 'n':
          literal("null");
          return null;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            String text = number();
            if (text.indexOf('.') >= 0 || text.indexOf('e') >= 0 || text.indexOf('E') >= 0) {
              return Double.valueOf(text);
            }
            BigInteger big = new BigInteger(text);
            return big.bitLength() < 32 ? (Object) big.intValue()
                : big.bitLength() < 64 ? (Object) big.longValue() : big;
          }
          throw syntax("unexpected " + found());
      }
    }

    /** Skips one value of any kind. */
    void skip() {
      untyped(peek());
    }

    private String scalarText(int c, Class<?> raw) {
      if (c == 't' || c == 'f') {
        return literal(c == 't' ? "true" : "false") == 4 ? "true" : "false";
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return number();
      }
      throw mismatch(raw == String.class ? "a string" : "a " + raw.getSimpleName(), c);
    }

    private JsonException mismatch(String expected, int c) {
      if (c != '{' && c != '[' && c != '"' && c != 't' && c != 'f' && c != 'n' && c != '-' && (c < '0' || c > '9')) {
        return syntax("unexpected " + found());
      }
      return new JsonException("expected " + expected + ", found " + kindOf(c), "");
    }

    /** Reads the literal {@code word}; returns its length. */
    int literal(String word) {
      int n = word.length();
      if (pos + n > in.length) {
        throw syntax("unexpected end of input");
      }
      for (int i = 0; i < n; i++) {
        if (in[pos + i] != word.charAt(i)) {
          throw syntax("unexpected " + found());
        }
      }
      pos += n;
      return n;
    }

    String number() {
      int start = pos;
      if (pos < in.length && in[pos] == '-') {
        pos++;
      }
      digits("a number without digits");
      if (pos < in.length && in[pos] == '.') {
        pos++;
        digits("a number without digits after '.'");
      }
      if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
        pos++;
        if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
          pos++;
        }
        digits("a number without exponent digits");
      }
      return new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
    }

    /** Skips one or more decimal digits; none is the syntax error {@code problem}. */
    private void digits(String problem) {
      int start = pos;
      while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
        pos++;
      }
      if (pos == start) {
        throw syntax(problem);
      }
    }

    private static Object number(String text, Class<?> raw) {
      try {
        boolean integral = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
        if (raw == Double.class || raw == double.class) {
          return Double.valueOf(text);
        }
        if (raw == Float.class || raw == float.class) {
          return Float.valueOf(text);
        }
        if (raw == BigDecimal.class) {
          return new BigDecimal(text);
        }
        BigInteger value = integral ? new BigInteger(text) : new BigDecimal(text).toBigInteger();
        if (raw == BigInteger.class) {
          return value;
        }
        if (raw == Long.class || raw == long.class) {
          return value.longValueExact();
        }
        if (raw == Integer.class || raw == int.class) {
          return value.intValueExact();
        }
        if (raw == Short.class || raw == short.class) {
          return value.shortValueExact();
        }
        if (raw == Byte.class || raw == byte.class) {
          return value.byteValueExact();
        }
        // Number: the smallest that holds it
        return !integral ? (Object) Double.valueOf(text) : value.bitLength() < 32 ? (Object) value.intValue()
            : value.bitLength() < 64 ? (Object) value.longValue() : value;
      } catch (ArithmeticException e) {
        throw new JsonException(text + " does not fit a " + kindName(raw), "");
      } catch (NumberFormatException e) {
        throw new JsonException("\"" + text + "\" is not a number", "");
      }
    }

    String string() {
      pos++; // the opening quote
      int start = pos;
      // Fast path: no escapes.
      while (pos < in.length) {
        byte b = in[pos];
        if (b == '"') {
          String s = new String(in, start, pos - start, StandardCharsets.UTF_8);
          pos++;
          return s;
        }
        if (b == '\\' || (b >= 0 && b < 0x20)) {
          break;
        }
        pos++;
      }
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(pos - start + 16);
      out.write(in, start, pos - start);
      while (true) {
        if (pos >= in.length) {
          throw syntax("a string without its closing quote");
        }
        byte b = in[pos++];
        if (b == '"') {
          return out.toString(StandardCharsets.UTF_8);
        }
        if (b >= 0 && b < 0x20) {
          pos--;
          throw syntax("a control character in a string");
        }
        if (b != '\\') {
          out.write(b);
          continue;
        }
        if (pos >= in.length) {
          throw syntax("a string without its closing quote");
        }
        byte e = in[pos++];
        switch (e) {
          case '"', '\\', '/' -> out.write(e);
          case 'b' -> out.write('\b');
          case 'f' -> out.write('\f');
          case 'n' -> out.write('\n');
          case 'r' -> out.write('\r');
          case 't' -> out.write('\t');
          case 'u' -> {
            int cp = hex4();
            if (Character.isHighSurrogate((char) cp) && pos + 1 < in.length && in[pos] == '\\' && in[pos + 1] == 'u') {
              pos += 2;
              int low = hex4();
              if (Character.isLowSurrogate((char) low)) {
                cp = Character.toCodePoint((char) cp, (char) low);
              } else {
                writeUtf8(out, cp);
                cp = low;
              }
            }
            writeUtf8(out, cp);
          }
          default -> {
            pos--;
            throw syntax("an unknown escape \\" + (char) e);
          }
        }
      }
    }

    private int hex4() {
      if (pos + 4 > in.length) {
        throw syntax("a \\u escape cut short");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(in[pos++], 16);
        if (d < 0) {
          pos--;
          throw syntax("a \\u escape with a non-hex digit");
        }
        v = v * 16 + d;
      }
      return v;
    }

    private static void writeUtf8(java.io.ByteArrayOutputStream out, int cp) {
      byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writing.

  private static final class Writer {
    static void value(StringBuilder out, Object v) {
      if (v == null) {
        out.append("null");
      } else if (v instanceof String s) {
        string(out, s);
      } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof BigInteger
          || v instanceof Short || v instanceof Byte || v instanceof BigDecimal) {
        out.append(v);
      } else if (v instanceof Double || v instanceof Float) {
        double d = ((Number) v).doubleValue();
        if (Double.isFinite(d)) {
          out.append(v);
        } else {
          string(out, v.toString());
        }
      } else if (v instanceof Map<?, ?> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(out, String.valueOf(e.getKey()));
          out.append(':');
          value(out, e.getValue());
        }
        out.append('}');
      } else if (v instanceof Iterable<?> items) {
        out.append('[');
        boolean first = true;
        for (Object item : items) {
          if (!first) {
            out.append(',');
          }
          first = false;
          value(out, item);
        }
        out.append(']');
      } else if (v instanceof byte[] bytes) {
        string(out, Base64.getEncoder().encodeToString(bytes));
      } else if (v.getClass().isArray()) {
        out.append('[');
        for (int i = 0, n = Array.getLength(v); i < n; i++) {
          if (i > 0) {
            out.append(',');
          }
          value(out, Array.get(v, i));
        }
        out.append(']');
      } else {
        Shape shape = SHAPES.get(v.getClass());
        if (shape.value != null) {
          value(out, invoke(shape.value, v));
        } else if (shape.kind == Kind.ENUM) {
          string(out, ((Enum<?>) v).name());
        } else if (shape.kind == Kind.RECORD) {
          record(out, shape, v);
        } else if (v instanceof Character || v instanceof CharSequence) {
          string(out, v.toString());
        } else {
          throw new IllegalArgumentException("Json cannot write a " + v.getClass().getName());
        }
      }
    }

    private static void record(StringBuilder out, Shape shape, Object v) {
      out.append('{');
      boolean first = true;
      for (int i : shape.order) {
        Object field = invoke(shape.accessors[i], v);
        if (omitted(shape.include[i], field)) {
          continue;
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        string(out, shape.names[i]);
        out.append(':');
        if (shape.keySets[i] && field instanceof Collection<?> keys) {
          out.append('{');
          boolean firstKey = true;
          for (Object key : new TreeSet<>(keys)) {
            if (!firstKey) {
              out.append(',');
            }
            firstKey = false;
            string(out, String.valueOf(key));
            out.append(":{}");
          }
          out.append('}');
        } else {
          value(out, field);
        }
      }
      out.append('}');
    }

    private static boolean omitted(JsonInclude.Include include, Object v) {
      return switch (include) {
        case NON_NULL -> v == null;
        case NON_EMPTY -> v == null || (v instanceof Collection<?> c && c.isEmpty())
            || (v instanceof Map<?, ?> m && m.isEmpty()) || (v instanceof String s && s.isEmpty())
            || (v.getClass().isArray() && Array.getLength(v) == 0);
        case NON_ABSENT -> v == null;
        default -> false;
      };
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    static void string(StringBuilder out, String s) {
      out.append('"');
      int start = 0;
      for (int i = 0, n = s.length(); i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x20 && c != '"' && c != '\\') {
          continue;
        }
        out.append(s, start, i);
        start = i + 1;
        switch (c) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
        }
      }
      out.append(s, start, s.length()).append('"');
    }
  }
}
