package io.berth.image.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Digests of the OCI image spec ({@code sha256:hex}, {@code sha512:hex}) over bytes in memory. */
final class ContentDigest {

    private ContentDigest() {
    }

    static String sha256(byte[] bytes) {
        return of("sha256", bytes);
    }

    /** The digest of {@code bytes} in the algorithm of {@code like}; null for an algorithm we cannot compute. */
    static String sameAlgorithm(String like, byte[] bytes) {
        String algorithm = like.substring(0, Math.max(0, like.indexOf(':')));
        return switch (algorithm) {
            case "sha256", "sha512" -> of(algorithm, bytes);
            default -> null;
        };
    }

    private static String of(String algorithm, byte[] bytes) {
        String jca = algorithm.equals("sha256") ? "SHA-256" : "SHA-512";
        try {
            return algorithm + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jca, e);
        }
    }
}
