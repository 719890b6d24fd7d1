package io.berth.sys;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Small files of /proc the runtime and the engine both read. */
public final class ProcFiles {
  private ProcFiles() {}

  /** The kernel's last capability: a constant of the running kernel, read once (40 if unreadable). */
  private static final int CAP_LAST_CAP = readCapLastCap();

  public static int capLastCap() {
    return CAP_LAST_CAP;
  }

  private static int readCapLastCap() {
    try {
      return Integer.parseInt(sysctl(Path.of("/proc/sys/kernel/cap_last_cap")));
    } catch (IOException | NumberFormatException e) {
      return 40;
    }
  }

  /**
   * A sysctl file's value, trimmed. One read with a large buffer: procfs answers a read at a
   * non-zero offset with EOF, so Files.readString, whose first read is small, sees "4" of "40".
   */
  public static String sysctl(Path file) throws IOException {
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      byte[] b = new byte[4096];
      int n = in.read(b);
      return new String(b, 0, Math.max(n, 0), StandardCharsets.UTF_8).trim();
    }
  }
}
