package io.berth.image.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token server of Docker's token auth, enough for distribution's {@code auth: token:}: it checks
 * Basic credentials, grants every scope asked for, and signs an RS256 JWT with a key whose
 * self-signed certificate (made by the openssl CLI) is the registry's rootcertbundle. The
 * certificate travels in the token's {@code x5c} header, which the registry verifies against
 * that bundle.
 */
final class TokenServer implements AutoCloseable {

    static final String SERVICE = "berth-test-registry";
    static final String ISSUER = "berth-test-issuer";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, String> users;
    private final PrivateKey key;
    private final String certificate;
    private final Path certBundle;
    private final AtomicInteger hits = new AtomicInteger();
    private final List<List<String>> scopesAsked = new CopyOnWriteArrayList<>();
    volatile long expiresIn = 300;

    TokenServer(Path dir, Map<String, String> users) throws IOException, InterruptedException {
        this.users = Map.copyOf(users);
        Files.createDirectories(dir);
        Path keyFile = dir.resolve("token-key.pem");
        certBundle = dir.resolve("token-cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", keyFile.toString(), "-out", certBundle.toString(), "-days", "2",
                "-subj", "/CN=" + ISSUER)
                .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            openssl.destroyForcibly();
            throw new IOException("openssl failed: " + Files.readString(dir.resolve("openssl.log")));
        }
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(keyFile, "PRIVATE KEY")));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certBundle)));
            certificate = Base64.getEncoder().encodeToString(cert.getEncoded());
        } catch (Exception e) {
            throw new IOException("cannot load the key made by openssl", e);
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/token", this::token);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The registry's {@code auth:} section. */
    String registryAuthYaml() {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, certBundle);
    }

    int hits() {
        return hits.get();
    }

    List<List<String>> scopesAsked() {
        return scopesAsked;
    }

    private void token(HttpExchange exchange) throws IOException {
        hits.incrementAndGet();
        try (exchange) {
            List<String> scopes = new ArrayList<>();
            String service = null;
            String query = exchange.getRequestURI().getRawQuery();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(pair.substring(0, Math.max(eq, 0)), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (name.equals("scope")) {
                    scopes.add(value);
                } else if (name.equals("service")) {
                    service = value;
                }
            }
            scopesAsked.add(List.copyOf(scopes));
            String user = authenticatedUser(exchange.getRequestHeaders().getFirst("Authorization"));
            if (user == null) {
                send(exchange, 401, "{\"details\":\"incorrect username or password\"}");
                return;
            }
            if (!SERVICE.equals(service)) {
                send(exchange, 400, "{\"details\":\"unknown service\"}");
                return;
            }
            String jwt = sign(user, scopes);
            ObjectNode body = JSON.createObjectNode();
            // Docker's spec names the field "token"; OAuth2-minded clients read "access_token": send both.
            body.put("token", jwt).put("access_token", jwt).put("expires_in", expiresIn)
                    .put("issued_at", Instant.now().toString());
            send(exchange, 200, body.toString());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private String authenticatedUser(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return null;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        String user = pair.substring(0, colon);
        return pair.substring(colon + 1).equals(users.get(user)) ? user : null;
    }

    private String sign(String user, List<String> scopes) throws Exception {
        ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
        header.putArray("x5c").add(certificate);
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode()
                .put("iss", ISSUER).put("sub", user).put("aud", SERVICE)
                .put("exp", now + expiresIn).put("nbf", now - 1).put("iat", now)
                .put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        for (String scope : scopes) {
            // type:name:actions, where a name may itself hold colons (host:port/repo).
            int first = scope.indexOf(':');
            int last = scope.lastIndexOf(':');
            if (first < 0 || last == first) {
                continue;
            }
            ObjectNode grant = access.addObject()
                    .put("type", scope.substring(0, first))
                    .put("name", scope.substring(first + 1, last));
            ArrayNode actions = grant.putArray("actions");
            for (String action : scope.substring(last + 1).split(",")) {
                actions.add(action);
            }
        }
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signingInput = url.encodeToString(JSON.writeValueAsBytes(header)) + "."
                + url.encodeToString(JSON.writeValueAsBytes(claims));
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + url.encodeToString(rs256.sign());
    }

    private static byte[] pem(Path file, String type) throws IOException {
        String text = Files.readString(file);
        int begin = text.indexOf("-----BEGIN " + type + "-----");
        int end = text.indexOf("-----END " + type + "-----");
        if (begin < 0 || end < 0) {
            throw new IOException(file + " holds no " + type);
        }
        String base64 = text.substring(begin + ("-----BEGIN " + type + "-----").length(), end).replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
