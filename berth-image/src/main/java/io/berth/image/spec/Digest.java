package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:encoded}, as descriptor.md defines it. Any digest that
 * matches the spec's grammar is accepted (the spec asks implementations to let unknown algorithms
 * through validation); the registered algorithms are held to their own encoding: lower-case hex
 * of 64 digits for sha256 and blake3, 128 for sha512. Whether Berth can compute a digest is a
 * separate question, answered by {@link Digester#supports(String)}.
 *
 * <p>The {@code hex} component is the encoded portion; it is hex for every registered algorithm.
 * The grammar keeps it free of {@code /} and {@code .}, so it is safe as a file name.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
  public static final String SHA256 = "sha256";
  public static final String SHA512 = "sha512";
  public static final String BLAKE3 = "blake3";

  private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*");
  private static final Pattern ENCODED = Pattern.compile("[a-zA-Z0-9=_-]+");
  private static final Pattern HEX_64 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern HEX_128 = Pattern.compile("[a-f0-9]{128}");
  /** Far above any real digest; stops a hostile document from handing us megabyte-long names. */
  private static final int MAX_LENGTH = 1024;

  public Digest {
    if (algorithm == null || hex == null) {
      throw new IllegalArgumentException("invalid digest: algorithm and encoded part are required");
    }
    String problem = problem(algorithm, hex);
    if (problem != null) {
      throw new IllegalArgumentException("invalid digest \"" + algorithm + ":" + hex + "\": " + problem);
    }
  }

  /** Parses {@code sha256:<64 hex>} and the like. */
  @JsonCreator
  public static Digest parse(String digest) {
    if (digest == null) {
      throw new IllegalArgumentException("invalid digest: null");
    }
    int colon = digest.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "invalid digest \"" + digest + "\": expected algorithm:encoded, e.g. sha256:<64 hex digits>");
    }
    return new Digest(digest.substring(0, colon), digest.substring(colon + 1));
  }

  /** The sha256 digest of these bytes. */
  public static Digest of(byte[] content) {
    Digester digester = Digester.sha256();
    digester.update(content, 0, content.length);
    return digester.digest();
  }

  private static String problem(String algorithm, String encoded) {
    if (algorithm.length() + encoded.length() + 1 > MAX_LENGTH) {
      return "longer than " + MAX_LENGTH + " characters";
    }
    if (!ALGORITHM.matcher(algorithm).matches()) {
      return "algorithm must be lower-case letters and digits, optionally separated by + . _ -";
    }
    if (!ENCODED.matcher(encoded).matches()) {
      return "encoded part must be letters, digits, = _ or -";
    }
    return switch (algorithm) {
      case SHA256, BLAKE3 -> HEX_64.matcher(encoded).matches() ? null
          : algorithm + " needs exactly 64 lower-case hex digits, got " + encoded.length() + " characters";
      case SHA512 -> HEX_128.matcher(encoded).matches() ? null
          : "sha512 needs exactly 128 lower-case hex digits, got " + encoded.length() + " characters";
      default -> null;
    };
  }

  /** {@code algorithm:encoded}, the form every document and API uses. */
  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  /** The first 12 hex digits, as image IDs are shown in listings. */
  public String shortHex() {
    return hex.length() <= 12 ? hex : hex.substring(0, 12);
  }

  @Override
  public int compareTo(Digest other) {
    int byAlgorithm = algorithm.compareTo(other.algorithm);
    return byAlgorithm != 0 ? byAlgorithm : hex.compareTo(other.hex);
  }
}
