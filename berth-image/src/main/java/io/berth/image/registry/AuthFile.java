package io.berth.image.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One credentials file in either of the two formats that share the same {@code auths} map:
 * podman's auth.json and Docker's config.json. An entry holds base64 {@code user:password} in
 * {@code auth}, or {@code username} and {@code password}; its key is a host, a host with a
 * repository path (podman: the most specific key wins), or a URL such as Docker's legacy
 * {@code https://index.docker.io/v1/}. Credential helpers ({@code credsStore},
 * {@code credHelpers}) are not run.
 */
public final class AuthFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuthFile() {
    }

    /** The credentials this file holds for a repository of a registry, or empty (also when the file does not exist). */
    public static Optional<Credentials> find(Path file, String registry, String repository) {
        JsonNode auths = read(file).path("auths");
        if (!auths.isObject()) {
            return Optional.empty();
        }
        // Most specific first: registry/a/b/c, registry/a/b, registry/a, registry.
        List<String> wanted = new ArrayList<>();
        if (repository != null && !repository.isEmpty()) {
            String path = registry + "/" + repository;
            while (path.contains("/")) {
                wanted.add(path);
                path = path.substring(0, path.lastIndexOf('/'));
            }
        }
        wanted.add(normalizeKey(registry));
        for (String key : wanted) {
            for (Map.Entry<String, JsonNode> entry : auths.properties()) {
                if (normalizeKey(entry.getKey()).equals(key)) {
                    Optional<Credentials> credentials = decode(file, entry.getValue());
                    if (credentials.isPresent()) {
                        return credentials;
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Adds or replaces the entry of a registry, in podman's format, keeping everything else in the file. */
    public static void store(Path file, String registry, Credentials credentials) {
        ObjectNode root = readForUpdate(file);
        ObjectNode auths = root.path("auths").isObject() ? (ObjectNode) root.get("auths") : root.putObject("auths");
        removeMatching(auths, registry);
        auths.putObject(registry).put("auth", credentials.basicToken());
        write(file, root);
    }

    /** Removes the entries of a registry; false when there was none. */
    public static boolean remove(Path file, String registry) {
        if (!Files.exists(file)) {
            return false;
        }
        ObjectNode root = readForUpdate(file);
        if (!(root.get("auths") instanceof ObjectNode auths) || !removeMatching(auths, registry)) {
            return false;
        }
        write(file, root);
        return true;
    }

    /**
     * Reduces a key to the form registries are named by: no scheme, no trailing API path, and
     * Docker Hub's aliases folded to {@code docker.io}.
     */
    static String normalizeKey(String key) {
        String k = key;
        boolean url = false;
        for (String scheme : List.of("https://", "http://")) {
            if (k.startsWith(scheme)) {
                k = k.substring(scheme.length());
                url = true;
            }
        }
        if (url) {
            // A URL key names a host (Docker's "https://index.docker.io/v1/"), never a repository.
            int slash = k.indexOf('/');
            if (slash >= 0) {
                k = k.substring(0, slash);
            }
        }
        while (k.endsWith("/")) {
            k = k.substring(0, k.length() - 1);
        }
        String host = k.contains("/") ? k.substring(0, k.indexOf('/')) : k;
        String rest = k.substring(host.length());
        if (host.equals("index.docker.io") || host.equals("registry-1.docker.io")) {
            host = ImageReference.DOCKER_HUB;
        }
        return host + rest;
    }

    private static boolean removeMatching(ObjectNode auths, String registry) {
        String wanted = normalizeKey(registry);
        List<String> keys = new ArrayList<>();
        auths.properties().forEach(e -> {
            if (normalizeKey(e.getKey()).equals(wanted)) {
                keys.add(e.getKey());
            }
        });
        keys.forEach(auths::remove);
        return !keys.isEmpty();
    }

    private static Optional<Credentials> decode(Path file, JsonNode entry) {
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("auth file " + file + ": an \"auth\" value is not base64", e);
            }
            int colon = pair.indexOf(':');
            if (colon < 0) {
                throw new IllegalStateException("auth file " + file + ": an \"auth\" value is not user:password");
            }
            return Optional.of(new Credentials(pair.substring(0, colon), pair.substring(colon + 1)));
        }
        String user = entry.path("username").asText("");
        if (!user.isEmpty()) {
            return Optional.of(new Credentials(user, entry.path("password").asText("")));
        }
        return Optional.empty();
    }

    private static JsonNode read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return JSON.createObjectNode();
        } catch (IOException e) {
            throw new IllegalStateException("auth file " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("auth file " + file + " is not valid JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    private static ObjectNode readForUpdate(Path file) {
        JsonNode node = read(file);
        if (!(node instanceof ObjectNode object)) {
            throw new IllegalStateException("auth file " + file + " does not hold a JSON object");
        }
        return object;
    }

    /** Written to a temporary name and renamed, so a reader never sees half a file; mode 0600 as it holds secrets. */
    private static void write(Path file, ObjectNode root) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = Files.createTempFile(dir, ".auth", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write auth file " + file + ": " + e.getMessage(), e);
        }
    }
}
