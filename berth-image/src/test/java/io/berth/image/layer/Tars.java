package io.berth.image.layer;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds test layers with commons-compress, an independent tar writer. */
final class Tars {
  static final long MTIME = 1_600_000_000L;

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  private Tars(int longFileMode) {
    tar = new TarArchiveOutputStream(bytes);
    tar.setLongFileMode(longFileMode);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  /** Long names as PAX headers. */
  static Tars pax() {
    return new Tars(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  /** Long names as GNU 'L'/'K' members. */
  static Tars gnu() {
    return new Tars(TarArchiveOutputStream.LONGFILE_GNU);
  }

  private static TarArchiveEntry entry(String name, byte type) {
    // preserveAbsolutePath: hostile names must reach the archive as written.
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setIds(0, 0);
    e.setModTime(FileTime.fromMillis(MTIME * 1000));
    return e;
  }

  Tars dir(String name, int mode) {
    return dir(name, mode, e -> {});
  }

  Tars dir(String name, int mode, Consumer<TarArchiveEntry> tweak) {
    TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
    e.setMode(040000 | mode);
    tweak.accept(e);
    return add(e, new byte[0]);
  }

  Tars file(String name, String content) {
    return file(name, content, 0644, e -> {});
  }

  Tars file(String name, String content, int mode, Consumer<TarArchiveEntry> tweak) {
    TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL);
    e.setMode(0100000 | mode);
    tweak.accept(e);
    return add(e, content.getBytes(StandardCharsets.UTF_8));
  }

  Tars symlink(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK);
    e.setMode(0120777);
    e.setLinkName(target);
    return add(e, new byte[0]);
  }

  Tars hardlink(String name, String target) {
    TarArchiveEntry e = entry(name, TarConstants.LF_LINK);
    e.setMode(0100644);
    e.setLinkName(target);
    return add(e, new byte[0]);
  }

  Tars device(String name, byte type, int major, int minor, int mode) {
    TarArchiveEntry e = entry(name, type);
    e.setMode(mode);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return add(e, new byte[0]);
  }

  /** A raw PAX extended header for the next member: values may be any bytes. */
  Tars paxRecord(String key, byte[] value) {
    byte[] k = (" " + key + "=").getBytes(StandardCharsets.ISO_8859_1);
    int body = k.length + value.length + 1;
    int len = body + Integer.toString(body).length();
    if (Integer.toString(len).length() != Integer.toString(body).length()) {
      len++;
    }
    ByteArrayOutputStream rec = new ByteArrayOutputStream();
    rec.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
    rec.writeBytes(k);
    rec.writeBytes(value);
    rec.write('\n');
    TarArchiveEntry e = new TarArchiveEntry("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    return add(e, rec.toByteArray());
  }

  Tars add(TarArchiveEntry e, byte[] data) {
    try {
      e.setSize(data.length);
      tar.putArchiveEntry(e);
      tar.write(data);
      tar.closeArchiveEntry();
      return this;
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }

  byte[] tar() {
    try {
      tar.finish();
      tar.close();
      return bytes.toByteArray();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  static byte[] zstd(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZstdOutputStream z = new ZstdOutputStream(out)) {
      z.write(data);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }

  static String sha256(byte[] data) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (Exception x) {
      throw new IllegalStateException(x);
    }
  }

  static byte[] truncate(byte[] data, int length) {
    return Arrays.copyOf(data, length);
  }
}
