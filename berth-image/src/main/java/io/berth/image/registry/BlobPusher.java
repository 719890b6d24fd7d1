package io.berth.image.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * HEAD of {@code /v2/<name>/blobs/<digest>} and the upload session of
 * {@code /v2/<name>/blobs/uploads/}: POST opens it (or mounts from another repository), then one
 * PUT with the whole blob, or PATCHes of one chunk each and a closing PUT.
 */
final class BlobPusher {

    private final RegistryTransport transport;

    BlobPusher(RegistryTransport transport) {
        this.transport = transport;
    }

    boolean exists(String registry, String repository, String digest) {
        String subject = "blob " + digest + " of \"" + repository + "\"";
        RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                .method("HEAD")
                .uri(transport.url(registry, "/v2/" + repository + "/blobs/" + digest))
                .scopes(RegistryTransport.pull(repository));
        HttpResponse<InputStream> response = transport.send(call);
        RegistryTransport.discard(response);
        return switch (response.statusCode()) {
            case 200 -> true;
            case 404 -> false;
            default -> throw new RegistryException(registry, subject + ": unexpected answer to HEAD",
                    response.statusCode());
        };
    }

    boolean mount(String registry, String repository, String digest, String fromRepository) {
        String subject = "mounting blob " + digest + " from \"" + fromRepository + "\" into \"" + repository + "\"";
        RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                .method("POST")
                .uri(transport.url(registry, "/v2/" + repository + "/blobs/uploads/?mount=" + encode(digest)
                        + "&from=" + encode(fromRepository)))
                .scopes(RegistryTransport.pullPush(repository), RegistryTransport.pull(fromRepository));
        HttpResponse<InputStream> response = transport.send(call);
        switch (response.statusCode()) {
            case 201 -> {
                RegistryTransport.discard(response);
                return true;
            }
            case 202 -> {
                // Not mountable (unknown there, or no access): the registry opened an upload session
                // instead. The caller uploads through a session of its own, so close this one.
                RegistryTransport.discard(response);
                response.headers().firstValue("Location").ifPresent(location -> cancel(call, location));
                return false;
            }
            default -> throw transport.failure(call, response);
        }
    }

    void put(String registry, String repository, String digest, long size, InputStream data, boolean chunked) {
        String subject = "pushing blob " + digest + " to \"" + repository + "\"";
        URI session = open(registry, repository, subject);
        if (chunked) {
            session = patchChunks(registry, repository, subject, session, size, data);
            finish(registry, repository, subject, session, digest, null, 0);
        } else {
            finish(registry, repository, subject, session, digest, data, size);
        }
    }

    private URI open(String registry, String repository, String subject) {
        RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                .method("POST")
                .uri(transport.url(registry, "/v2/" + repository + "/blobs/uploads/"))
                .scopes(RegistryTransport.pullPush(repository));
        HttpResponse<InputStream> response = transport.send(call);
        if (response.statusCode() != 202) {
            throw transport.failure(call, response);
        }
        RegistryTransport.discard(response);
        return location(call, response);
    }

    private URI patchChunks(String registry, String repository, String subject, URI session, long size,
            InputStream data) {
        int chunkSize = transport.config().chunkSize();
        long sent = 0;
        while (sent < size) {
            byte[] chunk;
            try {
                chunk = data.readNBytes((int) Math.min(chunkSize, size - sent));
            } catch (IOException e) {
                throw new RegistryException(registry, subject + ": reading the blob failed: " + e.getMessage(), 0, e);
            }
            if (chunk.length == 0) {
                throw new RegistryException(registry, subject + ": the data ended after " + sent + " of " + size
                        + " bytes", 0);
            }
            // A chunk is in memory, so it may be sent again: a registry that failed it did not keep it.
            RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                    .method("PATCH")
                    .uri(session)
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", sent + "-" + (sent + chunk.length - 1))
                    .body(chunk)
                    .scopes(RegistryTransport.pullPush(repository));
            HttpResponse<InputStream> response = transport.send(call);
            if (response.statusCode() != 202) {
                throw transport.failure(call, response);
            }
            RegistryTransport.discard(response);
            session = location(call, response);
            sent += chunk.length;
        }
        return session;
    }

    /** The closing PUT; carries the whole blob when {@code data} is given (monolithic upload). */
    private void finish(String registry, String repository, String subject, URI session, String digest,
            InputStream data, long size) {
        String s = session.toString();
        URI uri = URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + encode(digest));
        RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                .method("PUT")
                .uri(uri)
                .header("Content-Type", "application/octet-stream")
                .scopes(RegistryTransport.pullPush(repository));
        if (data != null) {
            call.bodyOnce(data, size);
        }
        HttpResponse<InputStream> response = transport.send(call);
        if (response.statusCode() != 201 && response.statusCode() != 204) {
            throw transport.failure(call, response);
        }
        RegistryTransport.discard(response);
    }

    private void cancel(RegistryTransport.Call opened, String location) {
        RegistryTransport.Call call = new RegistryTransport.Call(opened.registry, opened.repository, opened.subject)
                .method("DELETE")
                .uri(opened.uri.resolve(location))
                .scopes(opened.scopes.toArray(String[]::new));
        try {
            RegistryTransport.discard(transport.send(call));
        } catch (RegistryException ignored) {
            // An abandoned session is purged by the registry on its own.
        }
    }

    /** Location may be absolute or relative to the request; both are allowed by the spec. */
    private static URI location(RegistryTransport.Call call, HttpResponse<?> response) {
        String location = response.headers().firstValue("Location").orElseThrow(() -> new RegistryException(
                call.registry, call.subject + ": the registry sent no upload Location", response.statusCode()));
        return call.uri.resolve(location);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
