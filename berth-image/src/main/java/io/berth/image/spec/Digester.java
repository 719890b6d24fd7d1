package io.berth.image.spec;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Hashes and counts bytes as they stream past, so content is verified in the same pass that
 * moves it. Not thread-safe.
 */
public final class Digester {
  private final String algorithm;
  private final MessageDigest hash;
  private long count;

  private Digester(String algorithm, MessageDigest hash) {
    this.algorithm = algorithm;
    this.hash = hash;
  }

  public static Digester sha256() {
    return of(Digest.SHA256);
  }

  /**
   * A digester for a digest algorithm by its OCI name.
   *
   * @throws IllegalArgumentException if Berth cannot compute digests of that algorithm
   */
  public static Digester of(String algorithm) {
    String jdkName = switch (algorithm) {
      case Digest.SHA256 -> "SHA-256";
      case Digest.SHA512 -> "SHA-512";
      default -> throw new IllegalArgumentException(
          "digest algorithm " + algorithm + " is not supported (Berth verifies sha256 and sha512)");
    };
    try {
      return new Digester(algorithm, MessageDigest.getInstance(jdkName));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + jdkName, e);
    }
  }

  /** Whether {@link #of(String)} accepts this algorithm. */
  public static boolean supports(String algorithm) {
    return Digest.SHA256.equals(algorithm) || Digest.SHA512.equals(algorithm);
  }

  public void update(byte[] bytes, int offset, int length) {
    hash.update(bytes, offset, length);
    count += length;
  }

  public void update(ByteBuffer bytes) {
    count += bytes.remaining();
    hash.update(bytes);
  }

  /** Bytes hashed so far. */
  public long count() {
    return count;
  }

  public String algorithm() {
    return algorithm;
  }

  /** The digest of the bytes so far; hashing may continue afterwards. */
  public Digest digest() {
    try {
      MessageDigest snapshot = (MessageDigest) hash.clone();
      return new Digest(algorithm, java.util.HexFormat.of().formatHex(snapshot.digest()));
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's " + hash.getAlgorithm() + " cannot be cloned", e);
    }
  }
}
