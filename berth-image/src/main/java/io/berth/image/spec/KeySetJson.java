package io.berth.image.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * ExposedPorts and Volumes are Go's {@code map[string]struct{}} on the wire, {@code {"80/tcp":
 * {}}}: a set of keys. These adapters give Java a {@code Set<String>} and write the keys sorted,
 * as Go does, so a config Berth writes has one byte form.
 */
final class KeySetJson {
  private KeySetJson() {}

  static final class Writer extends JsonSerializer<Set<String>> {
    @Override
    public void serialize(Set<String> keys, JsonGenerator json, SerializerProvider provider)
        throws IOException {
      json.writeStartObject();
      for (String key : new TreeSet<>(keys)) {
        json.writeFieldName(key);
        json.writeStartObject();
        json.writeEndObject();
      }
      json.writeEndObject();
    }
  }

  static final class Reader extends JsonDeserializer<Set<String>> {
    @Override
    public Set<String> deserialize(JsonParser json, DeserializationContext context) throws IOException {
      if (json.currentToken() != JsonToken.START_OBJECT) {
        return context.reportInputMismatch(
            Set.class, "expected an object whose keys are the entries, e.g. {\"80/tcp\": {}}");
      }
      Set<String> keys = new LinkedHashSet<>();
      for (String key = json.nextFieldName(); key != null; key = json.nextFieldName()) {
        keys.add(key);
        json.nextToken();
        json.skipChildren(); // the value carries no information
      }
      return Collections.unmodifiableSet(keys);
    }
  }
}
