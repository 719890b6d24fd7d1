package io.berth.image.registry;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a {@link RegistryClient} reaches registries.
 *
 * @param insecureRegistries hosts (with or without port) spoken to over plain HTTP; loopback
 *     registries always are, as Docker does
 * @param credentials explicitly given credentials per registry host; they win over auth files
 * @param authFiles the auth files searched after {@code credentials}, and the one login writes
 * @param connectTimeout how long to wait for a TCP connection
 * @param requestTimeout how long to wait for the response headers of one request
 * @param retry what to do about dropped connections, 5xx and 429
 * @param chunkSize bytes per PATCH of a chunked blob upload
 * @param tagPageSize tags asked for per page of a tag list
 */
public record RegistryConfig(
        Set<String> insecureRegistries,
        Map<String, Credentials> credentials,
        AuthFiles authFiles,
        Duration connectTimeout,
        Duration requestTimeout,
        RetryPolicy retry,
        int chunkSize,
        int tagPageSize) {

    public RegistryConfig {
        insecureRegistries = Set.copyOf(insecureRegistries);
        credentials = Map.copyOf(credentials);
        Objects.requireNonNull(authFiles, "authFiles");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retry, "retry");
        if (chunkSize < 1 || tagPageSize < 1) {
            throw new IllegalArgumentException("chunkSize and tagPageSize must be positive");
        }
    }

    /** Auth files from the environment, 10 s to connect, 60 s for headers, {@link RetryPolicy#DEFAULT}, 8 MiB chunks. */
    public static RegistryConfig defaults() {
        return new RegistryConfig(Set.of(), Map.of(), AuthFiles.fromEnvironment(), Duration.ofSeconds(10),
                Duration.ofSeconds(60), RetryPolicy.DEFAULT, 8 << 20, 1000);
    }

    public RegistryConfig withInsecureRegistry(String registry) {
        Set<String> set = new HashSet<>(insecureRegistries);
        set.add(registry);
        return new RegistryConfig(set, credentials, authFiles, connectTimeout, requestTimeout, retry, chunkSize, tagPageSize);
    }

    public RegistryConfig withCredentials(String registry, Credentials value) {
        Map<String, Credentials> map = new HashMap<>(credentials);
        map.put(registry, value);
        return new RegistryConfig(insecureRegistries, map, authFiles, connectTimeout, requestTimeout, retry, chunkSize, tagPageSize);
    }

    public RegistryConfig withAuthFiles(AuthFiles value) {
        return new RegistryConfig(insecureRegistries, credentials, value, connectTimeout, requestTimeout, retry, chunkSize, tagPageSize);
    }

    public RegistryConfig withTimeouts(Duration connect, Duration request) {
        return new RegistryConfig(insecureRegistries, credentials, authFiles, connect, request, retry, chunkSize, tagPageSize);
    }

    public RegistryConfig withRetry(RetryPolicy value) {
        return new RegistryConfig(insecureRegistries, credentials, authFiles, connectTimeout, requestTimeout, value, chunkSize, tagPageSize);
    }

    public RegistryConfig withChunkSize(int value) {
        return new RegistryConfig(insecureRegistries, credentials, authFiles, connectTimeout, requestTimeout, retry, value, tagPageSize);
    }

    public RegistryConfig withTagPageSize(int value) {
        return new RegistryConfig(insecureRegistries, credentials, authFiles, connectTimeout, requestTimeout, retry, chunkSize, value);
    }

    /** Explicit credentials first, then the auth files. */
    Optional<Credentials> credentialsFor(String registry, String repository) {
        Credentials explicit = credentials.get(registry);
        if (explicit != null) {
            return Optional.of(explicit);
        }
        return authFiles.lookup(registry, repository);
    }

    /** Plain HTTP for loopback hosts (as Docker does: nothing on the wire leaves the machine) and insecure ones. */
    boolean usesPlainHttp(String registry) {
        if (insecureRegistries.contains(registry) || insecureRegistries.contains(hostOf(registry))) {
            return true;
        }
        String host = hostOf(registry);
        if (host.equals("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            return InetAddress.ofLiteral(literal).isLoopbackAddress();
        } catch (IllegalArgumentException notAnAddress) {
            return false;
        }
    }

    /** The host part of {@code host[:port]} or {@code [v6]:port}. */
    static String hostOf(String registry) {
        if (registry.startsWith("[")) {
            int close = registry.indexOf(']');
            return close > 0 ? registry.substring(0, close + 1) : registry;
        }
        int colon = registry.lastIndexOf(':');
        return colon >= 0 ? registry.substring(0, colon) : registry;
    }
}
