package io.berth.image.layer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The records of a PAX extended header ({@code "<len> <key>=<value>\n"}). Values stay bytes:
 * xattr values such as {@code security.capability} are binary, and decoding them as UTF-8 would
 * corrupt them. GNU sparse format 0.0 repeats its offset and size keys, so those are kept in order.
 */
final class PaxHeaders {
  static final String SCHILY_XATTR = "SCHILY.xattr.";
  static final String LIBARCHIVE_XATTR = "LIBARCHIVE.xattr.";

  final Map<String, byte[]> values = new HashMap<>();
  final List<Long> sparseOffsets = new ArrayList<>();
  final List<Long> sparseLengths = new ArrayList<>();

  static PaxHeaders parse(byte[] data) {
    PaxHeaders pax = new PaxHeaders();
    int pos = 0;
    while (pos < data.length) {
      if (data[pos] == 0) {
        break; // some writers pad the header data with NULs
      }
      int space = indexOf(data, (byte) ' ', pos);
      if (space < 0) {
        throw TarReader.corrupt("PAX record without a length");
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw TarReader.corrupt("PAX record with a bad length");
      }
      int end = pos + len;
      if (len <= 0 || end > data.length || data[end - 1] != '\n') {
        throw TarReader.corrupt("PAX record overruns its header");
      }
      int eq = indexOf(data, (byte) '=', space + 1);
      if (eq < 0 || eq >= end) {
        throw TarReader.corrupt("PAX record without '='");
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.ISO_8859_1);
      byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1);
      switch (key) {
        case "GNU.sparse.offset" -> pax.sparseOffsets.add(TarReader.decimal(key, value));
        case "GNU.sparse.numbytes" -> pax.sparseLengths.add(TarReader.decimal(key, value));
        default -> pax.values.put(key, value);
      }
      pos = end;
    }
    return pax;
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** A value as a raw string, or null when absent or empty (an empty value cancels the key). */
  String string(String key) {
    byte[] v = values.get(key);
    return v == null || v.length == 0 ? null : new String(v, StandardCharsets.ISO_8859_1);
  }
}
