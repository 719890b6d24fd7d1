package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.FakeRegistry.Request;
import io.berth.image.registry.TestContent.Blob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What real registries do on bad days, played by a scripted loopback server. */
class FaultsTest {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    @TempDir
    Path dir;

    private RegistryClient client(RegistryConfig config) {
        return new RegistryClient(config);
    }

    private RegistryConfig config() {
        return RegistryConfig.defaults()
                .withAuthFiles(AuthFiles.none(dir.resolve("auth.json")))
                .withRetry(new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20)));
    }

    /** Serves a blob honouring Range; the first answer is cut after half the body. */
    private static FakeRegistry.Script halfThenRanges(Blob blob, boolean reset, boolean honourRange) {
        return (request, socket, out) -> {
            byte[] all = blob.bytes();
            String range = request.header("Range");
            if (request.index() == 0) {
                if (reset) {
                    FakeRegistry.respondTruncated(socket, out, 200, Map.of(), all, all.length / 2);
                } else {
                    // Announce the whole length, send half, close normally (FIN).
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + all.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.write(all, 0, all.length / 2);
                    out.flush();
                    socket.close();
                }
                return;
            }
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (honourRange && m != null && m.matches()) {
                int from = Integer.parseInt(m.group(1));
                FakeRegistry.respond(out, 206, Map.of("Content-Range",
                        "bytes " + from + "-" + (all.length - 1) + "/" + all.length), Arrays.copyOfRange(all, from, all.length));
            } else {
                FakeRegistry.respond(out, 200, Map.of(), all);
            }
        };
    }

    @Test
    void connectionClosedMidBlobIsResumedWithRange() throws IOException {
        Blob blob = TestContent.blob(40, 200_000);
        try (FakeRegistry fake = new FakeRegistry(halfThenRanges(blob, false, true));
                RegistryClient client = client(config());
                InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 0)) {
            assertArrayEquals(blob.bytes(), in.readAllBytes());
            assertEquals(2, fake.requests().size());
            assertNull(fake.requests().get(0).header("Range"));
            String range = fake.requests().get(1).header("Range");
            assertNotNull(range, "the second request resumes");
            Matcher m = RANGE.matcher(range);
            assertTrue(m.matches() && Long.parseLong(m.group(1)) > 0, range);
        }
    }

    @Test
    void connectionResetMidBlobIsRetriedAndCompleted() throws IOException {
        Blob blob = TestContent.blob(41, 300_000);
        try (FakeRegistry fake = new FakeRegistry(halfThenRanges(blob, true, true));
                RegistryClient client = client(config());
                InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 0)) {
            assertArrayEquals(blob.bytes(), in.readAllBytes());
            assertEquals(2, fake.requests().size());
        }
    }

    @Test
    void registryIgnoringRangeIsSkippedForward() throws IOException {
        Blob blob = TestContent.blob(42, 100_000);
        try (FakeRegistry fake = new FakeRegistry(halfThenRanges(blob, false, false));
                RegistryClient client = client(config())) {
            try (InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 0)) {
                assertArrayEquals(blob.bytes(), in.readAllBytes());
            }
            // And an explicit offset against a registry that answers 200 with everything.
            try (InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 777)) {
                assertArrayEquals(Arrays.copyOfRange(blob.bytes(), 777, blob.bytes().length), in.readAllBytes());
            }
        }
    }

    @Test
    void rangeAnswerShorterThanItsTotalIsResumed() throws IOException {
        // A complete HTTP message that holds less than Content-Range promised (a truncating proxy):
        // only the announced total tells the blob is not done.
        Blob blob = TestContent.blob(48, 1000);
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    Matcher m = RANGE.matcher(request.header("Range"));
                    int from = m.matches() ? Integer.parseInt(m.group(1)) : 0;
                    int to = Math.min(from + 300, 1000);
                    FakeRegistry.respond(out, 206, Map.of("Content-Range", "bytes " + from + "-999/1000"),
                            Arrays.copyOfRange(blob.bytes(), from, to));
                });
                RegistryClient client = client(config());
                InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 100)) {
            assertArrayEquals(Arrays.copyOfRange(blob.bytes(), 100, 1000), in.readAllBytes());
            assertEquals(List.of("bytes=100-", "bytes=400-", "bytes=700-"),
                    fake.requests().stream().map(r -> r.header("Range")).toList());
        }
    }

    @Test
    void blobThatKeepsDroppingFailsAfterTheRetries() throws IOException {
        Blob blob = TestContent.blob(43, 10_000);
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + blob.bytes().length + "\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    socket.close();
                });
                RegistryClient client = client(config());
                InputStream in = client.getBlob(fake.host(), "r", blob.digest(), 0)) {
            IOException e = assertThrows(IOException.class, in::readAllBytes);
            assertTrue(e.getMessage().startsWith("registry " + fake.host() + ": blob " + blob.digest()
                    + " of \"r\": connection lost at byte 0 of 10000 after 3 attempts"), e.getMessage());
        }
    }

    @Test
    void serverErrorsAndTooManyRequestsAreRetried() throws IOException {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    switch (request.index()) {
                        case 0 -> FakeRegistry.respond(out, 503, Map.of());
                        case 1 -> FakeRegistry.respond(out, 429, Map.of("Retry-After", "0"));
                        default -> FakeRegistry.respond(out, 200,
                                Map.of("Content-Type", TestContent.OCI_MANIFEST + "; charset=utf-8"), manifest);
                    }
                });
                RegistryClient client = client(config())) {
            ManifestResponse got = client.getManifest(ImageReference.parse(fake.host() + "/r:t"), List.of());
            assertArrayEquals(manifest, got.bytes());
            assertEquals(TestContent.OCI_MANIFEST, got.mediaType());
            assertEquals(TestContent.sha256(manifest), got.digest(), "no header: computed");
            assertEquals(3, fake.requests().size());
        }
    }

    @Test
    void persistentServerErrorGivesUpWithTheRegistrysReason() throws IOException {
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> FakeRegistry.respond(out, 500,
                        Map.of("Content-Type", "application/json"),
                        "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"disk on fire\"}]}".getBytes(StandardCharsets.UTF_8)));
                RegistryClient client = client(config())) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.listTags(fake.host(), "r"));
            assertEquals("registry " + fake.host() + ": tags of \"r\": registry error: unknown: disk on fire (HTTP 500)",
                    e.getMessage());
            assertEquals(3, fake.requests().size());
        }
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> FakeRegistry.respond(out, 404, Map.of()));
                RegistryClient client = client(config())) {
            assertThrows(RegistryException.class,
                    () -> client.getManifest(ImageReference.parse(fake.host() + "/r:t"), List.of()));
            assertEquals(1, fake.requests().size());
        }
    }

    @Test
    void droppedConnectionBeforeAnyAnswerIsRetried() throws IOException {
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    if (request.index() == 0) {
                        socket.setSoLinger(true, 0);
                        socket.close();
                    } else {
                        FakeRegistry.respond(out, 200, Map.of());
                    }
                });
                RegistryClient client = client(config())) {
            client.ping(fake.host());
            assertEquals(2, fake.requests().size());
        }
    }

    @Test
    void redirectToAnotherHostDropsTheAuthorizationAndKeepsTheRange() throws IOException {
        Blob blob = TestContent.blob(44, 5000);
        try (FakeRegistry storage = new FakeRegistry((request, socket, out) -> {
                    int from = Integer.parseInt(RANGE.matcher(request.header("Range")).replaceAll("$1"));
                    FakeRegistry.respond(out, 206, Map.of("Content-Range", "bytes " + from + "-4999/5000"),
                            Arrays.copyOfRange(blob.bytes(), from, 5000));
                });
                FakeRegistry registry = new FakeRegistry((request, socket, out) -> {
                    if (request.header("Authorization") == null) {
                        FakeRegistry.respond(out, 401, Map.of("WWW-Authenticate", "Basic realm=\"fake\""));
                    } else if (request.target().startsWith("/v2/r/blobs/")) {
                        // "localhost" is another host than "127.0.0.1", as an object store would be.
                        FakeRegistry.respond(out, 307, Map.of("Location",
                                "http://localhost:" + storage.port() + "/bucket/object?signature=x"));
                    } else {
                        FakeRegistry.respond(out, 404, Map.of());
                    }
                });
                RegistryClient client = client(config().withCredentials(registry.host(), new Credentials("u", "p")));
                InputStream in = client.getBlob(registry.host(), "r", blob.digest(), 1000)) {
            assertArrayEquals(Arrays.copyOfRange(blob.bytes(), 1000, 5000), in.readAllBytes());
            assertEquals("Basic dTpw", registry.requests().getLast().header("Authorization"));
            Request atStorage = storage.requests().getFirst();
            assertEquals("/bucket/object?signature=x", atStorage.target());
            assertNull(atStorage.header("Authorization"), "credentials must not follow a redirect to another host");
            assertEquals("bytes=1000-", atStorage.header("Range"));
        }
    }

    @Test
    void chunkedUploadFollowsRelativeLocationsWithQueries() throws IOException {
        Blob blob = TestContent.blob(45, 2500);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        AtomicInteger state = new AtomicInteger();
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    String next = "/v2/r/blobs/uploads/u1?_state=" + state.incrementAndGet();
                    switch (request.method()) {
                        case "POST" -> FakeRegistry.respond(out, 202, Map.of("Location", next));
                        case "PATCH" -> {
                            String expected = received.size() + "-" + (received.size() + request.body().length - 1);
                            if (!expected.equals(request.header("Content-Range"))) {
                                FakeRegistry.respond(out, 416, Map.of());
                                return;
                            }
                            received.write(request.body());
                            FakeRegistry.respond(out, 202, Map.of("Location", next,
                                    "Range", "0-" + (received.size() - 1)));
                        }
                        case "PUT" -> FakeRegistry.respond(out, 201, Map.of());
                        default -> FakeRegistry.respond(out, 405, Map.of());
                    }
                });
                RegistryClient client = client(config().withChunkSize(1000))) {
            client.putBlob(fake.host(), "r", blob.digest(), 2500, blob.stream(), true);
            assertArrayEquals(blob.bytes(), received.toByteArray());
            List<String> lines = fake.requests().stream().map(r -> r.method() + " " + r.target()).toList();
            String digest = blob.digest().replace(":", "%3A");
            assertEquals(List.of(
                    "POST /v2/r/blobs/uploads/",
                    "PATCH /v2/r/blobs/uploads/u1?_state=1",
                    "PATCH /v2/r/blobs/uploads/u1?_state=2",
                    "PATCH /v2/r/blobs/uploads/u1?_state=3",
                    "PUT /v2/r/blobs/uploads/u1?_state=4&digest=" + digest), lines);
        }
    }

    @Test
    void monolithicUploadToAnAbsoluteLocation() throws IOException {
        Blob blob = TestContent.blob(46, 1234);
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
            if (request.method().equals("POST")) {
                FakeRegistry.respond(out, 202, Map.of("Location", "http://127.0.0.1:" + socket.getLocalPort()
                        + "/upload/xyz"));
            } else {
                FakeRegistry.respond(out, 201, Map.of());
            }
        }); RegistryClient client = client(config())) {
            client.putBlob(fake.host(), "r", blob.digest(), 1234, blob.stream(), false);
            Request put = fake.requests().getLast();
            assertEquals("PUT /upload/xyz?digest=" + blob.digest().replace(":", "%3A"), put.method() + " " + put.target());
            assertEquals("1234", put.header("Content-Length"));
            assertArrayEquals(blob.bytes(), put.body());
        }
    }

    @Test
    void tagPagesFollowTheLinkHeader() throws IOException {
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    String body;
                    Map<String, String> headers;
                    if (request.target().contains("last=b")) {
                        body = "{\"name\":\"r\",\"tags\":[\"c\",\"d\"]}";
                        headers = Map.of("Link", "</v2/r/tags/list?last=d&n=2>; rel=\"next\"");
                    } else if (request.target().contains("last=d")) {
                        body = "{\"name\":\"r\",\"tags\":[\"e\"]}";
                        headers = Map.of();
                    } else {
                        body = "{\"name\":\"r\",\"tags\":[\"a\",\"b\"]}";
                        headers = Map.of("Link", "</v2/r/tags/list?last=b&n=2>; rel=\"next\"");
                    }
                    FakeRegistry.respond(out, 200, headers, body.getBytes(StandardCharsets.UTF_8));
                });
                RegistryClient client = client(config().withTagPageSize(2))) {
            assertEquals(List.of("a", "b", "c", "d", "e"), client.listTags(fake.host(), "r"));
            assertEquals("/v2/r/tags/list?n=2", fake.requests().getFirst().target());
        }
    }

    @Test
    void manifestNotMatchingTheRequestedDigestIsRefused() throws IOException {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        String asked = TestContent.blob(47, 1).digest();
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> FakeRegistry.respond(out, 200,
                        Map.of("Content-Type", TestContent.OCI_MANIFEST, "Docker-Content-Digest", asked), manifest));
                RegistryClient client = client(config())) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> client.getManifest(ImageReference.parse(fake.host() + "/r@" + asked), List.of()));
            assertEquals("registry " + fake.host() + ": manifest for \"r@" + asked + "\": digest mismatch, the registry "
                    + "sent content with digest " + TestContent.sha256(manifest), e.getMessage());
        }
    }

    @Test
    void headWithoutDigestHeaderFallsBackToTheContent() throws IOException {
        byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
                    if (request.method().equals("HEAD")) {
                        FakeRegistry.respond(out, 200, Map.of("Content-Length", String.valueOf(manifest.length)));
                    } else {
                        FakeRegistry.respond(out, 200, Map.of("Content-Type", TestContent.OCI_MANIFEST), manifest);
                    }
                });
                RegistryClient client = client(config())) {
            assertEquals(Optional.of(TestContent.sha256(manifest)),
                    client.headManifest(ImageReference.parse(fake.host() + "/r:t"), List.of()));
        }
    }

    @Test
    void bearerTokenFromAccessTokenFieldIsCachedUntilItExpires() throws Exception {
        AtomicInteger issued = new AtomicInteger();
        try (FakeRegistry fake = new FakeRegistry((request, socket, out) -> {
            String realm = "http://127.0.0.1:" + socket.getLocalPort() + "/token";
            if (request.target().startsWith("/token")) {
                // Only the OAuth2 field name, and a one-second lifetime.
                String token = "t" + issued.incrementAndGet();
                FakeRegistry.respond(out, 200, Map.of("Content-Type", "application/json"),
                        ("{\"access_token\":\"" + token + "\",\"expires_in\":1}").getBytes(StandardCharsets.UTF_8));
            } else if (("Bearer t" + issued.get()).equals(request.header("Authorization"))) {
                FakeRegistry.respond(out, 200, Map.of("Content-Type", "application/json"),
                        "{\"tags\":[\"x\"]}".getBytes(StandardCharsets.UTF_8));
            } else {
                FakeRegistry.respond(out, 401, Map.of("WWW-Authenticate", "Bearer realm=\"" + realm
                        + "\",service=\"fake\",scope=\"repository:r:pull repository:other:pull\""));
            }
        }); RegistryClient client = client(config())) {
            assertEquals(List.of("x"), client.listTags(fake.host(), "r"));
            assertEquals(List.of("x"), client.listTags(fake.host(), "r"));
            assertEquals(1, issued.get(), "the second call reuses the token");
            Request tokenRequest = fake.requests().stream().filter(r -> r.target().startsWith("/token")).findFirst()
                    .orElseThrow();
            // The challenge's two space-separated scopes become two scope parameters.
            assertEquals("/token?service=fake&scope=repository%3Aother%3Apull&scope=repository%3Ar%3Apull",
                    tokenRequest.target());
            Thread.sleep(1100);
            assertEquals(List.of("x"), client.listTags(fake.host(), "r"));
            assertEquals(2, issued.get(), "an expired token is replaced");
        }
    }
}
