package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.image.registry.TestContent.Blob;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker-registry with htpasswd auth: Basic credentials, from config or from the file login writes. */
class BasicAuthTest {

    @TempDir
    static Path dir;

    static LocalRegistry registry;
    static String host;

    @BeforeAll
    static void start() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        Htpasswd.write(htpasswd, Map.of("alice", "s3cret"));
        registry = LocalRegistry.start(dir.resolve("registry"), """
                auth:
                  htpasswd:
                    realm: berth-test
                    path: %s
                """.formatted(htpasswd));
        host = registry.host();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private static RegistryClient client(Credentials credentials, Path loginFile) {
        RegistryConfig config = RegistryClientTest.config(dir).withAuthFiles(AuthFiles.none(loginFile));
        return new RegistryClient(credentials == null ? config : config.withCredentials(host, credentials));
    }

    @Test
    void rightCredentialsPushAndPull() throws Exception {
        try (RegistryClient client = client(new Credentials("alice", "s3cret"), dir.resolve("unused.json"))) {
            client.ping(host);
            Blob blob = TestContent.blob(20, 20_000);
            client.putBlob(host, "basic/app", blob.digest(), blob.bytes().length, blob.stream(), true);
            assertTrue(client.blobExists(host, "basic/app", blob.digest()));
            try (InputStream in = client.getBlob(host, "basic/app", blob.digest(), 100)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(blob.bytes(), 100, blob.bytes().length), in.readAllBytes());
            }
            byte[] manifest = TestContent.manifest(blob);
            String digest = client.putManifest(ImageReference.parse(host + "/basic/app:v1"), TestContent.OCI_MANIFEST,
                    manifest);
            assertEquals(digest, client.getManifest(ImageReference.parse(host + "/basic/app:v1"), List.of()).digest());
            assertEquals(List.of("v1"), client.listTags(host, "basic/app"));
        }
    }

    @Test
    void wrongCredentialsAreAClear401() {
        try (RegistryClient client = client(new Credentials("alice", "wrong"), dir.resolve("unused.json"))) {
            RegistryException e = assertThrows(RegistryException.class,
                    () -> client.getManifest(ImageReference.parse(host + "/basic/app:v1"), List.of()));
            assertEquals("registry " + host + ": manifest for \"basic/app:v1\": unauthorized: wrong credentials for "
                    + "user \"alice\" (HTTP 401)", e.getMessage());
            assertTrue(e.isUnauthorized());
        }
    }

    @Test
    void noCredentialsSaysSo() {
        try (RegistryClient client = client(null, dir.resolve("unused.json"))) {
            RegistryException e = assertThrows(RegistryException.class, () -> client.ping(host));
            assertEquals("registry " + host + ": API check: unauthorized: authentication required and no credentials "
                    + "found (log in first) (HTTP 401)", e.getMessage());
        }
    }

    @Test
    void loginWritesPodmanAuthFileAndLogoutRemovesIt() throws Exception {
        Path authFile = dir.resolve("login/containers/auth.json");
        try (RegistryClient client = new RegistryClient(RegistryClientTest.config(dir)
                .withAuthFiles(AuthFiles.of(authFile, List.of(authFile))))) {
            RegistryException wrong = assertThrows(RegistryException.class, () -> client.login(host, "alice", "nope"));
            assertEquals(401, wrong.status());
            assertFalse(Files.exists(authFile), "failed login must not write credentials");

            assertEquals(authFile, client.login(host, "alice", "s3cret"));
            var auths = new ObjectMapper().readTree(authFile.toFile()).path("auths");
            assertEquals(Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)),
                    auths.path(host).path("auth").asText());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(authFile)));

            // The same client now finds the credentials through the auth file.
            client.ping(host);
            assertTrue(client.logout(host));
            assertFalse(client.logout(host));
            RegistryException after = assertThrows(RegistryException.class, () -> client.ping(host));
            assertEquals(401, after.status());
        }
    }
}
