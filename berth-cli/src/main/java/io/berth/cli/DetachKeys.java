package io.berth.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Docker's detach keys ({@code ctrl-p,ctrl-q} by default): a key sequence on stdin that ends an
 * attach session and leaves the container running. The keys of an unfinished sequence are held
 * back, and passed on if the next key does not continue it.
 */
final class DetachKeys {
  private DetachKeys() {}

  static byte[] parse(String keys) {
    try {
      return io.berth.runtime.shim.DetachKeys.parse(keys);
    } catch (IllegalArgumentException e) {
      throw new Flags.UsageException("invalid detach key \"" + e.getMessage() + "\" (e.g. ctrl-p,ctrl-q)");
    }
  }

  /** Stdin with the detach sequence taken out: on the whole sequence, {@code onDetach} runs and the stream ends. */
  static final class Filter extends InputStream {
    private final InputStream in;
    private final byte[] seq;
    private final Runnable onDetach;
    private int matched;
    private boolean done;

    Filter(InputStream in, byte[] seq, Runnable onDetach) {
      this.in = in;
      this.seq = seq;
      this.onDetach = onDetach;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      int n = read(b, 0, 1);
      return n <= 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (!done) {
        int n = in.read(b, off, len);
        if (n < 0) {
          return -1;
        }
        if (seq.length == 0) {
          return n;
        }
        ByteArrayOutputStream pass = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
          byte c = b[off + i];
          if (c == seq[matched]) {
            matched++;
            if (matched == seq.length) {
              done = true;
              onDetach.run();
              return -1;
            }
          } else {
            pass.write(seq, 0, matched);
            matched = 0;
            if (c == seq[0]) {
              matched = 1;
            } else {
              pass.write(c);
            }
          }
        }
        byte[] p = pass.toByteArray();
        if (p.length > 0) {
          // at most len bytes come out: the held-back keys plus what was read never exceed len + seq.length
          int k = Math.min(p.length, len);
          System.arraycopy(p, 0, b, off, k);
          return k;
        }
      }
      return -1;
    }
  }
}
