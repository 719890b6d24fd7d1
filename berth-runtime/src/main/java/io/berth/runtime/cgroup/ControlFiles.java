package io.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes cgroup control files, turning I/O errors into messages that name file and value.
 */
final class ControlFiles {
  /** v1 reports "no limit" as LONG_MAX rounded down to a page; anything this large is unlimited. */
  private static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

  private ControlFiles() {}

  /**
   * Writes {@code value} with one write(2): the kernel parses each write on its own, so a rule or
   * limit split across two writes would be two wrong values. Never creates the file: a missing
   * control file means a missing controller, which must be an error.
   */
  static void write(Path file, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      int written = ch.write(ByteBuffer.wrap(bytes));
      if (written != bytes.length) {
        throw new CgroupException(
            "cannot write \"" + value + "\" to " + file + ": short write of " + written + " bytes");
      }
    } catch (NoSuchFileException e) {
      throw new CgroupException(
          "cannot write \""
              + value
              + "\" to "
              + file
              + ": no such file (is the controller mounted, or enabled in the parent's"
              + " cgroup.subtree_control?)",
          e);
    } catch (IOException e) {
      throw new CgroupException("cannot write \"" + value + "\" to " + file + ": " + reason(e), e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      throw new CgroupException("cannot read " + file + ": no such file", e);
    } catch (IOException e) {
      throw new CgroupException("cannot read " + file + ": " + reason(e), e);
    }
  }

  /** The file's content, or null when the file (or its directory) does not exist. */
  static String readIfPresent(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new CgroupException("cannot read " + file + ": " + reason(e), e);
    }
  }

  /** A number, or -1 for "max" and v1's near-LONG_MAX "unlimited"; null when the file is absent. */
  static Long readLimit(Path file) {
    String s = readIfPresent(file);
    if (s == null) {
      return null;
    }
    if (s.equals("max")) {
      return -1L;
    }
    long v = parseLong(file, s);
    return v >= V1_UNLIMITED_THRESHOLD ? -1L : v;
  }

  static Long readLong(Path file) {
    String s = readIfPresent(file);
    return s == null ? null : parseLong(file, s);
  }

  /** The value of {@code key} in a flat-keyed file such as cpu.stat, or null. */
  static Long readKeyed(Path file, String key) {
    String s = readIfPresent(file);
    if (s == null) {
      return null;
    }
    for (String line : s.split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2 && kv[0].equals(key)) {
        return parseLong(file, kv[1]);
      }
    }
    return null;
  }

  static String reason(IOException e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  private static long parseLong(Path file, String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new CgroupException("unexpected content \"" + s + "\" in " + file, e);
    }
  }
}
