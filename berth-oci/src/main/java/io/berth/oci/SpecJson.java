package io.berth.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.berth.json.Json;
import io.berth.json.JsonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes the specification's JSON documents: records through {@link Json}, trees and
 * pretty printing through one shared, configured Jackson mapper, made on first use.
 */
public final class SpecJson {
  private SpecJson() {}

  private static final class Jackson {
    static final ObjectMapper MAPPER =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false);

    /** Two-space indent and {@code "key": value}, as runc and Go's encoders print it. */
    static final com.fasterxml.jackson.core.util.DefaultPrettyPrinter PRETTY =
        new com.fasterxml.jackson.core.util.DefaultPrettyPrinter(
                com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER))
            .withArrayIndenter(com.fasterxml.jackson.core.util.DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
  }

  public static ObjectMapper mapper() {
    return Jackson.MAPPER;
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

  /**
   * Binds {@code json} to {@code type}. Records go through {@link Json}, which is far cheaper than
   * Jackson's data binding on a cold JVM (a one-shot command); anything else through Jackson.
   */
  public static <T> T parse(byte[] json, Class<T> type, String what) {
    if (!type.isRecord()) {
      return jackson(json, type, what);
    }
    try {
      return Json.read(json, type);
    } catch (JsonException e) {
      throw new InvalidSpecException(what + ": " + e.getMessage());
    }
  }

  private static <T> T jackson(byte[] json, Class<T> type, String what) {
    try {
      T value = mapper().readValue(json, type);
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

  /**
   * Jackson's JSON of any value: what users and clients see (API answers, inspect) keeps Jackson's
   * form. Berth's own files on a container's path are written with {@link Json#write}.
   */
  public static byte[] toBytes(Object value) {
    try {
      return mapper().writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String toString(Object value) {
    return new String(toBytes(value), java.nio.charset.StandardCharsets.UTF_8);
  }

  public static String toPrettyString(Object value) {
    try {
      return mapper().writer(Jackson.PRETTY).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
