package io.berth.image.layer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A tar member name reduced to its components below the layer root. Names are raw byte strings:
 * each char holds one byte of the name as stored in the archive (Latin-1 decoding is a bijection),
 * so a name that is not UTF-8 is written to disk byte for byte.
 *
 * <p>Reduction is lexical: a leading "/" is dropped (archives made from "/" are still relative to
 * the layer root), "." and empty components vanish, and ".." removes the previous component. A
 * ".." with nothing left to remove would climb out of the layer, so it is refused rather than
 * clamped: a layer that tries is hostile or broken, and either way must not be applied.
 */
record EntryPath(String raw, List<String> parts) {
  /** Linux resolves at most this many bytes in one path; longer names are never legitimate. */
  static final int MAX_NAME = 4096;

  static EntryPath parse(String raw) {
    if (raw.length() > MAX_NAME) {
      throw new LayerException(
          "layer entry \"" + display(raw.substring(0, 64)) + "...\" has a name longer than "
              + MAX_NAME + " bytes: refused");
    }
    if (raw.indexOf('\0') >= 0) {
      throw new LayerException("layer entry \"" + display(raw) + "\" has a NUL byte in its name: refused");
    }
    List<String> parts = new ArrayList<>();
    for (String part : raw.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new LayerException(
              "layer entry \"" + display(raw) + "\" escapes the layer root: refused");
        }
        parts.removeLast();
        continue;
      }
      parts.add(part);
    }
    return new EntryPath(raw, List.copyOf(parts));
  }

  boolean isRoot() {
    return parts.isEmpty();
  }

  /** The last component; empty for the root. */
  String name() {
    return parts.isEmpty() ? "" : parts.getLast();
  }

  List<String> parent() {
    return parts.isEmpty() ? parts : parts.subList(0, parts.size() - 1);
  }

  /** The reduced path, components joined by "/"; "" for the root. */
  String relative() {
    return String.join("/", parts);
  }

  /** The name as the archive gave it, for messages. */
  @Override
  public String toString() {
    return display(raw);
  }

  /** A raw byte string shown as text: UTF-8 where it is valid (as almost all names are). */
  static String display(String raw) {
    return new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
  }
}
