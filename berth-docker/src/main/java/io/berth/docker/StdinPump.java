package io.berth.docker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Reads what an attached client sends on its taken-over connection, from the moment it attaches
 * (before the container's shim may exist), for the container's stdin. Without stdin the bytes
 * are read and dropped, so that the client's half-close is seen. With a detach sequence the
 * sequence is held back and, once complete, detaches instead of reaching the container.
 */
final class StdinPump {
  private static final byte[] EOF = new byte[0];

  private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private final boolean forward;
  private final byte[] detach;
  private volatile Runnable onDetach;
  private volatile boolean detached;
  private volatile Runnable onEnd = () -> {};

  private StdinPump(boolean forward, byte[] detach) {
    this.forward = forward;
    this.detach = detach;
  }

  static StdinPump start(InputStream from, boolean forward, byte[] detachSequence) {
    StdinPump p = new StdinPump(forward, detachSequence);
    Thread.ofVirtual().name("docker-stdin").start(() -> p.pump(from));
    return p;
  }

  private void pump(InputStream from) {
    byte[] buf = new byte[32 * 1024];
    int matched = 0;
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        if (!forward) {
          continue;
        }
        if (detach == null || detach.length == 0) {
          queue.add(Arrays.copyOf(buf, n));
          continue;
        }
        java.io.ByteArrayOutputStream pass = new java.io.ByteArrayOutputStream(n);
        for (int i = 0; i < n; i++) {
          byte b = buf[i];
          if (b == detach[matched]) {
            matched++;
            if (matched == detach.length) {
              if (pass.size() > 0) {
                queue.add(pass.toByteArray());
              }
              detach();
              return;
            }
            continue;
          }
          pass.write(detach, 0, matched); // a partial sequence was ordinary input after all
          matched = 0;
          if (b == detach[0]) {
            matched = 1;
          } else {
            pass.write(b);
          }
        }
        if (pass.size() > 0) {
          queue.add(pass.toByteArray());
        }
      }
    } catch (IOException e) {
      // the connection is gone: as the end of input
    }
    queue.add(EOF);
  }

  private void detach() {
    detached = true;
    Runnable r = onDetach;
    if (r != null) {
      r.run();
    }
  }

  /** What to run when the client types the detach sequence (run at once if it did already). */
  void onDetach(Runnable r) {
    onDetach = r;
    if (detached) {
      r.run();
    }
  }

  /** What to run once the container's side has read the end of the client's input. */
  void onEnd(Runnable r) {
    onEnd = r;
  }

  /** The client's input for the container's stdin; null when stdin is not attached. */
  InputStream stream() {
    if (!forward) {
      return null;
    }
    return new InputStream() {
      private byte[] current = new byte[0];
      private int pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        if (pos >= current.length) {
          if (current == EOF) {
            return -1;
          }
          try {
            current = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
          }
          pos = 0;
          if (current == EOF) {
            onEnd.run();
            return -1;
          }
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }
}
