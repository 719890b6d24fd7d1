package io.berth.docker;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Docker's stream framing for a container's output without a terminal (attach, exec, logs): each
 * piece goes out as an 8-byte header, {@code [stream, 0, 0, 0, size as big-endian uint32]},
 * followed by the piece; stream 0 is stdin, 1 stdout, 2 stderr (and 3 the system's own messages).
 * With a terminal there is one stream and no framing ({@link #raw}).
 */
final class StreamFraming {
  static final int STDOUT = 1;
  static final int STDERR = 2;

  private final OutputStream out;
  private final boolean framed;

  private StreamFraming(OutputStream out, boolean framed) {
    this.out = out;
    this.framed = framed;
  }

  /** One writer for the connection: stdout and stderr pieces interleave whole, never inside a frame. */
  static StreamFraming multiplexed(OutputStream out) {
    return new StreamFraming(out, true);
  }

  /** With a terminal: the bytes as they come, whatever their stream. */
  static StreamFraming raw(OutputStream out) {
    return new StreamFraming(out, false);
  }

  static StreamFraming of(OutputStream out, boolean tty) {
    return tty ? raw(out) : multiplexed(out);
  }

  synchronized void write(int stream, byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    if (framed) {
      out.write(header(stream, len));
    }
    out.write(b, off, len);
    out.flush();
  }

  void write(int stream, byte[] b) throws IOException {
    write(stream, b, 0, b.length);
  }

  static byte[] header(int stream, int length) {
    return new byte[] {(byte) stream, 0, 0, 0, (byte) (length >>> 24), (byte) (length >>> 16),
        (byte) (length >>> 8), (byte) length};
  }

  /** An output stream whose writes go out as pieces of {@code stream}. */
  OutputStream stream(int stream) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        StreamFraming.this.write(stream, b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }
    };
  }
}
