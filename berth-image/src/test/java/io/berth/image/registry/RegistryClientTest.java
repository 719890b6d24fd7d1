package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.TestContent.Blob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against Debian's docker-registry without auth, over plain HTTP on loopback. */
class RegistryClientTest {

    @TempDir
    static Path dir;

    static LocalRegistry registry;
    static RegistryClient client;
    static String host;

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.start(dir.resolve("registry"), "");
        host = registry.host();
        client = new RegistryClient(config(dir));
    }

    static RegistryConfig config(Path dir) {
        return RegistryConfig.defaults()
                .withAuthFiles(AuthFiles.none(dir.resolve("auth.json")))
                .withRetry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50)))
                .withChunkSize(16 * 1024)
                .withTagPageSize(2);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pingAnswers() {
        client.ping(host);
    }

    @Test
    void monolithicPushThenHeadAndGet() throws IOException {
        Blob blob = TestContent.blob(1, 100_000);
        assertFalse(client.blobExists(host, "mono/app", blob.digest()));
        client.putBlob(host, "mono/app", blob.digest(), blob.bytes().length, blob.stream(), false);
        assertTrue(client.blobExists(host, "mono/app", blob.digest()));
        try (InputStream in = client.getBlob(host, "mono/app", blob.digest(), 0)) {
            assertArrayEquals(blob.bytes(), in.readAllBytes());
        }
    }

    @Test
    void chunkedPushInSeveralPatches() throws IOException {
        Blob blob = TestContent.blob(2, 5 * 16 * 1024 + 7); // six chunks, the last one short
        client.putBlob(host, "chunked", blob.digest(), blob.bytes().length, blob.stream(), true);
        assertTrue(client.blobExists(host, "chunked", blob.digest()));
        try (InputStream in = client.getBlob(host, "chunked", blob.digest(), 0)) {
            assertArrayEquals(blob.bytes(), in.readAllBytes());
        }
    }

    @Test
    void emptyBlobPushesBothWays() throws IOException {
        Blob empty = TestContent.blob(3, 0);
        client.putBlob(host, "empty", empty.digest(), 0, empty.stream(), true);
        client.putBlob(host, "empty2", empty.digest(), 0, empty.stream(), false);
        try (InputStream in = client.getBlob(host, "empty2", empty.digest(), 0)) {
            assertEquals(0, in.readAllBytes().length);
        }
    }

    @Test
    void downloadResumesFromAnOffset() throws IOException {
        Blob blob = TestContent.blob(4, 70_000);
        client.putBlob(host, "resume", blob.digest(), blob.bytes().length, blob.stream(), false);
        int offset = 12_345;
        try (InputStream in = client.getBlob(host, "resume", blob.digest(), offset)) {
            byte[] tail = in.readAllBytes();
            assertArrayEquals(java.util.Arrays.copyOfRange(blob.bytes(), offset, blob.bytes().length), tail);
        }
    }

    @Test
    void offsetBeyondTheEndIsAnError() {
        Blob blob = TestContent.blob(5, 1000);
        client.putBlob(host, "beyond", blob.digest(), blob.bytes().length, blob.stream(), false);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.getBlob(host, "beyond", blob.digest(), 5000));
        assertTrue(e.getMessage().contains("beyond the end"), e.getMessage());
    }

    @Test
    void wrongDigestIsRejectedByTheRegistry() {
        Blob blob = TestContent.blob(6, 1000);
        Blob other = TestContent.blob(7, 1000);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.putBlob(host, "wrong", other.digest(), 1000, blob.stream(), false));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("registry " + host + ": pushing blob " + other.digest()
                + " to \"wrong\": rejected: digest invalid"), e.getMessage());
    }

    @Test
    void crossRepositoryMount() throws IOException {
        Blob blob = TestContent.blob(8, 4096);
        client.putBlob(host, "mount/source", blob.digest(), blob.bytes().length, blob.stream(), false);
        assertFalse(client.blobExists(host, "mount/target", blob.digest()));
        assertTrue(client.mountBlob(host, "mount/target", blob.digest(), "mount/source"));
        assertTrue(client.blobExists(host, "mount/target", blob.digest()));
        try (InputStream in = client.getBlob(host, "mount/target", blob.digest(), 0)) {
            assertArrayEquals(blob.bytes(), in.readAllBytes());
        }
        Blob unknown = TestContent.blob(9, 10);
        assertFalse(client.mountBlob(host, "mount/target", unknown.digest(), "mount/source"));
        assertFalse(client.blobExists(host, "mount/target", unknown.digest()));
    }

    @Test
    void manifestRoundTripByTagAndDigest() {
        Blob config = TestContent.config("sh");
        Blob layer = TestContent.blob(10, 30_000);
        client.putBlob(host, "img/app", config.digest(), config.bytes().length, config.stream(), false);
        client.putBlob(host, "img/app", layer.digest(), layer.bytes().length, layer.stream(), true);
        byte[] manifest = TestContent.manifest(config, layer);
        ImageReference byTag = ImageReference.parse(host + "/img/app:1.0");

        String digest = client.putManifest(byTag, TestContent.OCI_MANIFEST, manifest);
        assertEquals(TestContent.sha256(manifest), digest);

        ManifestResponse got = client.getManifest(byTag, List.of());
        assertArrayEquals(manifest, got.bytes());
        assertEquals(TestContent.OCI_MANIFEST, got.mediaType());
        assertEquals(digest, got.digest());

        ImageReference byDigest = ImageReference.parse(host + "/img/app@" + digest);
        ManifestResponse pinned = client.getManifest(byDigest, List.of(TestContent.OCI_MANIFEST));
        assertArrayEquals(manifest, pinned.bytes());
        assertEquals(digest, pinned.digest());

        assertEquals(Optional.of(digest), client.headManifest(byTag, List.of()));
        assertEquals(Optional.of(digest), client.headManifest(byDigest, List.of()));
    }

    @Test
    void tagsAreListedAcrossPages() {
        Blob config = TestContent.config("tags");
        client.putBlob(host, "tagged", config.digest(), config.bytes().length, config.stream(), false);
        byte[] manifest = TestContent.manifest(config);
        List<String> expected = new ArrayList<>();
        for (String tag : List.of("a", "b", "c", "d", "e")) {
            client.putManifest(ImageReference.parse(host + "/tagged:" + tag), TestContent.OCI_MANIFEST, manifest);
            expected.add(tag);
        }
        // Page size 2: the registry answers with Link headers, three pages in all. Distribution
        // 2.8 does not sort them (the OCI spec asks for lexical order; we pass on what we get).
        assertEquals(expected, client.listTags(host, "tagged").stream().sorted().toList());
    }

    @Test
    void missingManifestNamesImageAndCause() {
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.getManifest(ImageReference.parse(host + "/foo:bar"), List.of()));
        assertEquals("registry " + host + ": manifest for \"foo:bar\" not found (HTTP 404)", e.getMessage());
        assertTrue(e.isNotFound());
        assertEquals(Optional.empty(), client.headManifest(ImageReference.parse(host + "/foo:bar"), List.of()));
    }

    @Test
    void missingBlobAndRepository() {
        Blob blob = TestContent.blob(11, 10);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.getBlob(host, "nothing/here", blob.digest(), 0));
        assertEquals("registry " + host + ": blob " + blob.digest() + " of \"nothing/here\" not found (HTTP 404)",
                e.getMessage());
        RegistryException tags = assertThrows(RegistryException.class, () -> client.listTags(host, "nothing/here"));
        assertEquals("registry " + host + ": repository \"nothing/here\" not found (HTTP 404)", tags.getMessage());
    }

    @Test
    void manifestWithUnknownBlobIsRejected() {
        Blob config = TestContent.config("ghost");
        RegistryException e = assertThrows(RegistryException.class, () -> client.putManifest(
                ImageReference.parse(host + "/ghost:1"), TestContent.OCI_MANIFEST, TestContent.manifest(config)));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("pushing manifest for \"ghost:1\": rejected: manifest blob unknown"),
                e.getMessage());
    }

    @Test
    void manifestNotMatchingItsDigestReferenceIsNotSent() {
        Blob config = TestContent.config("x");
        ImageReference ref = ImageReference.parse(host + "/x@" + TestContent.blob(12, 1).digest());
        assertThrows(IllegalArgumentException.class,
                () -> client.putManifest(ref, TestContent.OCI_MANIFEST, TestContent.manifest(config)));
    }

    @Test
    void unreachableRegistryIsAClearError() throws IOException {
        int closed = LocalRegistry.freePort();
        RegistryException e = assertThrows(RegistryException.class, () -> client.ping("127.0.0.1:" + closed));
        assertEquals("registry 127.0.0.1:" + closed + ": unreachable: connection refused", e.getMessage());
        assertEquals(0, e.status());
    }
}
