package io.berth.image.registry;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A client of the OCI distribution API (and Docker's registry API v2, which it grew from). Safe
 * for concurrent use: parallel layer downloads share its connections, challenges and tokens.
 * Every method throws {@link RegistryException} on failure.
 */
public final class RegistryClient implements AutoCloseable {

    private final HttpClient http;
    private final RegistryTransport transport;
    private final ManifestPuller manifestPuller;
    private final ManifestPusher manifestPusher;
    private final BlobPuller blobPuller;
    private final BlobPusher blobPusher;
    private final TagLister tagLister;
    private final RegistryLogin login;

    public RegistryClient(RegistryConfig config) {
        // HTTP/1.1 only: an h2c upgrade attempt on plain-HTTP registries buys nothing and some
        // registries and proxies mishandle it.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.connectTimeout())
                .build();
        this.transport = new RegistryTransport(config, http);
        this.manifestPuller = new ManifestPuller(transport);
        this.manifestPusher = new ManifestPusher(transport);
        this.blobPuller = new BlobPuller(transport);
        this.blobPusher = new BlobPusher(transport);
        this.tagLister = new TagLister(transport);
        this.login = new RegistryLogin(transport, http);
    }

    /** Checks that the registry speaks the API and accepts us ({@code GET /v2/}, authenticating if asked to). */
    public void ping(String registry) {
        RegistryTransport.Call call = new RegistryTransport.Call(registry, "", "API check")
                .uri(transport.url(registry, "/v2/"));
        HttpResponse<InputStream> response = transport.send(call);
        if (response.statusCode() != 200) {
            throw transport.failure(call, response);
        }
        RegistryTransport.discard(response);
    }

    /**
     * The manifest or index a reference names, exactly as sent. {@code acceptMediaTypes} empty
     * means all OCI and Docker v2.2 types. When {@code ref} has a digest, the bytes are checked
     * against it.
     */
    public ManifestResponse getManifest(ImageReference ref, List<String> acceptMediaTypes) {
        return manifestPuller.get(ref, acceptMediaTypes);
    }

    /** The digest a reference resolves to, or empty if the registry does not have it. */
    public Optional<String> headManifest(ImageReference ref, List<String> accept) {
        return manifestPuller.head(ref, accept);
    }

    /**
     * The blob's bytes from {@code offset} on. The stream resumes by itself when the connection
     * drops; verifying the digest is the reader's job (only it sees all the bytes).
     */
    public InputStream getBlob(String registry, String repository, String digest, long offset) {
        return blobPuller.get(registry, repository, digest, offset);
    }

    public boolean blobExists(String registry, String repository, String digest) {
        return blobPusher.exists(registry, repository, digest);
    }

    /**
     * Uploads a blob of exactly {@code size} bytes from {@code data}: in one PUT, or in PATCHes of
     * {@link RegistryConfig#chunkSize} bytes when {@code chunked}. The registry checks the digest.
     * A monolithic upload reads {@code data} once and is not retried; a chunked one retries chunks.
     */
    public void putBlob(String registry, String repository, String digest, long size, InputStream data,
            boolean chunked) {
        blobPusher.put(registry, repository, digest, size, data, chunked);
    }

    /** Links a blob of another repository of the same registry; false means the caller must upload it. */
    public boolean mountBlob(String registry, String repository, String digest, String fromRepository) {
        return blobPusher.mount(registry, repository, digest, fromRepository);
    }

    /** Puts a manifest under the reference's tag (or digest); returns its digest. */
    public String putManifest(ImageReference ref, String mediaType, byte[] manifest) {
        return manifestPusher.put(ref, mediaType, manifest);
    }

    public List<String> listTags(String registry, String repository) {
        return tagLister.list(registry, repository);
    }

    /** Checks the credentials against the registry, then stores them; returns the auth file written. */
    public Path login(String registry, String username, String password) {
        return login.login(registry, new Credentials(username, password));
    }

    /** Removes stored credentials of a registry; false if there were none. */
    public boolean logout(String registry) {
        return login.logout(registry);
    }

    /** Releases the connections; it waits for requests in flight, so close open blob streams first. */
    @Override
    public void close() {
        http.close();
    }
}
