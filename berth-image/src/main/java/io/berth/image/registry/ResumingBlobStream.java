package io.berth.image.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A blob body that survives dropped connections: when a read fails, or the body ends before the
 * length the registry announced, it asks again from the current offset (a Range request) and
 * carries on, with the backoff of the retry policy. The failure count starts over whenever bytes
 * arrive in between, so a long download over a flaky link keeps going as long as it progresses.
 */
final class ResumingBlobStream extends InputStream {

    /** A body positioned at the requested offset, and the blob's total size if the registry said (else -1). */
    record Opened(InputStream body, long total) {
    }

    @FunctionalInterface
    interface Opener {
        /** IOException: try again; RegistryException: give up (not found, refused). */
        Opened open(long offset) throws IOException;
    }

    private final Opener opener;
    private final RegistryConfig config;
    private final RetryPolicy retry;
    private final String registry;
    private final String subject;
    private InputStream body;
    private long position;
    private long total = -1;
    private int failures;
    private boolean closed;
    private String givenUp;

    ResumingBlobStream(Opener opener, RegistryConfig config, String registry, String subject, long offset) {
        this.opener = opener;
        this.config = config;
        this.retry = config.retry();
        this.registry = registry;
        this.subject = subject;
        this.position = offset;
    }

    /** Opens the first body now, so that "not found" and "refused" surface from getBlob, not from a read. */
    ResumingBlobStream start() {
        try {
            ensureOpen();
        } catch (IOException e) {
            throw new RegistryException(registry, givenUp != null ? givenUp : subject + ": " + e.getMessage(), 0, e);
        }
        return this;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (length == 0) {
            return 0;
        }
        while (true) {
            ensureOpen();
            int n;
            try {
                n = body.read(buffer, offset, length);
                if (n < 0 && total >= 0 && position < total) {
                    throw new EOFException("the body ended at byte " + position + " of " + total);
                }
            } catch (IOException e) {
                failed(e);
                continue;
            }
            if (n > 0) {
                position += n;
                failures = 0;
            }
            return n;
        }
    }

    /** Bytes delivered so far plus the starting offset: where a resume starts. */
    long position() {
        return position;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (body != null) {
            body.close();
            body = null;
        }
    }

    private void ensureOpen() throws IOException {
        while (body == null) {
            try {
                Opened opened = opener.open(position);
                body = opened.body();
                if (opened.total() >= 0) {
                    total = opened.total();
                }
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    private void failed(IOException e) throws IOException {
        if (body != null) {
            try {
                body.close();
            } catch (IOException ignored) {
                // the connection is gone anyway
            }
            body = null;
        }
        failures++;
        if (failures >= retry.maxAttempts()) {
            givenUp = subject + ": connection lost at byte " + position + (total >= 0 ? " of " + total : "")
                    + " after " + failures + " attempts (" + RegistryTransport.reason(e, config) + ")";
            throw new IOException("registry " + registry + ": " + givenUp, e);
        }
        RegistryTransport.pause(registry, retry.delayAfter(failures));
    }
}
