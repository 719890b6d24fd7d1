package io.berth.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and writes the specification's JSON documents with one shared, configured mapper. */
public final class SpecJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          .configure(SerializationFeature.INDENT_OUTPUT, false);

  private SpecJson() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Reads a bundle's config.json; a malformed file becomes an {@link InvalidSpecException}. */
  public static Spec readConfig(Path configJson) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(configJson);
    } catch (NoSuchFileException e) {
      throw new InvalidSpecException(configJson + ": no such file (is --bundle a bundle directory?)");
    }
    return parse(bytes, Spec.class, configJson.toString());
  }

  public static <T> T parse(byte[] json, Class<T> type, String what) {
    try {
      T value = MAPPER.readValue(json, type);
      if (value == null) {
        throw new InvalidSpecException(what + ": empty document");
      }
      return value;
    } catch (MismatchedInputException e) {
      throw new InvalidSpecException(
          what + ": " + e.getOriginalMessage() + " at " + e.getPathReference());
    } catch (JsonProcessingException e) {
      throw new InvalidSpecException(what + ": malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String toString(Object value) {
    return new String(toBytes(value), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Two-space indent and {@code "key": value}, as runc and Go's encoders print it. */
  private static final com.fasterxml.jackson.core.util.DefaultPrettyPrinter PRETTY =
      new com.fasterxml.jackson.core.util.DefaultPrettyPrinter(
              com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER))
          .withArrayIndenter(com.fasterxml.jackson.core.util.DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

  public static String toPrettyString(Object value) {
    try {
      return MAPPER.writer(PRETTY).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
