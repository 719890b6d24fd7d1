package io.berth.image.layer;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts and SHA-256-hashes every byte read through it, so the diffId of a layer comes out of the
 * same single pass that unpacks it. Skipping reads too (InputStream's own skip), so that skipped
 * bytes are hashed as well.
 */
final class HashingInputStream extends InputStream {
  private final InputStream in;
  private final MessageDigest sha256;
  private long count;

  HashingInputStream(InputStream in) {
    this.in = in;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      sha256.update((byte) b);
      count++;
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      sha256.update(b, off, n);
      count += n;
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  long count() {
    return count;
  }

  /** "sha256:&lt;hex&gt;" of everything read so far; call once, at the end. */
  String digest() {
    return "sha256:" + HexFormat.of().formatHex(sha256.digest());
  }
}
