package io.berth.image.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a tar stream one member at a time, without buffering member data: ustar, GNU (long names,
 * base-256 numbers, old sparse files) and PAX (path, linkpath, size, ids, sub-second mtime,
 * SCHILY and LIBARCHIVE xattrs, GNU sparse 0.0, 0.1 and 1.0).
 *
 * <p>Written here rather than taken from commons-compress because that reader decodes PAX values
 * as UTF-8, which corrupts binary xattrs such as {@code security.capability}.
 */
final class TarReader {
  private static final int BLOCK = 512;
  /** Long names, link names and PAX headers are held in memory; a layer may not inflate them. */
  private static final int MAX_META = 8 << 20;
  private static final int MAX_SPARSE_SEGMENTS = 1 << 20;

  private final InputStream in;
  private final byte[] block = new byte[BLOCK];
  private final byte[] scratch = new byte[64 << 10];
  private PaxHeaders global = new PaxHeaders();
  private long position; // bytes consumed from the stream, for messages
  private long remaining; // unread stored bytes of the current member
  private long padding; // bytes after them up to the next header
  private boolean ended;

  TarReader(InputStream in) {
    this.in = in;
  }

  static LayerException corrupt(String detail) {
    return new LayerException("layer is truncated or corrupt: " + detail);
  }

  /** The next member, or null at the end of the archive. */
  TarEntry next() throws IOException {
    if (ended) {
      return null;
    }
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
    PaxHeaders local = null;
    String longName = null;
    String longLink = null;
    while (true) {
      long headerAt = position;
      if (!readBlock()) {
        if (local != null || longName != null || longLink != null) {
          throw new EOFException("the archive ends after an extended header");
        }
        // EOF exactly between members: Go's archive/tar and GNU tar accept a missing
        // end-of-archive marker, and layers from such writers exist.
        ended = true;
        return null;
      }
      if (isZero(block)) {
        if (readBlock() && !isZero(block)) {
          throw corrupt("data after an end-of-archive block at offset " + headerAt);
        }
        ended = true;
        return null;
      }
      verifyChecksum(headerAt);
      byte type = block[156];
      long size = number(124, 12, "size");
      switch (type) {
        case 'x' -> {
          PaxHeaders p = PaxHeaders.parse(readMeta(size));
          if (local != null) {
            local.values.putAll(p.values);
          } else {
            local = p;
          }
          continue;
        }
        case 'g' -> {
          PaxHeaders p = PaxHeaders.parse(readMeta(size));
          global.values.putAll(p.values);
          continue;
        }
        case 'L' -> {
          longName = cString(readMeta(size));
          continue;
        }
        case 'K' -> {
          longLink = cString(readMeta(size));
          continue;
        }
        default -> {
          return member(type, size, local == null ? new PaxHeaders() : local, longName, longLink);
        }
      }
    }
  }

  /** Reads stored bytes of the current member; -1 when they are all read. */
  int read(byte[] b, int off, int len) throws IOException {
    if (remaining == 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, remaining));
    if (n < 0) {
      throw new EOFException("the archive ends inside a member");
    }
    position += n;
    remaining -= n;
    return n;
  }

  /** Reads the rest of the stream: trailing bytes belong to the diffId, and to checksums. */
  void drain() throws IOException {
    while (in.read(scratch, 0, scratch.length) >= 0) {
      // hashed by the stream below
    }
  }

  private TarEntry member(byte type, long size, PaxHeaders local, String longName, String longLink)
      throws IOException {
    boolean posix = matches(257, "ustar\0");
    String name = first(local.string("path"), global.string("path"), longName, null);
    if (name == null) {
      name = field(0, 100);
      String prefix = posix ? field(345, 155) : "";
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    String link = first(local.string("linkpath"), global.string("linkpath"), longLink, field(157, 100));
    TarEntry.Type kind =
        switch (type) {
          case '0', '\0', '7', 'S' -> name.endsWith("/") ? TarEntry.Type.DIRECTORY : TarEntry.Type.FILE;
          case '1' -> TarEntry.Type.HARD_LINK;
          case '2' -> TarEntry.Type.SYMLINK;
          case '3' -> TarEntry.Type.CHAR_DEVICE;
          case '4' -> TarEntry.Type.BLOCK_DEVICE;
          case '5' -> TarEntry.Type.DIRECTORY;
          case '6' -> TarEntry.Type.FIFO;
          default ->
              throw new LayerException(
                  "layer entry \"" + EntryPath.display(name) + "\" has unsupported tar type '"
                      + (char) (type & 0xff) + "': refused");
        };
    String paxSize = first(local.string("size"), global.string("size"), null, null);
    if (paxSize != null) {
      size = decimal("size", paxSize.getBytes(StandardCharsets.ISO_8859_1));
    }
    long mtimeSec;
    int mtimeNanos = 0;
    String paxMtime = first(local.string("mtime"), global.string("mtime"), null, null);
    if (paxMtime != null) {
      try {
        BigDecimal t = new BigDecimal(paxMtime);
        BigDecimal whole = t.setScale(0, RoundingMode.FLOOR);
        mtimeSec = whole.longValueExact();
        mtimeNanos = t.subtract(whole).movePointRight(9).intValue();
      } catch (ArithmeticException | NumberFormatException e) {
        throw corrupt("bad PAX mtime \"" + paxMtime + "\" for \"" + EntryPath.display(name) + "\"");
      }
    } else {
      mtimeSec = number(136, 12, "mtime");
    }
    int uid = id(local, "uid", 108);
    int gid = id(local, "gid", 116);
    int mode = (int) (number(100, 8, "mode") & 07777);
    int major = (int) number(329, 8, "devmajor");
    int minor = (int) number(337, 8, "devminor");

    TarEntry.Sparse sparse = null;
    if (type == 'S') {
      sparse = oldGnuSparse();
    }
    boolean headerOnly = kind != TarEntry.Type.FILE;
    // Go's archive/tar and GNU tar ignore the size of members that cannot have data.
    remaining = headerOnly ? 0 : size;
    padding = headerOnly ? 0 : (BLOCK - size % BLOCK) % BLOCK;
    if (sparse == null) {
      String major1 = first(local.string("GNU.sparse.major"), null, null, null);
      if (major1 != null || !local.sparseOffsets.isEmpty() || local.string("GNU.sparse.map") != null) {
        String realName = local.string("GNU.sparse.name");
        if (realName != null) {
          name = realName;
        }
        sparse = paxSparse(local, major1);
      }
    }
    if (sparse != null) {
      checkSparse(sparse, name);
    }
    return new TarEntry(kind, name, link, mode, uid, gid, mtimeSec, mtimeNanos, remaining, major,
        minor, xattrs(local), sparse);
  }

  private int id(PaxHeaders local, String key, int offset) {
    String pax = first(local.string(key), global.string(key), null, null);
    long v =
        pax != null ? decimal(key, pax.getBytes(StandardCharsets.ISO_8859_1)) : number(offset, 8, key);
    if (v < 0 || v > 0xfffffffeL) { // (uid_t)-1 means "leave unchanged" to chown
      throw corrupt("bad " + key + " " + v);
    }
    return (int) v;
  }

  private Map<String, byte[]> xattrs(PaxHeaders local) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (PaxHeaders p : List.of(global, local)) {
      for (Map.Entry<String, byte[]> e : p.values.entrySet()) {
        String key = e.getKey();
        if (key.startsWith(PaxHeaders.SCHILY_XATTR)) {
          out.put(key.substring(PaxHeaders.SCHILY_XATTR.length()), e.getValue());
        } else if (key.startsWith(PaxHeaders.LIBARCHIVE_XATTR)) {
          // libarchive URL-encodes the name and base64-encodes the value.
          String encoded = key.substring(PaxHeaders.LIBARCHIVE_XATTR.length());
          String attr = percentDecoded(encoded);
          try {
            out.putIfAbsent(attr, Base64.getDecoder().decode(e.getValue()));
          } catch (IllegalArgumentException bad) {
            throw corrupt("bad base64 in " + EntryPath.display(key));
          }
        }
      }
    }
    return out;
  }

  /** GNU's original sparse member: up to 4 segments in the header, more in extension blocks. */
  private TarEntry.Sparse oldGnuSparse() throws IOException {
    List<TarEntry.Segment> segments = new ArrayList<>();
    boolean extended = block[482] != 0;
    long realSize = number(483, 12, "realsize");
    collectSegments(386, 4, segments);
    while (extended) {
      if (!readBlock()) {
        throw new EOFException("the archive ends inside a sparse header");
      }
      collectSegments(0, 21, segments);
      extended = block[504] != 0;
    }
    return new TarEntry.Sparse(realSize, segments);
  }

  private void collectSegments(int at, int count, List<TarEntry.Segment> into) {
    for (int i = 0; i < count; i++) {
      int off = at + i * 24;
      if (block[off] == 0) {
        return;
      }
      if (into.size() >= MAX_SPARSE_SEGMENTS) {
        throw corrupt("too many sparse segments");
      }
      into.add(new TarEntry.Segment(number(off, 12, "sparse offset"), number(off + 12, 12, "sparse size")));
    }
  }

  private TarEntry.Sparse paxSparse(PaxHeaders local, String major) throws IOException {
    String minor = local.string("GNU.sparse.minor");
    List<TarEntry.Segment> segments = new ArrayList<>();
    String real = first(local.string("GNU.sparse.realsize"), local.string("GNU.sparse.size"), null, null);
    if (real == null) {
      throw corrupt("sparse member without its real size");
    }
    long realSize = decimal("GNU.sparse.realsize", real.getBytes(StandardCharsets.ISO_8859_1));
    if ("1".equals(major) && "0".equals(minor)) {
      List<Long> numbers = sparseMapInData();
      for (int i = 0; i + 1 < numbers.size(); i += 2) {
        segments.add(new TarEntry.Segment(numbers.get(i), numbers.get(i + 1)));
      }
    } else if (local.string("GNU.sparse.map") != null) {
      String[] parts = local.string("GNU.sparse.map").split(",");
      if (parts.length % 2 != 0 || parts.length / 2 > MAX_SPARSE_SEGMENTS) {
        throw corrupt("bad GNU.sparse.map");
      }
      for (int i = 0; i < parts.length; i += 2) {
        segments.add(new TarEntry.Segment(
            decimal("GNU.sparse.map", parts[i].getBytes(StandardCharsets.ISO_8859_1)),
            decimal("GNU.sparse.map", parts[i + 1].getBytes(StandardCharsets.ISO_8859_1))));
      }
    } else {
      if (local.sparseOffsets.size() != local.sparseLengths.size()) {
        throw corrupt("unpaired GNU.sparse.offset/numbytes");
      }
      for (int i = 0; i < local.sparseOffsets.size(); i++) {
        segments.add(new TarEntry.Segment(local.sparseOffsets.get(i), local.sparseLengths.get(i)));
      }
    }
    return new TarEntry.Sparse(realSize, segments);
  }

  /** Format 1.0 puts the map at the start of the data: decimal lines, padded to a block. */
  private List<Long> sparseMapInData() throws IOException {
    long start = remaining;
    long count = nextDecimalLine();
    if (count < 0 || count > MAX_SPARSE_SEGMENTS) {
      throw corrupt("bad sparse map size " + count);
    }
    List<Long> numbers = new ArrayList<>();
    for (long i = 0; i < count * 2; i++) {
      numbers.add(nextDecimalLine());
    }
    long used = start - remaining;
    long pad = (BLOCK - used % BLOCK) % BLOCK;
    if (pad > remaining) {
      throw corrupt("sparse map overruns its member");
    }
    skip(pad);
    remaining -= pad;
    return numbers;
  }

  private long nextDecimalLine() throws IOException {
    long v = 0;
    int digits = 0;
    while (true) {
      if (remaining == 0) {
        throw corrupt("sparse map overruns its member");
      }
      int c = in.read();
      if (c < 0) {
        throw new EOFException("the archive ends inside a sparse map");
      }
      position++;
      remaining--;
      if (c == '\n') {
        if (digits == 0) {
          throw corrupt("empty line in a sparse map");
        }
        return v;
      }
      if (c < '0' || c > '9' || ++digits > 18) {
        throw corrupt("bad number in a sparse map");
      }
      v = v * 10 + (c - '0');
    }
  }

  private void checkSparse(TarEntry.Sparse sparse, String name) {
    long end = 0;
    long stored = 0;
    for (TarEntry.Segment s : sparse.segments()) {
      if (s.offset() < end || s.length() < 0 || s.offset() + s.length() > sparse.realSize()) {
        throw corrupt("bad sparse map for \"" + EntryPath.display(name) + "\"");
      }
      end = s.offset() + s.length();
      stored += s.length();
    }
    if (stored != remaining) {
      throw corrupt("sparse map of \"" + EntryPath.display(name) + "\" does not match its data");
    }
  }

  private byte[] readMeta(long size) throws IOException {
    if (size < 0 || size > MAX_META) {
      throw corrupt("extended header of " + size + " bytes");
    }
    byte[] data = readFully((int) size);
    skip((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  private byte[] readFully(int n) throws IOException {
    byte[] data = in.readNBytes(n);
    position += data.length;
    if (data.length < n) {
      throw new EOFException("the archive ends inside an extended header");
    }
    return data;
  }

  /** True when a whole block was read, false at a clean end of stream. */
  private boolean readBlock() throws IOException {
    int n = in.readNBytes(block, 0, BLOCK);
    position += n;
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("the archive ends inside a header");
    }
    return true;
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
      if (r < 0) {
        throw new EOFException("the archive ends inside a member");
      }
      position += r;
      n -= r;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private void verifyChecksum(long at) {
    long stored = number(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      int b = (i >= 148 && i < 156) ? ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    // Some old writers summed signed chars; GNU tar accepts both.
    if (stored != unsigned && stored != signed) {
      throw corrupt("bad tar header checksum at offset " + at);
    }
  }

  private boolean matches(int offset, String text) {
    for (int i = 0; i < text.length(); i++) {
      if (block[offset + i] != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private String field(int offset, int length) {
    int end = offset;
    while (end < offset + length && block[end] != 0) {
      end++;
    }
    return new String(block, offset, end - offset, StandardCharsets.ISO_8859_1);
  }

  /** An octal field, or a GNU base-256 one (high bit of the first byte set). */
  private long number(int offset, int length, String what) {
    if ((block[offset] & 0x80) != 0) {
      // Two's complement big-endian; bit 6 of the first byte is the sign.
      long v = (block[offset] & 0x40) != 0 ? -1 : 0;
      v = (v << 6) | (block[offset] & 0x3f);
      for (int i = 1; i < length; i++) {
        if ((v >>> 55) != 0 && (v >> 55) != -1) {
          throw corrupt("number too large in the " + what + " field");
        }
        v = (v << 8) | (block[offset + i] & 0xff);
      }
      return v;
    }
    int i = offset;
    int end = offset + length;
    while (i < end && (block[i] == ' ' || block[i] == 0)) {
      i++;
    }
    long v = 0;
    for (; i < end && block[i] != ' ' && block[i] != 0; i++) {
      int d = block[i] - '0';
      if (d < 0 || d > 7) {
        throw corrupt("bad octal number in the " + what + " field at offset " + (position - BLOCK));
      }
      v = (v << 3) | d;
    }
    return v;
  }

  static long decimal(String what, byte[] value) {
    try {
      long v = Long.parseLong(new String(value, StandardCharsets.US_ASCII).trim());
      if (v < 0) {
        throw corrupt("negative " + what);
      }
      return v;
    } catch (NumberFormatException e) {
      throw corrupt("bad number in PAX " + what);
    }
  }

  /** libarchive's %XX escapes, decoded to raw bytes (one char per byte). */
  private static String percentDecoded(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.append((char) (hi * 16 + lo));
          i += 2;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }

  private static String cString(byte[] data) {
    int end = 0;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    return new String(data, 0, end, StandardCharsets.ISO_8859_1);
  }

  private static String first(String a, String b, String c, String d) {
    return a != null ? a : b != null ? b : c != null ? c : d;
  }
}
