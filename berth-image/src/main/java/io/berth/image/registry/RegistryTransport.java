package io.berth.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Sends one logical request to a registry: authorizes it, answers one 401 challenge, follows
 * redirects (GET and HEAD only; the Authorization header never follows to another host, since a
 * blob redirect usually points at object storage with its own signed URL), and retries dropped
 * connections, 5xx and 429 with backoff. What the final status means is the caller's business.
 */
final class RegistryTransport {

    static final String USER_AGENT = "berth/0.1";
    private static final int MAX_REDIRECTS = 10;
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(30);

    /** One logical request. Built by the endpoint classes; {@code subject} names what it is about in errors. */
    static final class Call {
        final String registry;
        final String repository;
        final String subject;
        String method = "GET";
        URI uri;
        final Map<String, String> headers = new LinkedHashMap<>();
        Supplier<HttpRequest.BodyPublisher> body = HttpRequest.BodyPublishers::noBody;
        /** False for a body read from a stream once: such a request is never sent twice. */
        boolean replayable = true;
        List<String> scopes = List.of();

        Call(String registry, String repository, String subject) {
            this.registry = registry;
            this.repository = repository;
            this.subject = subject;
        }

        Call method(String value) {
            method = value;
            return this;
        }

        Call uri(URI value) {
            uri = value;
            return this;
        }

        Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Call scopes(String... values) {
            scopes = List.of(values);
            return this;
        }

        Call body(byte[] bytes) {
            body = () -> HttpRequest.BodyPublishers.ofByteArray(bytes);
            return this;
        }

        Call bodyOnce(InputStream data, long size) {
            // The JDK refuses a stream publisher of length 0; an empty body is the same on the wire.
            body = size == 0 ? HttpRequest.BodyPublishers::noBody : () -> HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> data), size);
            replayable = false;
            return this;
        }
    }

    private final RegistryConfig config;
    private final HttpClient http;
    private final RegistryAuth auth;

    RegistryTransport(RegistryConfig config, HttpClient http) {
        this.config = config;
        this.http = http;
        this.auth = new RegistryAuth(config, http);
    }

    RegistryConfig config() {
        return config;
    }

    RegistryAuth auth() {
        return auth;
    }

    /** The URL of an API path ({@code /v2/...}) on a registry; Docker Hub's API lives on another host than its name. */
    URI url(String registry, String path) {
        String host = registry.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : registry;
        return URI.create((config.usesPlainHttp(registry) ? "http://" : "https://") + host + path);
    }

    /** Pull access to a repository, in the token spec's scope syntax. */
    static String pull(String repository) {
        return "repository:" + repository + ":pull";
    }

    static String pullPush(String repository) {
        return "repository:" + repository + ":pull,push";
    }

    private static boolean unknownHost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** Sends the call; the caller closes the response body. 401s that cannot be answered end here as exceptions. */
    HttpResponse<InputStream> send(Call call) {
        URI registryBase = url(call.registry, "/v2/");
        // Credentials go only to the registry itself, never to an upload or storage host it names.
        boolean toRegistry = sameOrigin(registryBase, call.uri);
        String authorization = toRegistry
                ? auth.upFront(call.registry, call.repository, call.scopes, call.subject) : null;
        boolean challengeAnswered = false;
        RetryPolicy retry = config.retry();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<InputStream> response;
            try {
                response = exchange(call, authorization);
            } catch (IOException e) {
                // A name that does not resolve now will not in the next second: no retries.
                if (call.replayable && attempt < retry.maxAttempts() && !unknownHost(e)) {
                    pause(call.registry, retry.delayAfter(attempt));
                    continue;
                }
                throw unreachable(call.registry, e);
            }
            int status = response.statusCode();
            boolean fromRegistry = toRegistry && sameOrigin(registryBase, response.uri());
            if (status == 401 && fromRegistry && !challengeAnswered && call.replayable) {
                List<AuthChallenge> offered =
                        AuthChallenge.parseAll(response.headers().allValues("WWW-Authenticate"));
                discard(response);
                authorization = auth.answer(call.registry, call.repository, call.scopes, offered, call.subject);
                challengeAnswered = true;
                attempt--; // answering a challenge is not a failed attempt
                continue;
            }
            if (status == 401 && fromRegistry) {
                throw unauthorized(call, response, authorization);
            }
            if ((status >= 500 || status == 429) && call.replayable && attempt < retry.maxAttempts()) {
                Duration delay = retry.delayAfter(attempt);
                Duration asked = retryAfter(response);
                discard(response);
                pause(call.registry, asked != null && asked.compareTo(delay) > 0 ? asked : delay);
                continue;
            }
            return response;
        }
    }

    /** The exception for a status the caller did not expect, with the registry's own explanation if it gave one. */
    RegistryException failure(Call call, HttpResponse<InputStream> response) {
        int status = response.statusCode();
        String why = RegistryErrors.describe(response.body());
        String what = switch (status) {
            case 400 -> "rejected";
            case 403 -> "denied";
            case 404 -> "not found";
            case 429 -> "too many requests, still after retries";
            default -> status >= 500 ? "registry error" : "unexpected answer";
        };
        return new RegistryException(call.registry, call.subject + ": " + what + (why.isEmpty() ? "" : ": " + why), status);
    }

    private HttpResponse<InputStream> exchange(Call call, String authorization) throws IOException {
        URI uri = call.uri;
        String auth = authorization;
        boolean follow = call.method.equals("GET") || call.method.equals("HEAD");
        for (int hops = 0; ; hops++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .method(call.method, call.body.get())
                    .timeout(config.requestTimeout())
                    .header("User-Agent", USER_AGENT);
            call.headers.forEach(request::header);
            if (auth != null) {
                request.header("Authorization", auth);
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(call.registry, call.subject + ": interrupted", 0, e);
            }
            int status = response.statusCode();
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            String location = response.headers().firstValue("Location").orElse(null);
            if (!follow || !redirect || location == null) {
                return response;
            }
            discard(response);
            if (hops >= MAX_REDIRECTS) {
                throw new RegistryException(call.registry, call.subject + ": more than " + MAX_REDIRECTS + " redirects", status);
            }
            URI next = uri.resolve(location);
            if (!sameOrigin(uri, next)) {
                auth = null;
            }
            uri = next;
        }
    }

    private RegistryException unauthorized(Call call, HttpResponse<InputStream> response, String authorization) {
        List<AuthChallenge> offered = AuthChallenge.parseAll(response.headers().allValues("WWW-Authenticate"));
        String why = RegistryErrors.describe(response.body());
        String error = offered.stream().map(c -> c.param("error")).filter(Objects::nonNull).findFirst().orElse(null);
        String detail;
        if ("insufficient_scope".equals(error)) {
            detail = "unauthorized: access to " + String.join(" ", call.scopes) + " denied (insufficient scope)";
        } else if (authorization != null && authorization.startsWith("Basic ")) {
            detail = RegistryAuth.refusal(auth.credentials(call.registry, call.repository));
        } else if (authorization == null) {
            detail = RegistryAuth.refusal(Optional.empty());
        } else {
            detail = "unauthorized: the registry refused its token" + (why.isEmpty() ? "" : ": " + why);
        }
        return new RegistryException(call.registry, call.subject + ": " + detail, 401);
    }

    static void discard(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            in.skip(1 << 16); // small remainders let the connection be reused
        } catch (IOException ignored) {
            // the connection is dropped instead
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(value -> {
            try {
                Duration asked = Duration.ofSeconds(Long.parseLong(value.trim()));
                return asked.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : asked;
            } catch (NumberFormatException httpDate) {
                return null;
            }
        }).orElse(null);
    }

    static void pause(String registry, Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(registry, "interrupted while waiting to retry", 0, e);
        }
    }

    RegistryException unreachable(String registry, IOException e) {
        return new RegistryException(registry, "unreachable: " + reason(e, config), 0, e);
    }

    /** Why a connection failed, in a few words; the JDK's messages are often null or name internals. */
    static String reason(IOException e, RegistryConfig config) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out after " + config.connectTimeout().toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + config.requestTimeout().toSeconds() + " s";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof SSLException) {
                return "TLS failed (" + t.getMessage() + "); if the registry speaks plain HTTP, mark it insecure";
            }
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String message = e.getMessage();
        return "connection lost" + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }
}
