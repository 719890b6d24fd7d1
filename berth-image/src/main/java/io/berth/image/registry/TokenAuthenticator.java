package io.berth.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Docker's token auth: asks the realm of a Bearer challenge for a token for some scopes, and keeps
 * each token per registry and scope set until it expires, so that the many requests of one pull
 * cost one round trip to the token server.
 */
final class TokenAuthenticator {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Docker's default when a token server does not say. */
    private static final long DEFAULT_EXPIRES_SECONDS = 60;

    private record Token(String value, Instant expires) {
    }

    private final HttpClient http;
    private final RegistryConfig config;
    private final Clock clock;
    private final ConcurrentMap<String, Token> cache = new ConcurrentHashMap<>();

    TokenAuthenticator(HttpClient http, RegistryConfig config, Clock clock) {
        this.http = http;
        this.config = config;
        this.clock = clock;
    }

    /** A cached, unexpired token for exactly these scopes, or null. */
    String cached(String registry, List<String> scopes) {
        Token token = cache.get(key(registry, scopes));
        return token != null && clock.instant().isBefore(token.expires()) ? token.value() : null;
    }

    /**
     * Fetches a new token for {@code scopes} plus whatever the challenge asks for, and caches it
     * under {@code scopes}: the next request of the same kind looks it up by those.
     */
    String fetch(String registry, AuthChallenge challenge, List<String> scopes, Optional<Credentials> credentials,
            String subject) {
        String realm = challenge.param("realm");
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
            throw new RegistryException(registry, subject + ": the registry asks for a token from an invalid realm \""
                    + realm + "\"", 401);
        }
        TreeSet<String> wanted = new TreeSet<>(scopes);
        wanted.addAll(challenge.scopes());
        StringBuilder query = new StringBuilder();
        String service = challenge.param("service");
        if (service != null) {
            param(query, "service", service);
        }
        wanted.forEach(scope -> param(query, "scope", scope));
        credentials.ifPresent(c -> param(query, "account", c.username()));
        URI uri = URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));

        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(config.requestTimeout())
                .header("User-Agent", RegistryTransport.USER_AGENT);
        credentials.ifPresent(c -> request.header("Authorization", "Basic " + c.basicToken()));
        JsonNode body = send(registry, request.build(), credentials, subject);

        String value = body.path("token").asText("");
        if (value.isEmpty()) {
            value = body.path("access_token").asText("");
        }
        if (value.isEmpty()) {
            throw new RegistryException(registry, subject + ": the token server at " + realm + " sent no token", 0);
        }
        long expiresIn = body.path("expires_in").asLong(DEFAULT_EXPIRES_SECONDS);
        if (expiresIn <= 0) {
            expiresIn = DEFAULT_EXPIRES_SECONDS;
        }
        // Renew a little early (a tenth, at most 30 s) so a token does not expire on its way to the registry.
        long margin = Math.min(30, expiresIn / 10);
        Instant expires = clock.instant().plus(Duration.ofSeconds(expiresIn - margin));
        cache.put(key(registry, scopes), new Token(value, expires));
        return value;
    }

    /** Forget the tokens of a registry, e.g. after login with other credentials. */
    void forget(String registry) {
        cache.keySet().removeIf(k -> k.startsWith(registry + " "));
    }

    private JsonNode send(String registry, HttpRequest request, Optional<Credentials> credentials, String subject) {
        RetryPolicy retry = config.retry();
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                int status = response.statusCode();
                if (status == 200) {
                    try (InputStream in = response.body()) {
                        return JSON.readTree(in.readNBytes(1 << 20));
                    }
                }
                String why = RegistryErrors.describe(response.body());
                if ((status >= 500 || status == 429) && attempt < retry.maxAttempts()) {
                    RegistryTransport.pause(registry, retry.delayAfter(attempt));
                    continue;
                }
                if (status == 401 || status == 403) {
                    throw new RegistryException(registry, subject + ": " + RegistryAuth.refusal(credentials), status);
                }
                throw new RegistryException(registry, subject + ": the token server at " + request.uri().getHost()
                        + " failed" + (why.isEmpty() ? "" : ": " + why), status);
            } catch (IOException e) {
                if (attempt < retry.maxAttempts()) {
                    RegistryTransport.pause(registry, retry.delayAfter(attempt));
                    continue;
                }
                throw new RegistryException(registry, subject + ": token server " + request.uri().getAuthority()
                        + " unreachable: " + RegistryTransport.reason(e, config), 0, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(registry, subject + ": interrupted", 0, e);
            }
        }
    }

    private static void param(StringBuilder query, String name, String value) {
        if (!query.isEmpty()) {
            query.append('&');
        }
        query.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static String key(String registry, List<String> scopes) {
        return registry + " " + String.join(" ", new TreeSet<>(scopes));
    }
}
