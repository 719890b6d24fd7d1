package io.berth.image.store;

import io.berth.image.spec.Digest;
import java.io.IOException;

/**
 * The bytes written are not the blob that was expected: wrong size, wrong digest, or more bytes
 * than announced. The writer has already removed them; the store is unchanged.
 */
public class DigestMismatchException extends IOException {
  private final transient Digest expected;
  private final long expectedSize;
  private final transient Digest actual;
  private final long actualSize;

  private DigestMismatchException(
      String message, Digest expected, long expectedSize, Digest actual, long actualSize) {
    super(message);
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.actual = actual;
    this.actualSize = actualSize;
  }

  static DigestMismatchException of(Digest expected, long expectedSize, Digest actual, long actualSize) {
    return new DigestMismatchException(
        prefix(expected, expectedSize) + ", got " + actualSize + " bytes with digest " + actual,
        expected, expectedSize, actual, actualSize);
  }

  /** Raised as soon as the writer passes the announced size, before anything more is written. */
  static DigestMismatchException tooLong(Digest expected, long expectedSize, long attemptedSize) {
    return new DigestMismatchException(
        prefix(expected, expectedSize) + ", got more than " + expectedSize + " bytes",
        expected, expectedSize, null, attemptedSize);
  }

  private static String prefix(Digest expected, long expectedSize) {
    String size = expectedSize >= 0 ? expectedSize + " bytes" : "a blob";
    String digest = expected != null ? " with digest " + expected : "";
    return "blob " + (expected != null ? expected : "(digest not given)") + ": expected " + size + digest;
  }

  /** The digest asked for, or null when the writer was not given one. */
  public Digest expected() {
    return expected;
  }

  /** The size asked for, or -1 when the writer was not given one. */
  public long expectedSize() {
    return expectedSize;
  }

  /** The digest of what was written, or null when writing stopped at the size limit. */
  public Digest actual() {
    return actual;
  }

  public long actualSize() {
    return actualSize;
  }
}
