package io.berth.image.registry;

import java.io.InputStream;
import java.net.http.HttpResponse;

/** PUT of {@code /v2/<name>/manifests/<reference>}. */
final class ManifestPusher {

    private final RegistryTransport transport;

    ManifestPusher(RegistryTransport transport) {
        this.transport = transport;
    }

    /** Pushes by tag when the reference has one (that is what tags it), else by digest; returns the digest. */
    String put(ImageReference ref, String mediaType, byte[] manifest) {
        String subject = "pushing manifest for \"" + ref.shortName() + "\"";
        String digest = ContentDigest.sha256(manifest);
        if (ref.digest() != null) {
            String expected = ContentDigest.sameAlgorithm(ref.digest(), manifest);
            if (!ref.digest().equals(expected)) {
                throw new IllegalArgumentException("manifest bytes do not match the digest of " + ref
                        + " (they hash to " + (expected != null ? expected : digest) + ")");
            }
            digest = ref.digest();
        }
        String reference = ref.tag() != null ? ref.tag() : ref.digest();
        RegistryTransport.Call call = new RegistryTransport.Call(ref.registry(), ref.repository(), subject)
                .method("PUT")
                .uri(transport.url(ref.registry(), "/v2/" + ref.repository() + "/manifests/" + reference))
                .header("Content-Type", mediaType)
                .body(manifest)
                .scopes(RegistryTransport.pullPush(ref.repository()));
        HttpResponse<InputStream> response = transport.send(call);
        int status = response.statusCode();
        if (status != 201 && status != 200 && status != 202) {
            throw transport.failure(call, response);
        }
        RegistryTransport.discard(response);
        String header = response.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith(digest.substring(0, digest.indexOf(':') + 1))
                && !header.equals(digest)) {
            throw new RegistryException(ref.registry(), subject + ": the registry stored it under digest " + header
                    + " instead of " + digest, status);
        }
        return digest;
    }
}
