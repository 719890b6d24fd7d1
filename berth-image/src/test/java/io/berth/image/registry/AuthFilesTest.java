package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** podman's auth.json and Docker's config.json, and the order they are searched in. */
class AuthFilesTest {

    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path write(String name, String json) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
        return file;
    }

    @Test
    void podmanFormatWithRepositoryScopedKeys() throws IOException {
        Path file = write("auth.json", """
                {"auths": {
                  "quay.io": {"auth": "%s"},
                  "quay.io/team": {"auth": "%s"},
                  "quay.io/team/app": {"auth": "%s"},
                  "127.0.0.1:5000": {"auth": "%s"}
                }}""".formatted(b64("any:1"), b64("team:2"), b64("app:3"), b64("local:pass:with:colons")));
        assertEquals(Optional.of(new Credentials("app", "3")), AuthFile.find(file, "quay.io", "team/app"));
        assertEquals(Optional.of(new Credentials("team", "2")), AuthFile.find(file, "quay.io", "team/other"));
        assertEquals(Optional.of(new Credentials("any", "1")), AuthFile.find(file, "quay.io", "else/x"));
        assertEquals(Optional.of(new Credentials("local", "pass:with:colons")),
                AuthFile.find(file, "127.0.0.1:5000", "foo"));
        assertEquals(Optional.empty(), AuthFile.find(file, "ghcr.io", "x"));
    }

    @Test
    void dockerFormatWithLegacyHubKeyAndUrlKeys() throws IOException {
        Path file = write("config.json", """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "https://registry.example.com": {"username": "u", "password": "p"},
                  "http://insecure.example:5000/v2/": {"auth": "%s"},
                  "helper.example": {}
                },
                "credsStore": "desktop", "HttpHeaders": {"X-Meta": "1"}}""".formatted(b64("hub:pw"), b64("i:q")));
        assertEquals(Optional.of(new Credentials("hub", "pw")), AuthFile.find(file, "docker.io", "library/busybox"));
        assertEquals(Optional.of(new Credentials("u", "p")), AuthFile.find(file, "registry.example.com", "a"));
        assertEquals(Optional.of(new Credentials("i", "q")), AuthFile.find(file, "insecure.example:5000", "a"));
        // An entry left empty by a credential helper holds nothing to use.
        assertEquals(Optional.empty(), AuthFile.find(file, "helper.example", "a"));
    }

    @Test
    void searchOrderFromTheEnvironment() throws IOException {
        Path home = dir.resolve("home");
        Path run = dir.resolve("run");
        Path explicit = write("explicit.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + b64("explicit:1") + "\"}}}");
        write("run/containers/auth.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + b64("runtime:2") + "\"},"
                + "\"b.io\":{\"auth\":\"" + b64("runtime:2") + "\"}}}");
        write("home/.config/containers/auth.json", "{\"auths\":{\"b.io\":{\"auth\":\"" + b64("config:3") + "\"},"
                + "\"c.io\":{\"auth\":\"" + b64("config:3") + "\"}}}");
        write("home/.docker/config.json", "{\"auths\":{\"c.io\":{\"auth\":\"" + b64("docker:4") + "\"},"
                + "\"d.io\":{\"auth\":\"" + b64("docker:4") + "\"}}}");

        AuthFiles all = AuthFiles.fromEnvironment(
                Map.of("REGISTRY_AUTH_FILE", explicit.toString(), "XDG_RUNTIME_DIR", run.toString()), home);
        assertEquals(List.of(explicit, run.resolve("containers/auth.json"), home.resolve(".config/containers/auth.json"),
                home.resolve(".docker/config.json")), all.searchPath());
        assertEquals(explicit, all.loginFile());
        assertEquals("explicit", all.lookup("a.io", "r").orElseThrow().username());
        assertEquals("runtime", all.lookup("b.io", "r").orElseThrow().username());
        assertEquals("config", all.lookup("c.io", "r").orElseThrow().username());
        assertEquals("docker", all.lookup("d.io", "r").orElseThrow().username());
        assertEquals(Optional.empty(), all.lookup("e.io", "r"));

        AuthFiles bare = AuthFiles.fromEnvironment(Map.of(), home);
        assertEquals(home.resolve(".config/containers/auth.json"), bare.loginFile());
        AuthFiles docker = AuthFiles.fromEnvironment(Map.of("DOCKER_CONFIG", dir.resolve("dc").toString()), home);
        assertEquals(dir.resolve("dc/config.json"), docker.searchPath().getLast());
    }

    @Test
    void explicitCredentialsWinOverFiles() throws IOException {
        Path file = write("auth.json", "{\"auths\":{\"a.io\":{\"auth\":\"" + b64("file:1") + "\"}}}");
        RegistryConfig config = RegistryConfig.defaults().withAuthFiles(AuthFiles.of(file, List.of(file)));
        assertEquals("file", config.credentialsFor("a.io", "r").orElseThrow().username());
        assertEquals("given", config.withCredentials("a.io", new Credentials("given", "2"))
                .credentialsFor("a.io", "r").orElseThrow().username());
    }

    @Test
    void storeKeepsOtherContentAndRemoveDropsAllAliases() throws IOException {
        Path file = write("auth.json", """
                {"auths": {"other.io": {"auth": "%s"}, "https://index.docker.io/v1/": {"auth": "%s"}},
                 "credHelpers": {"x.io": "pass"}}""".formatted(b64("o:1"), b64("old:0")));
        AuthFile.store(file, "docker.io", new Credentials("new", "pw"));
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertEquals(b64("new:pw"), root.path("auths").path("docker.io").path("auth").asText());
        assertFalse(root.path("auths").has("https://index.docker.io/v1/"), "the legacy alias is replaced");
        assertEquals("pass", root.path("credHelpers").path("x.io").asText());
        assertEquals("o", AuthFile.find(file, "other.io", "r").orElseThrow().username());

        assertTrue(AuthFile.remove(file, "docker.io"));
        assertEquals(Optional.empty(), AuthFile.find(file, "docker.io", "library/x"));
        assertFalse(AuthFile.remove(file, "docker.io"));
        assertFalse(AuthFile.remove(dir.resolve("missing.json"), "docker.io"));
    }

    @Test
    void missingEmptyAndBrokenFiles() throws IOException {
        assertEquals(Optional.empty(), AuthFile.find(dir.resolve("missing.json"), "a.io", "r"));
        assertEquals(Optional.empty(), AuthFile.find(write("empty.json", ""), "a.io", "r"));
        assertEquals(Optional.empty(), AuthFile.find(write("noauths.json", "{}"), "a.io", "r"));
        Path broken = write("broken.json", "{\"auths\": {");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AuthFile.find(broken, "a.io", "r"));
        assertTrue(e.getMessage().startsWith("auth file " + broken + " is not valid JSON"), e.getMessage());
        Path notBase64 = write("bad.json", "{\"auths\":{\"a.io\":{\"auth\":\"%%%\"}}}");
        assertThrows(IllegalStateException.class, () -> AuthFile.find(notBase64, "a.io", "r"));
    }

    @Test
    void keysAreNormalized() {
        assertEquals("docker.io", AuthFile.normalizeKey("https://index.docker.io/v1/"));
        assertEquals("docker.io", AuthFile.normalizeKey("registry-1.docker.io"));
        assertEquals("h:5000", AuthFile.normalizeKey("http://h:5000/v2/"));
        assertEquals("quay.io/org", AuthFile.normalizeKey("quay.io/org/"));
    }
}
