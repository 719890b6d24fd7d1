package io.berth.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;

/** GET and HEAD of {@code /v2/<name>/manifests/<reference>}. */
final class ManifestPuller {

    /** Single manifests and indexes in both the OCI and the Docker v2.2 media types. */
    static final List<String> DEFAULT_ACCEPT = List.of(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    /** Far above any real manifest; a registry sending more is broken or hostile, and we hold it in memory. */
    static final int MAX_MANIFEST_BYTES = 8 << 20;

    private final RegistryTransport transport;

    ManifestPuller(RegistryTransport transport) {
        this.transport = transport;
    }

    ManifestResponse get(ImageReference ref, List<String> accept) {
        String subject = "manifest for \"" + ref.shortName() + "\"";
        RegistryTransport.Call call = call(ref, accept, subject).method("GET");
        HttpResponse<InputStream> response = transport.send(call);
        int status = response.statusCode();
        if (status == 404) {
            RegistryTransport.discard(response);
            throw new RegistryException(ref.registry(), subject + " not found", 404);
        }
        if (status != 200) {
            throw transport.failure(call, response);
        }
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
        } catch (IOException e) {
            throw new RegistryException(ref.registry(), subject + ": connection lost while reading it ("
                    + e.getMessage() + ")", 0, e);
        }
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw new RegistryException(ref.registry(), subject + ": larger than " + (MAX_MANIFEST_BYTES >> 20)
                    + " MiB, refused", 0);
        }
        String mediaType = response.headers().firstValue("Content-Type").map(ManifestPuller::withoutParameters)
                .orElse("");
        String header = response.headers().firstValue("Docker-Content-Digest").orElse(null);
        return new ManifestResponse(bytes, mediaType, digest(ref, bytes, header, subject));
    }

    Optional<String> head(ImageReference ref, List<String> accept) {
        String subject = "manifest for \"" + ref.shortName() + "\"";
        HttpResponse<InputStream> response = transport.send(call(ref, accept, subject).method("HEAD"));
        int status = response.statusCode();
        RegistryTransport.discard(response);
        if (status == 404) {
            return Optional.empty();
        }
        if (status != 200) {
            throw new RegistryException(ref.registry(), subject + ": unexpected answer to HEAD", status);
        }
        Optional<String> digest = response.headers().firstValue("Docker-Content-Digest");
        if (digest.isPresent()) {
            return digest;
        }
        // The header is optional in the OCI spec: without it, only the content tells the digest.
        return Optional.of(get(ref, accept).digest());
    }

    /**
     * By digest, the bytes must hash to it: that is what makes a digest reference trustworthy. By
     * tag, the registry's Docker-Content-Digest names the content (it may be of another algorithm
     * than sha256); without it, the sha256 of the bytes does.
     */
    private static String digest(ImageReference ref, byte[] bytes, String header, String subject) {
        if (ref.digest() != null) {
            String actual = ContentDigest.sameAlgorithm(ref.digest(), bytes);
            if (actual == null) {
                throw new RegistryException(ref.registry(), subject + ": cannot verify a digest of algorithm "
                        + ref.digest().substring(0, ref.digest().indexOf(':')), 0);
            }
            if (!actual.equals(ref.digest())) {
                throw new RegistryException(ref.registry(), subject + ": digest mismatch, the registry sent content "
                        + "with digest " + actual, 0);
            }
            return ref.digest();
        }
        return header != null && !header.isBlank() ? header.trim() : ContentDigest.sha256(bytes);
    }

    private RegistryTransport.Call call(ImageReference ref, List<String> accept, String subject) {
        List<String> types = accept == null || accept.isEmpty() ? DEFAULT_ACCEPT : accept;
        return new RegistryTransport.Call(ref.registry(), ref.repository(), subject)
                .uri(transport.url(ref.registry(), "/v2/" + ref.repository() + "/manifests/" + ref.reference()))
                .header("Accept", String.join(", ", types))
                .scopes(RegistryTransport.pull(ref.repository()));
    }

    private static String withoutParameters(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim();
    }
}
