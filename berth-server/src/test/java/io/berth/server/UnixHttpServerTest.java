package io.berth.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer alone, on a real unix socket, with routes made for the test. */
class UnixHttpServerTest {
  Path dir;
  Path sock;
  UnixHttpServer server;
  final CountDownLatch streamEnded = new CountDownLatch(1);

  @BeforeEach
  void setUp() throws IOException {
    dir = TestDirs.create();
    sock = dir.resolve("t.sock");
    Router router = new Router(BerthApi::error)
        .get("/v1/things/{name}", r -> Response.json(200, Map.of("name", r.param("name"),
            "q", String.valueOf(r.query("q")), "flag", r.queryBool("flag", false))))
        .post("/v1/echo", r -> Response.bytes(200, "application/octet-stream", r.body()))
        .post("/v1/digest", r -> {
          // Any size: the body as a stream, its length and SHA-256.
          java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
          long n = 0;
          try (InputStream in = r.bodyStream()) {
            byte[] buf = new byte[1 << 16];
            int k;
            while ((k = in.read(buf)) > 0) {
              sha.update(buf, 0, k);
              n += k;
            }
          }
          return Response.text(200, n + " " + java.util.HexFormat.of().formatHex(sha.digest()));
        })
        .get("/v1/count", r -> Response.stream(200, "text/plain", out -> {
          for (int i = 0; i < 3; i++) {
            out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
          }
        }))
        .get("/v1/forever", r -> Response.stream(200, "text/plain", out -> {
          out.write("first\n".getBytes(StandardCharsets.UTF_8));
          try {
            while (!r.clientGone()) {
              Thread.sleep(20);
            }
          } finally {
            streamEnded.countDown();
          }
        }))
        .get("/v1/images/{name*}/json", r -> Response.text(200, r.param("name")))
        .post("/v1/upgrade", r -> Response.takeover(101, "application/octet-stream", conn -> {
          // Echoes upper-cased until the client half-closes, then says bye and closes its side.
          byte[] buf = new byte[256];
          int n;
          while ((n = conn.in().read(buf)) > 0) {
            conn.out().write(new String(buf, 0, n, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
          }
          conn.out().write("bye".getBytes(StandardCharsets.US_ASCII));
          conn.closeWrite();
        }).header("Connection", "Upgrade").header("Upgrade", "tcp"))
        .get("/v1/boom", r -> {
          throw new IllegalStateException("kaboom");
        });
    server = UnixHttpServer.start(sock, router);
  }

  @AfterEach
  void tearDown() throws IOException {
    server.close();
    assertFalse(Files.exists(sock), "the socket file is removed on close");
    TestDirs.remove(dir);
  }

  @Test
  void routesPathParametersAndQueries() throws IOException {
    try (UnixHttpClient c = new UnixHttpClient(sock)) {
      UnixHttpClient.Response r = c.get("/v1/things/a%2Fb?q=x+y%21&flag=1");
      assertEquals(200, r.status());
      assertEquals("a/b", r.json().get("name").asText(), "a %2F stays in its segment");
      assertEquals("x y!", r.json().get("q").asText());
      assertTrue(r.json().get("flag").asBoolean());
      assertEquals(400, c.get("/v1/things/a?flag=maybe").status());
      UnixHttpClient.Response missing = c.get("/v1/nothing/here");
      assertEquals(404, missing.status());
      assertTrue(missing.json().get("message").asText().contains("/v1/nothing/here"));
      assertEquals(405, c.delete("/v1/things/a").status());
      UnixHttpClient.Response boom = c.get("/v1/boom");
      assertEquals(500, boom.status());
      assertEquals("kaboom", boom.json().get("message").asText());
    }
  }

  @Test
  void aGreedyParameterTakesSeveralSegments() throws IOException {
    try (UnixHttpClient c = new UnixHttpClient(sock)) {
      assertEquals("127.0.0.1:5000/test/bb:1", c.get("/v1/images/127.0.0.1:5000/test/bb:1/json").text());
      assertEquals("busybox", c.get("/v1/images/busybox/json").text());
      assertEquals(404, c.get("/v1/images/json").status(), "it takes one segment at least");
    }
  }

  @Test
  void aTakeoverOwnsTheConnectionBothWays() throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
      OutputStream out = Channels.newOutputStream(ch);
      // The first raw bytes travel in the same write as the request: the server must not lose them.
      out.write("POST /v1/upgrade HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello "
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = new HttpIO.ChannelInput(ch);
      assertEquals("HTTP/1.1 101 Switching Protocols", HttpIO.readLine(in));
      Map<String, String> h = HttpIO.readHeaders(in);
      assertEquals("tcp", h.get("Upgrade"));
      assertNull(h.get("Content-Length"));
      assertNull(h.get("Transfer-Encoding"));
      assertEquals("HELLO ", new String(in.readNBytes(6), StandardCharsets.US_ASCII));
      out.write("world".getBytes(StandardCharsets.US_ASCII));
      assertEquals("WORLD", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
      ch.shutdownOutput(); // the client's half-close: the server still writes after it
      assertEquals("bye", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }
    try (UnixHttpClient c = new UnixHttpClient(sock)) {
      assertEquals(200, c.get("/v1/things/x").status(), "the server still serves");
    }
  }

  @Test
  void socketIsGroupOnlyAndAStaleOneIsReplacedButALiveOneIsNot() throws IOException {
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    IOException live = assertThrows(IOException.class, () -> UnixHttpServer.start(sock, r -> Response.status(204)));
    assertTrue(live.getMessage().contains("another server is listening"), live.getMessage());

    // What a server killed with SIGKILL leaves: a socket file nobody listens on.
    Path stale = dir.resolve("stale.sock");
    ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    dead.bind(UnixDomainSocketAddress.of(stale));
    dead.close();
    assertTrue(Files.exists(stale));
    try (UnixHttpServer s = UnixHttpServer.start(stale, r -> Response.status(204));
        UnixHttpClient c = new UnixHttpClient(stale)) {
      assertEquals(204, c.get("/").status());
    }
    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertThrows(IOException.class, () -> UnixHttpServer.start(file, r -> Response.status(204)));
  }

  /**
   * A body above what is held in memory (64 MiB) is spooled to a temporary file: an endpoint that
   * streams it gets all of it, by length or chunked; one that wants it in memory answers 413; no
   * spool file is left.
   */
  @Test
  void largeBodiesAreSpooledAndStreamedToTheHandler() throws Exception {
    long size = UnixHttpServer.MAX_BODY + (3 << 20) + 17;
    byte[] block = new byte[1 << 20];
    new java.util.Random(7).nextBytes(block);
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    for (long left = size; left > 0; left -= block.length) {
      sha.update(block, 0, (int) Math.min(block.length, left));
    }
    String expected = size + " " + java.util.HexFormat.of().formatHex(sha.digest());
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    long spoolsBefore = spools(tmp);
    for (boolean chunked : new boolean[] {false, true}) {
      for (String path : new String[] {"/v1/digest", "/v1/echo"}) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
          OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
          out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          for (long left = size; left > 0; left -= block.length) {
            int n = (int) Math.min(block.length, left);
            if (chunked) {
              out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(block, 0, n);
            if (chunked) {
              out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
          }
          if (chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          }
          out.flush();
          InputStream in = new HttpIO.ChannelInput(ch);
          String status = HttpIO.readLine(in);
          Map<String, String> h = HttpIO.readHeaders(in);
          String text = new String(HttpIO.readN(in, HttpIO.contentLength(h)), StandardCharsets.UTF_8);
          if (path.equals("/v1/digest")) {
            assertEquals("HTTP/1.1 200 OK", status, text);
            assertEquals(expected, text.trim(), (chunked ? "chunked" : "by length") + ": all of it, in order");
          } else {
            assertEquals("HTTP/1.1 413 Content Too Large", status, text);
            assertTrue(text.contains("larger than " + UnixHttpServer.MAX_BODY), text);
          }
        }
      }
    }
    // The server deletes a spool file once it has written the response, a moment after the
    // client has read it.
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (spools(tmp) != spoolsBefore && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(spoolsBefore, spools(tmp), "no spool file left in " + tmp);
    // The server still answers.
    try (UnixHttpClient c = new UnixHttpClient(sock)) {
      assertEquals(200, c.get("/v1/things/x").status());
    }
  }

  private static long spools(Path tmp) throws IOException {
    try (var s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("berth-body-")).count();
    }
  }

  @Test
  void keepAliveChunkedRequestsAndPipelining() throws IOException {
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
      OutputStream out = Channels.newOutputStream(ch);
      // Two requests in one write: the second (chunked, "hello world") is read after the first.
      out.write(("GET /v1/things/one HTTP/1.1\r\nHost: x\r\n\r\n"
          + "POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = new HttpIO.ChannelInput(ch);
      assertEquals("HTTP/1.1 200 OK", HttpIO.readLine(in));
      Map<String, String> h1 = HttpIO.readHeaders(in);
      assertTrue(new String(HttpIO.readN(in, HttpIO.contentLength(h1)), StandardCharsets.UTF_8).contains("\"one\""));
      assertEquals("HTTP/1.1 200 OK", HttpIO.readLine(in));
      Map<String, String> h2 = HttpIO.readHeaders(in);
      assertEquals("hello world", new String(HttpIO.readN(in, HttpIO.contentLength(h2)), StandardCharsets.UTF_8));
      assertNull(h2.get("Connection"), "still kept alive");
      // Expect: 100-continue is answered before the body is sent.
      out.write("POST /v1/echo HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 100 Continue", HttpIO.readLine(in));
      assertEquals("", HttpIO.readLine(in));
      out.write("abc".getBytes(StandardCharsets.US_ASCII));
      assertEquals("HTTP/1.1 200 OK", HttpIO.readLine(in));
      Map<String, String> h3 = HttpIO.readHeaders(in);
      assertEquals("close", h3.get("Connection"));
      assertEquals("abc", new String(HttpIO.readN(in, 3), StandardCharsets.US_ASCII));
      assertEquals(-1, in.read(), "closed after Connection: close");
    }
  }

  @Test
  void theClientReusesItsConnection() throws Exception {
    // Each connection has its own thread: one thread seen means one connection.
    java.util.Set<Long> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    Path counted = dir.resolve("c.sock");
    try (UnixHttpServer s = UnixHttpServer.start(counted, r -> {
          threads.add(Thread.currentThread().threadId());
          return Response.text(200, r.path());
        });
        UnixHttpClient c = new UnixHttpClient(counted)) {
      for (int i = 0; i < 5; i++) {
        assertEquals("/n" + i, c.get("/n" + i).text());
      }
      assertEquals(1, threads.size());
    }
  }

  @Test
  void streamsAreChunkedAndEndWhenTheClientLeaves() throws Exception {
    try (UnixHttpClient c = new UnixHttpClient(sock)) {
      try (UnixHttpClient.Stream s = c.stream("/v1/count")) {
        assertEquals(200, s.status());
        assertEquals("chunked", s.headers().get("Transfer-Encoding"));
        assertEquals("line 0", s.readLine());
        assertEquals("line 1", s.readLine());
        assertEquals("line 2", s.readLine());
        assertNull(s.readLine());
      }
      UnixHttpClient.Response whole = c.get("/v1/count");
      assertEquals("line 0\nline 1\nline 2\n", whole.text(), "the client also reads a chunked body whole");
      UnixHttpClient.Stream forever = c.stream("/v1/forever");
      assertEquals("first", forever.readLine());
      forever.close();
      assertTrue(streamEnded.await(5, TimeUnit.SECONDS), "the handler saw the client leave");
      assertEquals(200, c.get("/v1/things/x").status(), "the server still serves");
    }
  }

  @Test
  void manyConnectionsAtOnce() throws Exception {
    var threads = new java.util.ArrayList<Thread>();
    AtomicInteger ok = new AtomicInteger();
    for (int i = 0; i < 200; i++) {
      int n = i;
      threads.add(Thread.ofVirtual().start(() -> {
        try (UnixHttpClient c = new UnixHttpClient(sock)) {
          if (c.postJson("/v1/echo", Map.of("n", n)).json().get("n").asInt() == n) {
            ok.incrementAndGet();
          }
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join(Duration.ofSeconds(30));
    }
    assertEquals(200, ok.get());
  }
}
