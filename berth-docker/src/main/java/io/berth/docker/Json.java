package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.SpecJson;
import io.berth.server.HttpException;
import io.berth.server.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Request bodies and streamed lines as JSON. */
final class Json {
  private Json() {}

  /** The request's JSON body; an empty body is an empty object when {@code optional}. */
  static JsonNode body(Request r, boolean optional) {
    if (r.body().length == 0 || new String(r.body(), StandardCharsets.UTF_8).isBlank()) {
      if (optional) {
        return SpecJson.mapper().createObjectNode();
      }
      throw HttpException.badRequest("a JSON body is required");
    }
    try {
      JsonNode n = SpecJson.mapper().readTree(r.body());
      if (n == null || n.isMissingNode()) {
        throw HttpException.badRequest("a JSON body is required");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw HttpException.badRequest("invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** One JSON document and a newline: a line of a streamed answer (pull progress, events, stats). */
  static byte[] line(Object value) {
    return (SpecJson.toString(value) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
