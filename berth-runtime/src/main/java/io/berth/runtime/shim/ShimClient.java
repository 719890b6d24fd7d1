package io.berth.runtime.shim;

import io.berth.sys.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An attach client of a berth-shim (its attach.sock, SOCK_SEQPACKET): the container's output
 * from the moment of connecting, its stdin, terminal resizes, and its exit code at the end.
 */
public final class ShimClient implements AutoCloseable {
  static final byte OUT_STDOUT = 1;
  static final byte OUT_STDERR = 2;
  static final byte OUT_EXIT = 3;
  static final byte IN_STDIN = 0;
  static final byte IN_CLOSE_STDIN = 1;
  static final byte IN_RESIZE = 2;
  /** The shim reads client messages of up to 32 KiB, type byte included. */
  private static final int MAX_PAYLOAD = 32 * 1024 - 1;

  private final Object lock = new Object();
  private final int fd;
  /** Calls using fd right now; the fd is closed when the last one ends after detach. */
  private int users;
  private boolean closed;

  private ShimClient(int fd) {
    this.fd = fd;
  }

  /** Connects to the shim whose run directory is {@code dir}. */
  public static ShimClient connect(Path dir) {
    return new ShimClient(Libc.connectUnix(dir.resolve("attach.sock").toString(), Libc.SOCK_SEQPACKET));
  }

  /**
   * Copies the container's output to {@code out} and {@code err} and, on a virtual thread,
   * {@code stdinOrNull} to its stdin, until the container exits or the connection ends. Returns
   * the exit code, or -1 when the connection ended first (the shim died, or {@link #detach}).
   *
   * @param closeStdinAtEof close the container's stdin when {@code stdinOrNull} ends
   */
  public int attach(InputStream stdinOrNull, OutputStream out, OutputStream err, boolean closeStdinAtEof) {
    if (stdinOrNull != null) {
      Thread.ofVirtual().name("shim-attach-stdin").start(() -> copyStdin(stdinOrNull, closeStdinAtEof));
    }
    byte[] buf = new byte[64 * 1024 + 1];
    try {
      while (true) {
        if (!acquire()) {
          return -1;
        }
        int n = 0;
        try {
          // A short poll, so that detach() from another thread ends this loop.
          if (Libc.poll(fd, Libc.POLLIN, 200) == 0) {
            continue;
          }
          n = Libc.read(fd, buf, 0, buf.length);
        } finally {
          release();
        }
        if (n <= 0) {
          return -1;
        }
        switch (buf[0]) {
          case OUT_STDOUT -> write(out, buf, n);
          case OUT_STDERR -> write(err, buf, n);
          case OUT_EXIT -> {
            return Integer.parseInt(new String(buf, 1, n - 1, StandardCharsets.US_ASCII).trim());
          }
          default -> {} // a newer shim's message this client does not know
        }
      }
    } catch (RuntimeException e) {
      if (isClosed()) {
        return -1;
      }
      throw e;
    } finally {
      detach();
    }
  }

  private static void write(OutputStream s, byte[] buf, int n) {
    if (s == null) {
      return;
    }
    try {
      s.write(buf, 1, n - 1);
      s.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void copyStdin(InputStream in, boolean closeAtEof) {
    byte[] buf = new byte[MAX_PAYLOAD];
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (n > 0 && !send(IN_STDIN, Arrays.copyOf(buf, n))) {
          return;
        }
      }
      if (closeAtEof) {
        send(IN_CLOSE_STDIN, new byte[0]);
      }
    } catch (IOException | RuntimeException e) {
      // The output side reports how the session ended; a broken stdin only ends the copy.
    }
  }

  /** Sets the terminal's size (with a tty; ignored by the shim otherwise). */
  public void resize(int rows, int cols) {
    send(IN_RESIZE, (rows + " " + cols).getBytes(StandardCharsets.US_ASCII));
  }

  private boolean send(byte type, byte[] payload) {
    byte[] msg = new byte[payload.length + 1];
    msg[0] = type;
    System.arraycopy(payload, 0, msg, 1, payload.length);
    if (!acquire()) {
      return false;
    }
    try {
      Libc.sendMsg(fd, msg, new int[0]);
      return true;
    } finally {
      release();
    }
  }

  // Once closed, the fd's number may belong to someone else: nothing may use it after that.
  private boolean acquire() {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      users++;
      return true;
    }
  }

  private void release() {
    synchronized (lock) {
      if (--users == 0 && closed) {
        Libc.closeQuietly(fd);
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Closes the connection; the container goes on. */
  public void detach() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (users == 0) {
        Libc.closeQuietly(fd);
      }
    }
  }

  @Override
  public void close() {
    detach();
  }
}
