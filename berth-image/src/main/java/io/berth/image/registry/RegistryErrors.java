package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the error body of the distribution spec, {@code {"errors":[{"code":..,"message":..}]}},
 * into a short phrase for a one-line message. Registries and proxies also answer with HTML or
 * nothing, so anything else falls back to the first line of the body, or nothing.
 */
final class RegistryErrors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;

    private RegistryErrors() {
    }

    /** The codes and messages in the body, e.g. "manifest unknown: manifest unknown"; "" when there is nothing useful. */
    static String describe(InputStream body) {
        byte[] bytes;
        try (body) {
            bytes = body.readNBytes(MAX_BODY);
        } catch (IOException e) {
            return "";
        }
        return describe(bytes);
    }

    static String describe(byte[] bytes) {
        if (bytes.length == 0) {
            return "";
        }
        try {
            JsonNode errors = JSON.readTree(bytes).path("errors");
            if (errors.isArray() && !errors.isEmpty()) {
                List<String> parts = new ArrayList<>();
                for (JsonNode error : errors) {
                    String code = error.path("code").asText("").toLowerCase(Locale.ROOT).replace('_', ' ');
                    String message = error.path("message").asText("");
                    parts.add(message.isEmpty() || message.equalsIgnoreCase(code) ? code
                            : code.isEmpty() ? message : code + ": " + message);
                }
                // One line, whatever the registry put in its messages.
                return String.join("; ", parts).replaceAll("\\s+", " ").strip();
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw text
        }
        String text = new String(bytes, StandardCharsets.UTF_8).strip();
        int newline = text.indexOf('\n');
        String line = newline >= 0 ? text.substring(0, newline).strip() : text;
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
