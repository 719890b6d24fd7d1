package io.berth.server;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * HTTP/1.1 on a unix domain socket: one virtual thread per connection, keep-alive, request bodies
 * by Content-Length or chunked, responses with Content-Length or chunked (for streams). It knows
 * nothing of what it serves: a {@link Handler} (a {@link Router}) answers each request.
 *
 * <p>The socket file is made 0660 (root and the socket's group, as Docker's) and removed on
 * close. A socket file that exists already is taken over only when nothing answers on it (a
 * daemon killed with SIGKILL leaves it behind); a live one makes {@link #start} fail.
 */
public final class UnixHttpServer implements AutoCloseable {
  /** Answers a request; what it throws becomes a 500. */
  public interface Handler {
    Response handle(Request request) throws Exception;
  }

  /** Bodies up to this size are read into memory; larger ones are spooled to a temporary file. */
  static final long MAX_BODY = 64L << 20;
  /** The largest body taken at all (a spooled one). */
  static final long MAX_SPOOLED = 64L << 30;
  static final int BACKLOG = 1024;

  private final Path socket;
  private final ServerSocketChannel server;
  private final Handler handler;
  private final Consumer<String> log;
  private final Object socketInode;
  private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  private UnixHttpServer(Path socket, ServerSocketChannel server, Handler handler, Consumer<String> log)
      throws IOException {
    this.socket = socket;
    this.server = server;
    this.handler = handler;
    this.log = log;
    this.socketInode = Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    this.acceptor = Thread.ofVirtual().name("http-accept " + socket).unstarted(this::acceptLoop);
  }

  /**
   * Listens on {@code socket} and serves until {@link #close}.
   *
   * @param log where the server reports what it could not deliver (handler failures mid-stream)
   */
  public static UnixHttpServer start(Path socket, Handler handler, Consumer<String> log) throws IOException {
    Files.createDirectories(socket.toAbsolutePath().getParent());
    claim(socket);
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      // A full backlog makes a client's connect fail at once with EAGAIN (unix sockets do not
      // queue past it, and a virtual thread's connect is non-blocking underneath).
      ch.bind(UnixDomainSocketAddress.of(socket), BACKLOG);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
      UnixHttpServer s = new UnixHttpServer(socket, ch, handler, log);
      s.acceptor.start();
      return s;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  public static UnixHttpServer start(Path socket, Handler handler) throws IOException {
    return start(socket, handler, m -> {});
  }

  /** Removes a stale socket file; refuses when a server answers on it or it is not a socket. */
  private static void claim(Path socket) throws IOException {
    PosixFileAttributes attrs;
    try {
      attrs = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return;
    }
    if (!attrs.isOther()) {
      throw new IOException(socket + " exists and is not a socket; remove it or choose another --socket");
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      throw new IOException("another server is listening on " + socket
          + " (is a berth daemon running already?); stop it or choose another --socket");
    } catch (ConnectException e) {
      Files.deleteIfExists(socket); // nobody listens: left by a server that was killed
    }
  }

  public Path socket() {
    return socket;
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.accept("accept on " + socket + " failed: " + e.getMessage());
        }
        return;
      }
      connections.add(ch);
      Thread.ofVirtual().name("http " + socket).start(() -> serve(ch));
    }
  }

  /** Stops listening, drops every connection (streams end) and removes the socket file. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing a listening socket loses nothing
    }
    for (SocketChannel c : connections) {
      try {
        c.close();
      } catch (IOException e) {
        // gone already
      }
    }
    try {
      // Only our own file: a server started after us on the same path may own it now.
      if (socketInode.equals(Files.getAttribute(socket, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
        Files.deleteIfExists(socket);
      }
    } catch (IOException e) {
      // removed already
    }
    try {
      acceptor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- one connection ----

  private void serve(SocketChannel ch) {
    try (ch) {
      InputStream in = new HttpIO.ChannelInput(ch);
      OutputStream out = new BufferedOutputStream(new HttpIO.ChannelOutput(ch), 16 * 1024);
      while (!closed) {
        String requestLine;
        try {
          requestLine = HttpIO.readLine(in);
        } catch (HttpException e) {
          writeError(out, e.status(), e.getMessage());
          return;
        }
        if (requestLine == null) {
          return; // the client closed an idle connection
        }
        if (requestLine.isEmpty()) {
          continue; // a stray CRLF between requests is allowed (RFC 9112 2.2)
        }
        if (!exchange(requestLine, ch, in, out)) {
          return;
        }
      }
    } catch (EOFException | ClosedChannelException e) {
      // the client went away mid-request, or the server is closing
    } catch (IOException e) {
      if (!closed && !isDisconnect(e)) {
        log.accept("connection on " + socket + ": " + e.getMessage());
      }
    } finally {
      connections.remove(ch);
    }
  }

  private static boolean isDisconnect(IOException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("Broken pipe") || m.contains("Connection reset");
  }

  /** Reads one request, answers it; returns whether the connection stays open for another. */
  private boolean exchange(String requestLine, SocketChannel ch, InputStream in, OutputStream out) throws IOException {
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      writeError(out, parts.length == 3 && parts[2].startsWith("HTTP/") ? 505 : 400,
          "malformed request line \"" + requestLine + "\"");
      return false;
    }
    String method = parts[0];
    String target = parts[1];
    boolean http10 = parts[2].equals("HTTP/1.0");
    Map<String, String> headers;
    Body body;
    try {
      headers = HttpIO.readHeaders(in);
      body = readBody(headers, in, out);
    } catch (HttpException e) {
      writeError(out, e.status(), e.getMessage());
      return false;
    }
    try {
      return answer(method, target, http10, headers, body, ch, in, out);
    } finally {
      if (body.file() != null) {
        Files.deleteIfExists(body.file());
      }
    }
  }

  private boolean answer(String method, String target, boolean http10, Map<String, String> headers, Body body,
      SocketChannel ch, InputStream in, OutputStream out) throws IOException {
    String connection = String.valueOf(headers.get("Connection")).toLowerCase(java.util.Locale.ROOT);
    boolean keepAlive = http10 ? connection.contains("keep-alive") : !connection.contains("close");
    if (!target.startsWith("/")) {
      writeError(out, 400, "the request target must be a path, got \"" + target + "\"");
      return false;
    }
    int q = target.indexOf('?');
    DisconnectWatch watch = new DisconnectWatch(ch);
    Response response;
    try {
      Request req = new Request(method, q < 0 ? target : target.substring(0, q),
          Request.parseQuery(q < 0 ? "" : target.substring(q + 1)), headers, body.bytes(), body.file(), Map.of(), watch);
      response = handler.handle(req);
    } catch (HttpException e) {
      response = errorResponse(e.status(), e.getMessage());
    } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
      // The connection survives a handler's failure; the client learns of it as a 500.
      log.accept(method + " " + target + ": " + e);
      response = errorResponse(500, String.valueOf(e.getMessage()));
    }
    if (response.takeover() != null) {
      takeOver(response, ch, in, out);
      return false;
    }
    // A stream ends the connection: its end is all the client waits for, and a watched
    // connection has a reader that may have taken the next request's bytes.
    boolean keep = keepAlive && !closed && response.stream() == null && !watch.started();
    write(response, method.equals("HEAD"), keep, http10, out);
    return keep;
  }

  /**
   * Sends the status and headers of a takeover response, then hands the connection to it: no
   * length and no chunks, the bytes are the handler's until it returns.
   */
  private void takeOver(Response r, SocketChannel ch, InputStream in, OutputStream out) throws IOException {
    StringBuilder h = new StringBuilder(256);
    h.append("HTTP/1.1 ").append(r.status()).append(' ').append(HttpIO.reason(r.status())).append("\r\n");
    h.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    r.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
    h.append("\r\n");
    out.write(HttpIO.ascii(h.toString()));
    out.flush();
    OutputStream raw = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
        out.flush();
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        out.flush();
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }
    };
    Response.RawConnection conn = new Response.RawConnection() {
      @Override
      public InputStream in() {
        return in;
      }

      @Override
      public OutputStream out() {
        return raw;
      }

      @Override
      public void closeWrite() throws IOException {
        out.flush();
        ch.shutdownOutput();
      }
    };
    try {
      r.takeover().run(conn);
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The status is sent: all that is left to tell the client is the end of the connection.
      log.accept("connection taken over on " + socket + " failed: " + e);
    }
  }

  /** A request body: in memory, or, above {@link #MAX_BODY}, in a file of its own (bytes empty). */
  private record Body(byte[] bytes, Path file) {}

  private static Body readBody(Map<String, String> headers, InputStream in, OutputStream out) throws IOException {
    boolean chunked = HttpIO.isChunked(headers);
    long length = HttpIO.contentLength(headers);
    if (!chunked && length <= 0) {
      return new Body(new byte[0], null);
    }
    if (length > MAX_SPOOLED) {
      throw new HttpException(413, "the request body is larger than " + MAX_SPOOLED + " bytes");
    }
    String expect = headers.get("Expect");
    if (expect != null && expect.equalsIgnoreCase("100-continue")) {
      out.write(HttpIO.ascii("HTTP/1.1 100 Continue\r\n\r\n"));
      out.flush();
    }
    if (!chunked && length <= MAX_BODY) {
      return new Body(HttpIO.readN(in, length), null);
    }
    InputStream src = chunked ? new HttpIO.ChunkedInput(in) : in;
    long limit = chunked ? MAX_SPOOLED : length;
    byte[] first = src.readNBytes((int) Math.min(MAX_BODY + 1, limit));
    if (chunked && first.length <= MAX_BODY) {
      return new Body(first, null);
    }
    // Larger than memory should hold: spooled, e.g. an image archive for docker load.
    Path file = Files.createTempFile("berth-body-", ".tmp");
    try (OutputStream f = Files.newOutputStream(file)) {
      f.write(first);
      long total = first.length;
      byte[] buf = new byte[1 << 16];
      while (total < limit) {
        int n = src.read(buf, 0, (int) Math.min(buf.length, limit - total));
        if (n < 0) {
          break;
        }
        f.write(buf, 0, n);
        total += n;
      }
      if (!chunked && total < length) {
        throw new EOFException("the connection closed after " + total + " of " + length + " body bytes");
      }
      if (chunked && total >= MAX_SPOOLED && src.read() >= 0) {
        throw new HttpException(413, "the request body is larger than " + MAX_SPOOLED + " bytes");
      }
      return new Body(new byte[0], file);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      if (e instanceof IOException io && !(e instanceof EOFException)) {
        throw new HttpException(507, "cannot keep the request body of " + (chunked ? "unknown length" : length + " bytes")
            + ": " + io.getMessage());
      }
      throw e;
    }
  }

  private static Response errorResponse(int status, String message) {
    return Response.json(status, Map.of("message", message));
  }

  private static void writeError(OutputStream out, int status, String message) throws IOException {
    write(errorResponse(status, message), false, false, false, out);
  }

  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME;

  private static void write(Response r, boolean head, boolean keep, boolean http10, OutputStream out)
      throws IOException {
    boolean streamed = r.stream() != null;
    StringBuilder h = new StringBuilder(256);
    h.append("HTTP/1.1 ").append(r.status()).append(' ').append(HttpIO.reason(r.status())).append("\r\n");
    h.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    r.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
    boolean noBody = HttpIO.bodiless(r.status());
    if (!noBody) {
      if (streamed && !http10) {
        h.append("Transfer-Encoding: chunked\r\n");
      } else if (!streamed) {
        h.append("Content-Length: ").append(r.body().length).append("\r\n");
      }
    }
    if (!keep) {
      h.append("Connection: close\r\n");
    } else if (http10) {
      h.append("Connection: keep-alive\r\n");
    }
    h.append("\r\n");
    out.write(HttpIO.ascii(h.toString()));
    if (noBody || head) {
      out.flush();
      return;
    }
    if (!streamed) {
      out.write(r.body());
      out.flush();
      return;
    }
    out.flush();
    // HTTP/1.0 has no chunks: the body is plain and the close ends it.
    Response.Chunks chunks = http10 ? data -> {
      out.write(data);
      out.flush();
    } : data -> {
      if (data.length == 0) {
        return; // an empty chunk would end the body
      }
      out.write(HttpIO.ascii(Integer.toHexString(data.length) + "\r\n"));
      out.write(data);
      out.write(HttpIO.ascii("\r\n"));
      out.flush();
    };
    try {
      r.stream().writeTo(chunks);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      // The status is sent; a body cut short without its last chunk tells the client it failed.
      throw new IOException("stream failed: " + e.getMessage(), e);
    }
    if (!http10) {
      out.write(HttpIO.ascii("0\r\n\r\n"));
    }
    out.flush();
  }

  /**
   * Watches for the client's close while a handler blocks or streams: a read that returns end of
   * stream means the client is gone. Started on the first question only, since the reader may
   * take a pipelined request's bytes (the connection then closes after this response).
   */
  private static final class DisconnectWatch implements BooleanSupplier {
    private final SocketChannel ch;
    private volatile boolean gone;
    private volatile boolean started;

    DisconnectWatch(SocketChannel ch) {
      this.ch = ch;
    }

    boolean started() {
      return started;
    }

    @Override
    public boolean getAsBoolean() {
      if (!started) {
        synchronized (this) {
          if (!started) {
            started = true;
            Thread.ofVirtual().name("http-watch").start(() -> {
              ByteBuffer b = ByteBuffer.allocate(1024);
              try {
                while (ch.read(b) >= 0) {
                  b.clear();
                }
              } catch (IOException e) {
                // closed: gone either way
              }
              gone = true;
            });
          }
        }
      }
      return gone || !ch.isOpen();
    }
  }
}
