package io.berth.image.spec;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Passes bytes through to another stream and digests and counts them on the way. */
public final class DigestingOutputStream extends FilterOutputStream {
  private final Digester digester;

  public DigestingOutputStream(OutputStream out) {
    this(out, Digester.sha256());
  }

  public DigestingOutputStream(OutputStream out, Digester digester) {
    super(out);
    this.digester = digester;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digester.update(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    // FilterOutputStream would write byte by byte.
    out.write(bytes, offset, length);
    digester.update(bytes, offset, length);
  }

  /** The digest of everything written so far. */
  public Digest digest() {
    return digester.digest();
  }

  /** The number of bytes written so far. */
  public long count() {
    return digester.count();
  }
}
