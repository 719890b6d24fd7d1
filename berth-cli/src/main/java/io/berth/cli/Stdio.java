package io.berth.cli;

import io.berth.sys.Libc;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * The standard streams a command works with: this process's own, or those a client of the
 * daemon lent it (fds received over its socket), as raw fds for containers and as streams for
 * output. {@code lent} says a command runs inside the daemon for a client: it must not touch this
 * JVM's signal handlers or terminal.
 */
record Stdio(int[] fds, InputStream in, OutputStream out, OutputStream err, boolean lent) {
  static Stdio own() {
    return new Stdio(new int[] {0, 1, 2}, System.in, new FileOutputStream(FileDescriptor.out),
        new FileOutputStream(FileDescriptor.err), false);
  }

  static Stdio lent(int[] fds) {
    return new Stdio(Arrays.copyOf(fds, 3), new FdInput(fds[0]), new FdOutput(fds[1]), new FdOutput(fds[2]), true);
  }

  /** Writes to a lent fd. */
  static final class FdOutput extends OutputStream {
    private final int fd;

    FdOutput(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) {
      Libc.writeFully(fd, new byte[] {(byte) b});
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Libc.writeFully(fd, Arrays.copyOfRange(b, off, off + len));
    }
  }

  /** Reads from a lent fd. */
  static final class FdInput extends InputStream {
    private final int fd;

    FdInput(int fd) {
      this.fd = fd;
    }

    @Override
    public int read() {
      byte[] b = new byte[1];
      return read(b, 0, 1) == 1 ? b[0] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      int n = Libc.read(fd, b, off, len);
      return n == 0 ? -1 : n;
    }
  }
}
