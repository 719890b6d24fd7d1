package io.berth.image.registry;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;

/** {@code login}: credentials proven against {@code /v2/} before they are written; {@code logout}: removed. */
final class RegistryLogin {

    private final RegistryTransport transport;
    private final HttpClient http;

    RegistryLogin(RegistryTransport transport, HttpClient http) {
        this.transport = transport;
        this.http = http;
    }

    /** Checks the credentials with the registry and, if it accepts them, stores them in the login file. */
    Path login(String registry, Credentials credentials) {
        // A transport of its own that knows only these credentials, so that neither the auth files
        // nor cached tokens can make wrong credentials look right.
        RegistryConfig only = transport.config()
                .withAuthFiles(AuthFiles.none(transport.config().authFiles().loginFile()))
                .withCredentials(registry, credentials);
        RegistryTransport probe = new RegistryTransport(only, http);
        RegistryTransport.Call call = new RegistryTransport.Call(registry, "", "login as \"" + credentials.username() + "\"")
                .uri(probe.url(registry, "/v2/"));
        HttpResponse<InputStream> response = probe.send(call);
        if (response.statusCode() != 200) {
            throw probe.failure(call, response);
        }
        RegistryTransport.discard(response);
        Path file = transport.config().authFiles().loginFile();
        try {
            AuthFile.store(file, registry, credentials);
        } catch (IllegalStateException e) {
            throw new RegistryException(registry, e.getMessage(), 0, e);
        }
        transport.auth().forget(registry);
        return file;
    }

    boolean logout(String registry) {
        try {
            boolean removed = AuthFile.remove(transport.config().authFiles().loginFile(), registry);
            transport.auth().forget(registry);
            return removed;
        } catch (IllegalStateException e) {
            throw new RegistryException(registry, e.getMessage(), 0, e);
        }
    }
}
