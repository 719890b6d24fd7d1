package io.berth.image.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.berth.json.Json;
import io.berth.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads and writes the image documents. Reading ignores properties Berth does not know, as the
 * spec requires; every malformed document becomes an {@link InvalidImageException} naming the
 * document and the fault. Writing is canonical: no whitespace, fields in the order the records
 * declare (the order of the spec's Go types), map keys sorted (as Go writes them), nulls left
 * out. A manifest Berth writes therefore always has the same bytes and so the same digest.
 * Documents Berth did not write are stored and hashed as received, never re-serialized.
 */
public final class ImageJson {
  /** Made on first use: a container's start reads only its image's config, through {@link Json}. */
  private static final class Jackson {
    static final ObjectMapper MAPPER =
        new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .configure(SerializationFeature.INDENT_OUTPUT, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
  }

  private static final Map<Class<?>, String> NAMES = Map.of(
      Manifest.class, "image manifest",
      Index.class, "image index",
      ImageConfig.class, "image config",
      Descriptor.class, "descriptor",
      Platform.class, "platform");

  private ImageJson() {}

  public static ObjectMapper mapper() {
    return Jackson.MAPPER;
  }

  public static Manifest manifest(byte[] json) {
    requireSchema2(json, "image manifest");
    return parse(json, Manifest.class);
  }

  public static Index index(byte[] json) {
    requireSchema2(json, "image index");
    return parse(json, Index.class);
  }

  /**
   * Checked before binding, because a schema 1 manifest lacks the fields schema 2 requires and
   * would otherwise be reported as "missing config" rather than as what it is.
   */
  private static void requireSchema2(byte[] json, String what) {
    JsonNode version;
    try {
      JsonNode tree = Jackson.MAPPER.readTree(json);
      version = tree == null ? null : tree.get("schemaVersion");
    } catch (IOException e) {
      return; // parse() reports the syntax error with its location
    }
    if (version != null && version.canConvertToInt() && version.asInt() != 2) {
      throw new InvalidImageException("invalid " + what + ": schemaVersion is " + version.asInt()
          + (version.asInt() == 1 ? " (a Docker schema 1 manifest)" : "")
          + "; only schema 2 (OCI and Docker v2.2) is supported");
    }
  }

  /**
   * Parses an image config and checks what a runnable image needs: architecture, os, and a
   * {@code rootfs} of type {@code layers} (the spec requires an error for any other type).
   */
  public static ImageConfig config(byte[] json) {
    ImageConfig config;
    try {
      // Not Jackson: a container's start reads its image's config, and on a cold JVM (a one-shot
      // command) Jackson's first binding of these records costs tens of milliseconds.
      config = Json.read(json, ImageConfig.class);
    } catch (JsonException e) {
      throw new InvalidImageException("invalid image config: " + e.getMessage(), e);
    }
    if (config.architecture() == null || config.os() == null) {
      throw new InvalidImageException("invalid image config: architecture and os are required");
    }
    if (config.rootfs() == null) {
      throw new InvalidImageException("invalid image config: rootfs is required");
    }
    if (!"layers".equals(config.rootfs().type())) {
      throw new InvalidImageException(
          "invalid image config: rootfs.type is \"" + config.rootfs().type() + "\", expected \"layers\"");
    }
    return config;
  }

  public static <T> T parse(byte[] json, Class<T> type) {
    String what = NAMES.getOrDefault(type, type.getSimpleName());
    try {
      T value = Jackson.MAPPER.readValue(json, type);
      if (value == null) {
        throw new InvalidImageException("invalid " + what + ": empty document");
      }
      return value;
    } catch (ValueInstantiationException e) {
      // A record constructor refused a value: its message is the useful part.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new InvalidImageException("invalid " + what + ": " + cause.getMessage() + location(e), e);
    } catch (JsonProcessingException e) {
      // Digest.parse failures arrive wrapped; show the innermost message.
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String message = root instanceof IllegalArgumentException ? root.getMessage() : plain(e.getOriginalMessage());
      throw new InvalidImageException("invalid " + what + ": " + message + location(e), e);
    } catch (IOException e) {
      throw new IllegalStateException("reading JSON from memory failed", e);
    }
  }

  /** Jackson's message without its advice about Jackson's own settings. */
  private static String plain(String message) {
    return message.replaceAll(" \\(index \\d+\\)", "").replaceAll(" \\(set [^)]*\\)", "")
        .replaceAll(" \\(for [^)]*\\)", "");
  }

  private static String location(JsonProcessingException e) {
    if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder(" at ");
      for (var ref : mapping.getPath()) {
        if (ref.getFieldName() != null) {
          path.append(path.length() > 4 ? "." : "").append(ref.getFieldName());
        } else {
          path.append('[').append(ref.getIndex()).append(']');
        }
      }
      return path.toString();
    }
    return "";
  }

  /**
   * The media type of a manifest or index whose HTTP Content-Type is missing or generic: the
   * document's own {@code mediaType}, else what its fields show ({@code manifests} for an index,
   * {@code config} for a manifest), as the spec's field tables allow.
   */
  public static String mediaTypeOf(byte[] json) {
    JsonNode tree;
    try {
      tree = Jackson.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new InvalidImageException("invalid image document: malformed JSON", e);
    }
    if (tree == null || !tree.isObject()) {
      throw new InvalidImageException("invalid image document: not a JSON object");
    }
    JsonNode mediaType = tree.get("mediaType");
    if (mediaType != null && mediaType.isTextual()) {
      return mediaType.asText();
    }
    if (tree.has("manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (tree.has("config")) {
      return MediaTypes.OCI_MANIFEST;
    }
    if (tree.path("schemaVersion").asInt() == 1) {
      return MediaTypes.DOCKER_SCHEMA1_MANIFEST;
    }
    throw new InvalidImageException(
        "invalid image document: no mediaType, and neither manifests nor config to tell what it is");
  }

  /** The canonical bytes of a document (see the class comment). */
  public static byte[] toBytes(Object document) {
    try {
      return Jackson.MAPPER.writeValueAsBytes(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + document.getClass().getSimpleName(), e);
    }
  }

  public static String toString(Object document) {
    return new String(toBytes(document), StandardCharsets.UTF_8);
  }

  /** Indented, for people (image inspect); never hashed. */
  public static String toPrettyString(Object document) {
    DefaultPrettyPrinter pretty =
        new DefaultPrettyPrinter().withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    try {
      return Jackson.MAPPER.writer(pretty).writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + document.getClass().getSimpleName(), e);
    }
  }
}
