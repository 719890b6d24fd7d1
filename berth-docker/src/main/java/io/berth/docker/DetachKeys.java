package io.berth.docker;

import io.berth.server.HttpException;
import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * Docker's detach keys: a comma-separated sequence of {@code ctrl-<x>} (x a letter or one of
 * {@code @[\]^_}) and single characters; empty means the default, ctrl-p then ctrl-q.
 */
final class DetachKeys {
  static final byte[] DEFAULT = {0x10, 0x11};

  private DetachKeys() {}

  static byte[] parse(String spec) {
    if (spec == null || spec.isEmpty()) {
      return DEFAULT;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String k : spec.split(",")) {
      String key = k.toLowerCase(Locale.ROOT);
      if (key.length() == 1) {
        out.write(k.charAt(0));
      } else if (key.startsWith("ctrl-") && key.length() == 6) {
        char c = key.charAt(5);
        if (c >= 'a' && c <= 'z') {
          out.write(c - 'a' + 1);
        } else if (c == '@') {
          out.write(0);
        } else if (c == '[') {
          out.write(27);
        } else if (c == '\\') {
          out.write(28);
        } else if (c == ']') {
          out.write(29);
        } else if (c == '^') {
          out.write(30);
        } else if (c == '_') {
          out.write(31);
        } else {
          throw HttpException.badRequest("Invalid escape keys (" + spec + ") provided");
        }
      } else {
        throw HttpException.badRequest("Invalid escape keys (" + spec + ") provided");
      }
    }
    return out.toByteArray();
  }
}
