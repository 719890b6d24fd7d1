package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.engine.LocalImages;
import io.berth.oci.SpecJson;
import io.berth.server.Daemon;
import io.berth.server.UnixHttpClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Docker's API on the wire, in-process: a real engine (as root) behind {@link Daemon} serving
 * {@link DockerApi} on its Docker socket, driven with raw HTTP where the docker CLI hides the
 * details (upgrade headers, frame bytes, the early status line of wait, the stat header of cp).
 */
class DockerApiTest {
  static Path base;
  static Engine engine;
  static Daemon daemon;
  static Path socket;

  @BeforeAll
  static void setUp() throws IOException {
    base = Files.createTempDirectory(Path.of("/tmp"), "da"); // short: socket paths must fit 108 bytes
    io.berth.runtime.Runtime.adoptContainers();
    engine = Engine.open(Engine.Config.of(base.resolve("root"), base.resolve("r")));
    LocalImages.busybox(engine.images());
    socket = base.resolve("d.sock");
    daemon = Daemon.start(engine, base.resolve("b.sock"), new Daemon.ExtraApi(socket, new DockerApi(engine).handler()),
        m -> System.err.println("daemon: " + m));
  }

  @AfterEach
  void removeAll() {
    for (Container c : engine.list()) {
      engine.remove(c.id(), true, true);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (engine != null) {
      engine.close();
    }
    reapShims();
    try (Stream<String> s = Files.lines(Path.of("/proc/self/mountinfo"))) {
      assertFalse(s.anyMatch(l -> l.split(" ")[4].startsWith(base.toString())), "a mount was left under " + base);
    }
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * This JVM adopted the containers' shims (their subreaper): they are reaped here once they
   * exit, as PID 1 on these machines would leave them zombies.
   */
  static void reapShims() throws IOException, InterruptedException {
    long self = ProcessHandle.current().pid();
    long deadline = System.nanoTime() + 5_000_000_000L;
    boolean left = true;
    while (left && System.nanoTime() < deadline) {
      left = false;
      try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
        for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
          String stat;
          try {
            stat = Files.readString(p.resolve("stat"));
          } catch (IOException e) {
            continue;
          }
          int close = stat.lastIndexOf(')');
          String[] f = stat.substring(close + 2).split(" ");
          if (Long.parseLong(f[1]) == self && stat.substring(stat.indexOf('(') + 1, close).equals("berth-shim")) {
            left = true;
            if (f[0].equals("Z")) {
              io.berth.sys.Libc.waitpid(Integer.parseInt(p.getFileName().toString()), io.berth.sys.Libc.WNOHANG);
            }
          }
        }
      }
      Thread.sleep(left ? 20 : 0);
    }
  }

  /** A raw connection: the request written as given, the response read by hand. */
  static final class Raw implements AutoCloseable {
    final SocketChannel ch;
    final InputStream in;
    final OutputStream out;

    Raw() throws IOException {
      ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      in = new BufferedInputStream(Channels.newInputStream(ch));
      out = Channels.newOutputStream(ch);
    }

    void send(String method, String target, String body, String... headers) throws IOException {
      StringBuilder r = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: docker\r\n");
      for (String h : headers) {
        r.append(h).append("\r\n");
      }
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      if (!body.isEmpty()) {
        r.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
      }
      r.append("\r\n");
      out.write(r.toString().getBytes(StandardCharsets.UTF_8));
      out.write(b);
      out.flush();
    }

    String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        b.write(c);
      }
      return b.toString(StandardCharsets.UTF_8).replaceAll("\r$", "");
    }

    /** The status line and the headers. */
    Map<String, String> head() throws IOException {
      Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      h.put(":status", line());
      for (String l = line(); !l.isEmpty(); l = line()) {
        int colon = l.indexOf(':');
        h.put(l.substring(0, colon), l.substring(colon + 1).trim());
      }
      return h;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  static JsonNode post(String target, String body, int status) throws IOException {
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      UnixHttpClient.Response r = c.request("POST", target, body.getBytes(StandardCharsets.UTF_8));
      assertEquals(status, r.status(), r.text());
      return r.body().length == 0 ? null : r.json();
    }
  }

  static String create(String version, String body) throws IOException {
    return post("/" + version + "/containers/create", body, 201).get("Id").asText();
  }

  @Test
  void attachBeforeStartGetsEveryFrameAndWaitAnswersItsStatusAtOnce() throws Exception {
    String id = create("v1.47", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo hi; echo oops >&2; exit 3\"]}");
    try (Raw attach = new Raw(); Raw wait = new Raw()) {
      attach.send("POST", "/v1.47/containers/" + id + "/attach?stream=1&stdout=1&stderr=1", "",
          "Connection: Upgrade", "Upgrade: tcp");
      Map<String, String> h = attach.head();
      assertEquals("HTTP/1.1 101 Switching Protocols", h.get(":status"));
      assertEquals("tcp", h.get("Upgrade"));
      assertEquals("application/vnd.docker.multiplexed-stream", h.get("Content-Type"));
      wait.send("POST", "/v1.47/containers/" + id + "/wait?condition=next-exit", "");
      Map<String, String> wh = wait.head();
      assertEquals("HTTP/1.1 200 OK", wh.get(":status"), "the status comes before the container even runs");
      post("/v1.47/containers/" + id + "/start", "", 204);
      byte[] frames = attach.in.readAllBytes(); // the connection ends with the container
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      expected.write(new byte[] {1, 0, 0, 0, 0, 0, 0, 3});
      expected.write("hi\n".getBytes(StandardCharsets.UTF_8));
      expected.write(new byte[] {2, 0, 0, 0, 0, 0, 0, 5});
      expected.write("oops\n".getBytes(StandardCharsets.UTF_8));
      assertArrayEquals(expected.toByteArray(), frames);
      assertEquals("chunked", wh.get("Transfer-Encoding"));
      Integer.parseInt(wait.line(), 16); // the chunk's size
      assertEquals(3, SpecJson.mapper().readTree(wait.line()).get("StatusCode").asInt());
    }
  }

  @Test
  void olderVersionsGetARawStreamAndTheirPaths() throws Exception {
    String id = create("v1.24", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"sleep 0.3; echo old\"]}");
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      assertEquals(200, c.get("/v1.24/containers/" + id + "/json").status());
      assertEquals(200, c.get("/containers/" + id + "/json").status(), "unversioned");
    }
    try (Raw attach = new Raw()) {
      // no Upgrade asked: 200, and the stream is the body until the connection closes
      attach.send("POST", "/v1.41/containers/" + id + "/attach?stream=1&stdout=1", "");
      Map<String, String> h = attach.head();
      assertEquals("HTTP/1.1 200 OK", h.get(":status"));
      assertEquals("application/vnd.docker.raw-stream", h.get("Content-Type"), "before 1.42 the type says raw");
      assertFalse(h.containsKey("Content-Length") || h.containsKey("Transfer-Encoding"));
      post("/v1.41/containers/" + id + "/start", "", 204);
      byte[] got = attach.in.readAllBytes();
      assertEquals(1, got[0], "still framed: there is no terminal");
      assertEquals("old\n", new String(got, 8, got.length - 8, StandardCharsets.UTF_8));
    }
  }

  @Test
  void execStartsOnceAndKeepsItsExitCode() throws Exception {
    String id = create("v1.47", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
    post("/v1.47/containers/" + id + "/start", "", 204);
    post("/v1.47/containers/" + id + "/start", "", 304); // running already
    String exec = post("/v1.47/containers/" + id + "/exec",
        "{\"Cmd\":[\"sh\",\"-c\",\"read x; echo got-$x; exit 9\"],\"AttachStdin\":true,\"AttachStdout\":true}", 201)
        .get("Id").asText();
    try (Raw start = new Raw()) {
      start.send("POST", "/v1.47/exec/" + exec + "/start", "{\"Detach\":false,\"Tty\":false}",
          "Connection: Upgrade", "Upgrade: tcp");
      assertEquals("HTTP/1.1 101 Switching Protocols", start.head().get(":status"));
      start.out.write("input\n".getBytes(StandardCharsets.UTF_8));
      start.out.flush();
      start.ch.shutdownOutput(); // the client's half-close: its stdin ends, the output goes on
      byte[] got = start.in.readAllBytes();
      assertEquals("got-input\n", new String(got, 8, got.length - 8, StandardCharsets.UTF_8));
    }
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      JsonNode inspect = c.get("/v1.47/exec/" + exec + "/json").json();
      assertEquals(9, inspect.get("ExitCode").asInt(), "known when the stream ends");
      assertFalse(inspect.get("Running").asBoolean());
      assertEquals(id, inspect.get("ContainerID").asText());
      assertEquals(404, c.get("/v1.47/exec/nosuch/json").status());
    }
    post("/v1.47/exec/" + exec + "/start", "{\"Detach\":true}", 409);
  }

  @Test
  void archiveStatIsDockersHeader() throws Exception {
    String id = create("v1.47", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100\"]}");
    post("/v1.47/containers/" + id + "/start", "", 204);
    try (Raw head = new Raw()) {
      head.send("HEAD", "/v1.47/containers/" + id + "/archive?path=/etc", "");
      Map<String, String> h = head.head();
      assertEquals("HTTP/1.1 200 OK", h.get(":status"));
      JsonNode stat = SpecJson.mapper().readTree(Base64.getDecoder().decode(h.get("X-Docker-Container-Path-Stat")));
      assertEquals("etc", stat.get("name").asText());
      assertTrue((stat.get("mode").asLong() & (1L << 31)) != 0, "Go's directory bit: " + stat);
      assertTrue(stat.get("mtime").asText().matches("\\d{4}-.*Z"), stat.toString());
      assertEquals("", stat.get("linkTarget").asText());
    }
    try (Raw head = new Raw()) {
      head.send("HEAD", "/v1.47/containers/" + id + "/archive?path=/bin/sh", "");
      JsonNode stat = SpecJson.mapper().readTree(Base64.getDecoder().decode(head.head().get("X-Docker-Container-Path-Stat")));
      assertTrue((stat.get("mode").asLong() & (1L << 27)) != 0, "Go's symlink bit: " + stat);
      assertEquals("/bin/busybox", stat.get("linkTarget").asText());
    }
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      assertEquals(404, c.request("HEAD", "/v1.47/containers/" + id + "/archive?path=/nope", null).status());
      assertEquals(400, c.request("PUT", "/v1.47/containers/" + id + "/archive?path=/etc/passwd", new byte[0]).status(),
          "not a directory");
    }
  }

  @Test
  void errorsAreDockersAndTheServerGoesOn() throws Exception {
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      UnixHttpClient.Response missing = c.get("/v1.47/containers/nosuch/json");
      assertEquals(404, missing.status());
      assertEquals("No such container: nosuch", missing.json().get("message").asText());
      UnixHttpClient.Response image = c.request("POST", "/v1.47/containers/create",
          "{\"Image\":\"nosuch:1\"}".getBytes(StandardCharsets.UTF_8));
      assertEquals(404, image.status());
      assertEquals("No such image: nosuch:1", image.json().get("message").asText());
      assertEquals(400, c.request("POST", "/v1.47/containers/create", "{".getBytes(StandardCharsets.UTF_8)).status());
      assertEquals(400, c.get("/v1.47/containers/json?filters=%7Bnope").status());
      assertEquals(400, c.get("/v1.50/_ping").status());
      assertEquals(404, c.get("/v1.47/nothing").status());
      String id = create("v1.47", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
      byte[] named = "{\"Image\":\"busybox\"}".getBytes(StandardCharsets.UTF_8);
      assertEquals(201, c.request("POST", "/v1.47/containers/create?name=x1", named).status());
      assertEquals(409, c.request("POST", "/v1.47/containers/create?name=x1", named).status(), "a name taken");
      assertEquals(409, c.post("/v1.47/containers/" + id + "/kill").status(), "not running");
      assertEquals(501, c.post("/v1.47/build").status());
      JsonNode list = c.get("/v1.47/containers/json?all=1&filters=" + java.net.URLEncoder.encode(
          "{\"id\":[\"" + id.substring(0, 8) + "\"]}", StandardCharsets.UTF_8)).json();
      assertEquals(List.of(id), List.of(list.get(0).get("Id").asText()));
      assertEquals("OK", c.get("/_ping").text());
    }
  }
}
