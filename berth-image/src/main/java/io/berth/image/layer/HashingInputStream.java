package io.berth.image.layer;

import io.berth.image.spec.Digester;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts and SHA-256-hashes every byte read through it, so the diffId of a layer comes out of the
 * same single pass that unpacks it. Skipping reads too (InputStream's own skip), so that skipped
 * bytes are hashed as well.
 */
final class HashingInputStream extends InputStream {
  private final InputStream in;
  private final Digester sha256 = Digester.sha256();

  HashingInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      sha256.update(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sha256.update(b, off, n);
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  long count() {
    return sha256.count();
  }

  /** "sha256:&lt;hex&gt;" of everything read so far. */
  String digest() {
    return sha256.digest().toString();
  }
}
