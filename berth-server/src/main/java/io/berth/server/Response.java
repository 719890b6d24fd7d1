package io.berth.server;

import io.berth.oci.SpecJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: a status, headers and either a body known in full (sent with
 * Content-Length) or a stream (sent chunked, each piece as soon as it is written).
 */
public final class Response {
  /** Writes a streamed body; returns when the stream is over. */
  public interface StreamBody {
    void writeTo(Chunks out) throws IOException, InterruptedException;
  }

  /** The client's end of a streamed body: each write is one chunk, sent at once. */
  public interface Chunks {
    void write(byte[] data) throws IOException;
  }

  /**
   * Takes the connection over once the status and headers are sent (HTTP's Upgrade, Docker's
   * hijacking): the bytes that follow are the handler's own, both ways, until it returns; then
   * the connection closes.
   */
  public interface Takeover {
    void run(RawConnection connection) throws IOException, InterruptedException;
  }

  /** A connection after a {@link Takeover}: raw bytes in and out. */
  public interface RawConnection {
    /** What the client sends from now on (bytes it sent early, already buffered, included). */
    java.io.InputStream in();

    /** Straight to the client; each write is sent at once. */
    java.io.OutputStream out();

    /** Ends our side of the stream (a half-close): the client reads end of stream, and may still send. */
    void closeWrite() throws IOException;
  }

  private final int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final byte[] body;
  private final StreamBody stream;
  private final Takeover takeover;

  private Response(int status, byte[] body, StreamBody stream) {
    this(status, body, stream, null);
  }

  private Response(int status, byte[] body, StreamBody stream, Takeover takeover) {
    this.status = status;
    this.body = body;
    this.stream = stream;
    this.takeover = takeover;
  }

  public static Response json(int status, Object value) {
    return new Response(status, SpecJson.toBytes(value), null).header("Content-Type", "application/json");
  }

  public static Response status(int status) {
    return new Response(status, new byte[0], null);
  }

  public static Response bytes(int status, String contentType, byte[] body) {
    return new Response(status, body, null).header("Content-Type", contentType);
  }

  public static Response text(int status, String text) {
    return bytes(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }

  public static Response stream(int status, String contentType, StreamBody body) {
    return new Response(status, null, body).header("Content-Type", contentType);
  }

  /**
   * A response after which the handler owns the connection: 101 with {@code Connection: Upgrade}
   * and {@code Upgrade: proto} when the client asked to upgrade, else this status with no
   * length, the body being whatever {@code takeover} writes until the connection closes.
   */
  public static Response takeover(int status, String contentType, Takeover takeover) {
    return new Response(status, null, null, takeover).header("Content-Type", contentType);
  }

  public Response header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public int status() {
    return status;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** The body; null for a streamed response or a takeover. */
  public byte[] body() {
    return body;
  }

  public StreamBody stream() {
    return stream;
  }

  /** What takes the connection over after the headers; null for an ordinary response. */
  public Takeover takeover() {
    return takeover;
  }
}
