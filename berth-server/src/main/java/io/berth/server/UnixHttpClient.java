package io.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.SpecJson;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The client end of {@link UnixHttpServer}: requests on one kept-alive connection, and streams
 * (chunked responses read as they come) on a connection of their own.
 */
public final class UnixHttpClient implements AutoCloseable {
  /** A complete response. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public JsonNode json() {
      try {
        return SpecJson.mapper().readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (HTTP " + status + "): " + text(), e);
      }
    }

    public <T> T as(Class<T> type) {
      return SpecJson.parse(body, type, "HTTP " + status + " response");
    }
  }

  /** A response whose body is read as it arrives; closing it closes its connection. */
  public static final class Stream implements AutoCloseable {
    private final SocketChannel ch;
    private final int status;
    private final Map<String, String> headers;
    private final InputStream body;

    Stream(SocketChannel ch, int status, Map<String, String> headers, InputStream body) {
      this.ch = ch;
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    public int status() {
      return status;
    }

    public Map<String, String> headers() {
      return headers;
    }

    public InputStream body() {
      return body;
    }

    /** The next line of the body (without its newline), or null at its end. */
    public String readLine() throws IOException {
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
      int c;
      while ((c = body.read()) >= 0) {
        if (c == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(c);
      }
      return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  private final Path socket;
  private SocketChannel conn;
  private InputStream in;
  private OutputStream out;

  public UnixHttpClient(Path socket) {
    this.socket = socket;
  }

  public Response get(String target) throws IOException {
    return request("GET", target, null);
  }

  public Response delete(String target) throws IOException {
    return request("DELETE", target, null);
  }

  public Response post(String target) throws IOException {
    return request("POST", target, null);
  }

  /** POSTs {@code value} as JSON. */
  public Response postJson(String target, Object value) throws IOException {
    return request("POST", target, SpecJson.toBytes(value));
  }

  /**
   * Sends a request (a JSON body when {@code body} is not null) and reads the whole response. A
   * kept-alive connection the server has closed meanwhile is replaced once.
   */
  public synchronized Response request(String method, String target, byte[] body) throws IOException {
    boolean reused = conn != null && conn.isOpen();
    try {
      return exchange(method, target, body);
    } catch (EOFException | java.net.SocketException e) {
      // The server may close a kept-alive connection between requests; it read nothing then.
      dropConnection();
      if (!reused) {
        throw e;
      }
      return exchange(method, target, body);
    } catch (IOException | RuntimeException e) {
      dropConnection();
      throw e;
    }
  }

  private Response exchange(String method, String target, byte[] body) throws IOException {
    if (conn == null || !conn.isOpen()) {
      conn = connect(socket);
      in = new HttpIO.ChannelInput(conn);
      out = new BufferedOutputStream(new HttpIO.ChannelOutput(conn), 16 * 1024);
    }
    sendRequest(out, method, target, body, true);
    Head head = readHead(in);
    byte[] data;
    boolean closeAfter = String.valueOf(head.headers.get("Connection")).equalsIgnoreCase("close");
    if (method.equals("HEAD") || HttpIO.bodiless(head.status)) {
      data = new byte[0];
    } else if (HttpIO.isChunked(head.headers)) {
      data = HttpIO.readAll(new HttpIO.ChunkedInput(in), Long.MAX_VALUE);
    } else if (HttpIO.contentLength(head.headers) >= 0) {
      data = HttpIO.readN(in, HttpIO.contentLength(head.headers));
    } else {
      data = in.readAllBytes();
      closeAfter = true;
    }
    if (closeAfter) {
      dropConnection();
    }
    return new Response(head.status, head.headers, data);
  }

  /** Sends a request on a new connection and returns as soon as the response's head is read. */
  public Stream stream(String method, String target, byte[] body) throws IOException {
    SocketChannel ch = connect(socket);
    try {
      InputStream sin = new HttpIO.ChannelInput(ch);
      sendRequest(new BufferedOutputStream(new HttpIO.ChannelOutput(ch)), method, target, body, false);
      Head head = readHead(sin);
      InputStream b;
      if (HttpIO.bodiless(head.status)) {
        b = InputStream.nullInputStream();
      } else if (HttpIO.isChunked(head.headers)) {
        b = new HttpIO.ChunkedInput(sin);
      } else if (HttpIO.contentLength(head.headers) >= 0) {
        b = new java.io.ByteArrayInputStream(HttpIO.readN(sin, HttpIO.contentLength(head.headers)));
      } else {
        b = sin;
      }
      return new Stream(ch, head.status, head.headers, b);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public Stream stream(String target) throws IOException {
    return stream("GET", target, null);
  }

  /** Connects, retrying a while when the server's backlog is full (EAGAIN on a unix socket). */
  private static SocketChannel connect(Path socket) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return SocketChannel.open(UnixDomainSocketAddress.of(socket));
      } catch (java.net.SocketException e) {
        if (attempt >= 50 || !String.valueOf(e.getMessage()).contains("temporarily unavailable")) {
          throw e;
        }
      }
      try {
        Thread.sleep(10 + attempt * 2L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while connecting to " + socket);
      }
    }
  }

  private void sendRequest(OutputStream o, String method, String target, byte[] body, boolean keepAlive)
      throws IOException {
    StringBuilder h = new StringBuilder();
    h.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    h.append("Host: berth\r\n");
    if (body != null) {
      h.append("Content-Type: application/json\r\n");
      h.append("Content-Length: ").append(body.length).append("\r\n");
    } else if (method.equals("POST") || method.equals("PUT")) {
      h.append("Content-Length: 0\r\n");
    }
    if (!keepAlive) {
      h.append("Connection: close\r\n");
    }
    h.append("\r\n");
    o.write(HttpIO.ascii(h.toString()));
    if (body != null) {
      o.write(body);
    }
    o.flush();
  }

  private record Head(int status, Map<String, String> headers) {}

  private static Head readHead(InputStream in) throws IOException {
    while (true) {
      String line = HttpIO.readLine(in);
      if (line == null) {
        throw new EOFException("the server closed the connection without answering");
      }
      String[] parts = line.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP response: \"" + line + "\"");
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IOException("bad status in \"" + line + "\"");
      }
      Map<String, String> headers = HttpIO.readHeaders(in);
      if (status / 100 != 1) {
        return new Head(status, headers);
      }
    }
  }

  private void dropConnection() {
    if (conn != null) {
      try {
        conn.close();
      } catch (IOException e) {
        // nothing to lose on a closed connection
      }
    }
    conn = null;
  }

  @Override
  public synchronized void close() {
    dropConnection();
  }
}
