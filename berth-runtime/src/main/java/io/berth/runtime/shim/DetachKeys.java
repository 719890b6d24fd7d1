package io.berth.runtime.shim;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * Docker's detach keys, the key sequence on an attached client's stdin that detaches it: a
 * comma-separated list of single characters and {@code ctrl-<x>} (x a letter or one of
 * {@code @[\]^_}), such as {@code ctrl-p,ctrl-q}.
 */
public final class DetachKeys {
  private DetachKeys() {}

  /**
   * The bytes of {@code spec}; empty for an empty spec.
   *
   * @throws IllegalArgumentException naming the first key that is neither form
   */
  public static byte[] parse(String spec) {
    if (spec == null || spec.isEmpty()) {
      return new byte[0];
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String part : spec.split(",")) {
      String k = part.trim();
      String lower = k.toLowerCase(Locale.ROOT);
      if (k.length() == 1) {
        out.write(k.charAt(0));
      } else if (lower.startsWith("ctrl-") && lower.length() == 6) {
        char c = lower.charAt(5);
        int symbol = "@[\\]^_".indexOf(c);
        if (c >= 'a' && c <= 'z') {
          out.write(c - 'a' + 1);
        } else if (symbol >= 0) {
          out.write(symbol == 0 ? 0 : 26 + symbol); // ctrl-@ is NUL, ctrl-[ ESC (27) … ctrl-_ 31
        } else {
          throw new IllegalArgumentException(part);
        }
      } else {
        throw new IllegalArgumentException(part);
      }
    }
    return out.toByteArray();
  }
}
