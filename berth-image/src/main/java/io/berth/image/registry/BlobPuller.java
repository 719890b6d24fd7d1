package io.berth.image.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** GET of {@code /v2/<name>/blobs/<digest>}, from an offset, resumed when the connection drops. */
final class BlobPuller {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final RegistryTransport transport;

    BlobPuller(RegistryTransport transport) {
        this.transport = transport;
    }

    InputStream get(String registry, String repository, String digest, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        String subject = "blob " + digest + " of \"" + repository + "\"";
        return new ResumingBlobStream(from -> open(registry, repository, digest, from, subject),
                transport.config(), registry, subject, offset).start();
    }

    private ResumingBlobStream.Opened open(String registry, String repository, String digest, long offset,
            String subject) throws IOException {
        RegistryTransport.Call call = new RegistryTransport.Call(registry, repository, subject)
                .uri(transport.url(registry, "/v2/" + repository + "/blobs/" + digest))
                .scopes(RegistryTransport.pull(repository));
        if (offset > 0) {
            call.header("Range", "bytes=" + offset + "-");
        }
        HttpResponse<InputStream> response = transport.send(call);
        int status = response.statusCode();
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        switch (status) {
            case 200 -> {
                // The registry (or its storage) ignored the Range: skip what we already have.
                InputStream body = response.body();
                if (offset > 0) {
                    try {
                        body.skipNBytes(offset);
                    } catch (EOFException e) {
                        body.close();
                        throw new RegistryException(registry, subject + ": offset " + offset
                                + " is beyond the end of the blob", 0, e);
                    } catch (IOException e) {
                        body.close();
                        throw e;
                    }
                }
                return new ResumingBlobStream.Opened(body, length);
            }
            case 206 -> {
                String range = response.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range);
                if (!m.find() || Long.parseLong(m.group(1)) != offset) {
                    RegistryTransport.discard(response);
                    throw new RegistryException(registry, subject + ": asked for bytes from " + offset
                            + " but got range \"" + range + "\"", 206);
                }
                long total = m.group(3).equals("*") ? Long.parseLong(m.group(2)) + 1 : Long.parseLong(m.group(3));
                return new ResumingBlobStream.Opened(response.body(), total);
            }
            case 404 -> {
                RegistryTransport.discard(response);
                throw new RegistryException(registry, subject + " not found", 404);
            }
            case 416 -> {
                RegistryTransport.discard(response);
                throw new RegistryException(registry, subject + ": offset " + offset
                        + " is beyond the end of the blob", 416);
            }
            default -> throw transport.failure(call, response);
        }
    }
}
