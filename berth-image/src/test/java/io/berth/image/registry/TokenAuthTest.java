package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.TestContent.Blob;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-registry with {@code auth: token:} trusting a token server of the test: the Bearer
 * challenge, the token request with Basic credentials, the signed JWT accepted by the registry,
 * and the token cache.
 */
class TokenAuthTest {

    @TempDir
    static Path dir;

    static TokenServer tokens;
    static LocalRegistry registry;
    static String host;

    @BeforeAll
    static void start() throws Exception {
        tokens = new TokenServer(dir.resolve("token"), Map.of("bob", "hunter2"));
        registry = LocalRegistry.start(dir.resolve("registry"), tokens.registryAuthYaml());
        host = registry.host();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private static RegistryClient client(String password) {
        return new RegistryClient(RegistryClientTest.config(dir)
                .withAuthFiles(AuthFiles.none(dir.resolve("auth.json")))
                .withCredentials(host, new Credentials("bob", password)));
    }

    @Test
    void pushAndPullEndToEndWithCachedTokens() throws Exception {
        try (RegistryClient client = client("hunter2")) {
            client.ping(host);

            Blob config = TestContent.config("token");
            Blob layer = TestContent.blob(30, 40_000);
            int before = tokens.hits();
            client.putBlob(host, "tok/app", config.digest(), config.bytes().length, config.stream(), false);
            client.putBlob(host, "tok/app", layer.digest(), layer.bytes().length, layer.stream(), true);
            byte[] manifest = TestContent.manifest(config, layer);
            String digest = client.putManifest(ImageReference.parse(host + "/tok/app:1"), TestContent.OCI_MANIFEST,
                    manifest);
            // Every push request of the repository used one pull,push token.
            assertEquals(1, tokens.hits() - before, "token requests for the push");
            assertEquals(List.of("repository:tok/app:pull,push"), tokens.scopesAsked().getLast());

            before = tokens.hits();
            for (int i = 0; i < 3; i++) {
                ManifestResponse got = client.getManifest(ImageReference.parse(host + "/tok/app:1"), List.of());
                assertArrayEquals(manifest, got.bytes());
                assertEquals(digest, got.digest());
                try (InputStream in = client.getBlob(host, "tok/app", layer.digest(), 0)) {
                    assertArrayEquals(layer.bytes(), in.readAllBytes());
                }
            }
            assertEquals(List.of("1"), client.listTags(host, "tok/app"));
            assertEquals(1, tokens.hits() - before, "one pull token serves all pulls");

            // A mount needs pull on the source too: one token for both scopes.
            before = tokens.hits();
            assertTrue(client.mountBlob(host, "tok/copy", layer.digest(), "tok/app"));
            assertEquals(1, tokens.hits() - before);
            assertEquals(List.of("repository:tok/app:pull", "repository:tok/copy:pull,push"),
                    tokens.scopesAsked().getLast().stream().sorted().toList());
            assertTrue(client.blobExists(host, "tok/copy", layer.digest()));
        }
    }

    @Test
    void eachRepositoryGetsATokenForItsOwnScopeOnly() {
        try (RegistryClient client = client("hunter2")) {
            RegistryException missing = assertThrows(RegistryException.class,
                    () -> client.getManifest(ImageReference.parse(host + "/scope/a:1"), List.of()));
            assertEquals(404, missing.status(), "authorized, and then not found");
            assertEquals(List.of("repository:scope/a:pull"), tokens.scopesAsked().getLast());
            assertThrows(RegistryException.class, () -> client.listTags(host, "scope/b"));
            // The challenge drawn by scope/a is remembered for its realm, not for its scope.
            assertEquals(List.of("repository:scope/b:pull"), tokens.scopesAsked().getLast());
        }
    }

    @Test
    void wrongPasswordIsRefusedByTheTokenServer() {
        try (RegistryClient client = client("wrong")) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> client.getManifest(ImageReference.parse(host + "/tok/app:1"), List.of()));
            assertEquals("registry " + host + ": manifest for \"tok/app:1\": unauthorized: wrong credentials for user "
                    + "\"bob\" (HTTP 401)", e.getMessage());
        }
    }

    @Test
    void loginThroughTheTokenServer() throws Exception {
        Path authFile = dir.resolve("login.json");
        try (RegistryClient client = new RegistryClient(RegistryClientTest.config(dir)
                .withAuthFiles(AuthFiles.of(authFile, List.of(authFile))))) {
            assertThrows(RegistryException.class, () -> client.login(host, "bob", "wrong"));
            client.login(host, "bob", "hunter2");
            assertEquals(new Credentials("bob", "hunter2"), AuthFile.find(authFile, host, "any").orElseThrow());
            client.listTags(host, "tok/app");
        }
    }
}
