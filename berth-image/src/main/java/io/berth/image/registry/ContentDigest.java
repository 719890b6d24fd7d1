package io.berth.image.registry;

import io.berth.image.spec.Digest;
import io.berth.image.spec.Digester;

/** Digests, as the strings the wire carries, of documents held in memory. */
final class ContentDigest {

    private ContentDigest() {
    }

    static String sha256(byte[] bytes) {
        return Digest.of(bytes).toString();
    }

    /** The digest of {@code bytes} in the algorithm of {@code like}; null for an algorithm we cannot compute. */
    static String sameAlgorithm(String like, byte[] bytes) {
        String algorithm = like.substring(0, Math.max(0, like.indexOf(':')));
        if (!Digester.supports(algorithm)) {
            return null;
        }
        Digester d = Digester.of(algorithm);
        d.update(bytes, 0, bytes.length);
        return d.digest().toString();
    }
}
