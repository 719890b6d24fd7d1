package io.berth.image.registry;

import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Decides the Authorization header of each request. A registry says how it wants to be
 * authenticated only in a 401 challenge; the challenge is remembered per registry, so later
 * requests are authorized up front (Basic credentials, or a cached token) instead of paying a
 * 401 round trip each.
 */
final class RegistryAuth {

    private final RegistryConfig config;
    private final TokenAuthenticator tokens;
    private final ConcurrentMap<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

    RegistryAuth(RegistryConfig config, HttpClient http) {
        this.config = config;
        this.tokens = new TokenAuthenticator(http, config, Clock.systemUTC());
    }

    /** The header for a request before any challenge of this request, or null to go without. */
    String upFront(String registry, String repository, List<String> scopes, String subject) {
        AuthChallenge challenge = challenges.get(registry);
        if (challenge == null) {
            return null;
        }
        if (challenge.isBasic()) {
            return credentials(registry, repository).map(c -> "Basic " + c.basicToken()).orElse(null);
        }
        String token = tokens.cached(registry, scopes);
        if (token == null) {
            token = tokens.fetch(registry, challenge, scopes, credentials(registry, repository), subject);
        }
        return "Bearer " + token;
    }

    /**
     * The header that answers a 401's challenges; always a fresh token, since a cached one may
     * be what the registry just refused. Throws when there is no way to answer.
     */
    String answer(String registry, String repository, List<String> scopes, List<AuthChallenge> offered,
            String subject) {
        AuthChallenge bearer = offered.stream().filter(AuthChallenge::isBearer).findFirst().orElse(null);
        AuthChallenge basic = offered.stream().filter(AuthChallenge::isBasic).findFirst().orElse(null);
        Optional<Credentials> credentials = credentials(registry, repository);
        if (bearer != null) {
            challenges.put(registry, bearer.forLaterRequests());
            return "Bearer " + tokens.fetch(registry, bearer, scopes, credentials, subject);
        }
        if (basic != null) {
            challenges.put(registry, basic);
            return credentials.map(c -> "Basic " + c.basicToken())
                    .orElseThrow(() -> new RegistryException(registry, subject + ": " + refusal(credentials), 401));
        }
        throw new RegistryException(registry, subject + ": unauthorized, and the registry offers no Basic or Bearer "
                + "authentication" + (offered.isEmpty() ? "" : " (it offers " + offered.getFirst().scheme() + ")"), 401);
    }

    /** The phrase for a refusal: wrong credentials if we had some, none found otherwise. */
    static String refusal(Optional<Credentials> credentials) {
        return credentials.map(c -> "unauthorized: wrong credentials for user \"" + c.username() + "\"")
                .orElse("unauthorized: authentication required and no credentials found (log in first)");
    }

    Optional<Credentials> credentials(String registry, String repository) {
        try {
            return config.credentialsFor(registry, repository);
        } catch (IllegalStateException badAuthFile) {
            throw new RegistryException(registry, badAuthFile.getMessage(), 0, badAuthFile);
        }
    }

    /** After a login: tokens fetched with other credentials must not be used again. */
    void forget(String registry) {
        challenges.remove(registry);
        tokens.forget(registry);
    }
}
