package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.ImageService;
import io.berth.image.registry.LocalRegistry;
import io.berth.server.UnixHttpClient;
import java.io.IOException;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Testcontainers for Java (1.21) against {@code berth serve}'s Docker socket, with Ryuk enabled.
 * Each case is a Testcontainers session of its own: a JVM ({@link TestcontainersSession})
 * configured only by its environment (DOCKER_HOST, the Ryuk image, a home of the test's, so
 * nothing of the user's is read or written), which ends as a user's session does — the JVM
 * exits and its connection to Ryuk closes — so Ryuk's clean-up can be watched from here, through
 * the daemon's API. Images: busybox from Debian's docker-registry on loopback (Testcontainers
 * pulls it) and Ryuk's, built from src/test/native/ryuk.c and imported into the root.
 */
class TestcontainersTest {
  static final String RYUK_IMAGE = "localhost/testcontainers-ryuk:berth";
  static final String SESSION_LABEL = "org.testcontainers.sessionId";

  static Path base;
  static Path root;
  static Path runRoot;
  static Path dockerSocket;
  static Path scratch;
  static Process daemon;
  static Path daemonLog;
  static LocalRegistry registry;
  static String image;
  static UnixHttpClient api;
  static Path ryukBinary;
  /** The sessions the cases ran: each must be cleaned up by its Ryuk by the end. */
  static final List<String> sessions = new ArrayList<>();

  /** What a session printed, and how it ended. */
  record Session(int code, Map<String, List<String>> values, String out, String err) {
    String id() {
      return one("session");
    }

    String one(String key) {
      List<String> v = values.getOrDefault(key, List.of());
      assertEquals(1, v.size(), () -> "one " + key + " in:\n" + this);
      return v.get(0);
    }

    List<String> all(String key) {
      return values.getOrDefault(key, List.of());
    }

    @Override
    public String toString() {
      // the log and the exceptions' messages, without their stack frames
      String log = err.lines().filter(l -> !l.startsWith("\tat ") && !l.startsWith("\t... ")).collect(Collectors.joining("\n"));
      return "exit " + code + "\nstdout:\n" + out + "\nstderr (stack frames left out):\n" + tail(log, 80);
    }
  }

  @BeforeAll
  static void startDaemon() throws Exception {
    base = Files.createTempDirectory(Path.of("/tmp"), "tc");
    root = base.resolve("r");
    runRoot = base.resolve("x");
    scratch = Files.createDirectories(base.resolve("s"));
    dockerSocket = runRoot.resolve("docker.sock");
    Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
    ryukBinary = TestcontainersImages.compileRyuk(home, home.resolve("berth-cli/target/test-native/ryuk"));
    try (ImageService images = TestcontainersImages.images(root)) {
      TestcontainersImages.importRyuk(images, ryukBinary, RYUK_IMAGE, scratch);
    }
    registry = LocalRegistry.start(base.resolve("registry"), "");
    image = registry.host() + "/test/busybox:1";
    TestcontainersImages.pushBusybox(image, scratch);
    daemonLog = base.resolve("daemon.log");
    daemon = new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(),
        "--run-root", runRoot.toString(), "serve", "--socket", base.resolve("b.sock").toString())
        .redirectErrorStream(true).redirectOutput(daemonLog.toFile()).start();
    api = new UnixHttpClient(dockerSocket);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!pings()) {
      if (!daemon.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("berth serve did not come up: " + log());
      }
      Thread.sleep(50);
    }
  }

  static boolean pings() {
    try {
      return Files.exists(dockerSocket) && api.get("/_ping").status() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    List<Throwable> problems = new ArrayList<>();
    try {
      if (daemon != null && daemon.isAlive()) {
        for (String session : sessions) {
          check(problems, () -> assertReaped(session));
        }
        check(problems, () -> {
          for (JsonNode c : list("/containers/json?all=1")) {
            api.delete("/containers/" + c.get("Id").asText() + "?force=1&v=1");
          }
          for (JsonNode v : api.get("/volumes").json().path("Volumes")) {
            api.delete("/volumes/" + v.get("Name").asText() + "?force=1");
          }
          for (JsonNode n : list("/networks")) {
            if (!List.of("bridge", "host", "none").contains(n.get("Name").asText())) {
              api.delete("/networks/" + n.get("Id").asText());
            }
          }
          assertEquals(List.of(), list("/containers/json?all=1"), "every container is gone");
        });
        daemon.destroy(); // SIGTERM: a clean stop
        check(problems, () -> assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "berth serve stops on SIGTERM"));
      }
    } finally {
      if (api != null) {
        api.close();
      }
      if (daemon != null) {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
      }
      if (registry != null) {
        registry.close();
      }
      if (base != null) {
        List<String> mounts = RunRootLeftovers.unmountBelow(base);
        List<Long> left = RunRootLeftovers.processesOf(runRoot);
        RunRootLeftovers.deleteTree(base);
        check(problems, () -> assertEquals(List.of(), mounts, "mounts left under " + base));
        check(problems, () -> assertEquals(List.of(), left, "processes of the run root left running"));
      }
    }
    if (!problems.isEmpty()) {
      AssertionError all = new AssertionError(problems.size() + " problem(s) at the end; the first: " + problems.get(0).getMessage());
      problems.forEach(all::addSuppressed);
      throw all;
    }
  }

  interface Step {
    void run() throws Exception;
  }

  /** Runs a step of the clean-up, keeping its failure for the end so that the rest still runs. */
  static void check(List<Throwable> problems, Step step) {
    try {
      step.run();
    } catch (Throwable t) {
      problems.add(t);
    }
  }

  // ---- the cases ----

  @Test
  void aContainerIsWaitedForByALineOfItsLog() throws Exception {
    Session s = session("logs");
    assertGone(s.one("container"));
  }

  @Test
  void anExposedPortIsMappedWaitedForAndReachableOnTheHost() throws Exception {
    Session s = session("ports");
    assertEquals("localhost", s.one("host"));
    assertTrue(Integer.parseInt(s.one("port")) > 0, s::toString);
    assertGone(s.one("container"));
  }

  @Test
  void execInContainerGivesStdoutStderrAndTheExitCode() throws Exception {
    Session s = session("exec");
    assertGone(s.one("container"));
  }

  @Test
  void filesAreCopiedInBeforeAndAfterTheStartAndCopiedOut() throws Exception {
    Path hostFile = scratch.resolve("from-host.bin");
    byte[] content = new byte[70_000];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31);
    }
    Files.write(hostFile, content);
    Session s = session("copy", hostFile.toString());
    assertGone(s.one("container"));
  }

  @Test
  void oneShotHealthCheckAndLogConsumerWaits() throws Exception {
    session("startup");
  }

  @Test
  void bindsTmpfsEnvLabelsWorkdirUserAndPrivilegedReachTheContainer() throws Exception {
    Session s = session("options", Files.createDirectories(scratch.resolve("options")).toString());
    assertEquals("from inside\n", Files.readString(scratch.resolve("options/written.txt")), s::toString);
  }

  @Test
  void twoContainersOnANetworkReachEachOtherByAlias() throws Exception {
    Session s = session("network");
    for (String id : s.all("container")) {
      assertGone(id);
    }
    assertTrue(list("/networks").stream().noneMatch(n -> n.get("Id").asText().equals(s.one("network"))),
        "the network is removed when the session closes it");
  }

  /**
   * The proof that Ryuk works: what a session leaves behind is there while the session runs and
   * until Ryuk's reconnection timeout after it, and gone after that, Ryuk's own container too.
   */
  @Test
  void ryukRemovesWhatASessionLeftOnceTheSessionEnds() throws Exception {
    Session s = session("leftovers");
    long ended = System.nanoTime();
    String container = s.one("container");
    JsonNode inspect = api.get("/containers/" + container + "/json").json();
    assertEquals(s.id(), inspect.path("Config").path("Labels").path(SESSION_LABEL).asText(), inspect::toString);
    eventually("Ryuk to remove container " + container + " of session " + s.id(),
        () -> api.get("/containers/" + container + "/json").status() == 404);
    assertTrue((System.nanoTime() - ended) / 1e9 >= 1.5, "not before Ryuk's reconnection timeout (2 s)");
    assertReaped(s.id());
    // Ryuk removes every network the session's label filter lists: a filter must select.
    List<String> listed = list("/networks?filters=" + filters(SESSION_LABEL + "=" + s.id())).stream()
        .map(n -> n.get("Name").asText()).toList();
    assertEquals(List.of(), listed, "networks listed for a label no network has");
    assertEquals(List.of(), s.all("network-error"), "Network.newNetwork() in the session");
    String network = s.one("network");
    eventually("Ryuk to remove network " + network, () -> api.get("/networks/" + network).status() == 404);
  }

  /**
   * withReuse(true), with testcontainers.reuse.enable=true: the second session finds the
   * container the first left running. It carries no session label, so the first session's Ryuk,
   * which removes that session's other container, leaves it alone.
   */
  @Test
  void aReusableContainerIsFoundByTheNextSessionAndSparedByRyuk() throws Exception {
    Session first = session("reuse");
    String id = first.one("container");
    JsonNode labels = api.get("/containers/" + id + "/json").json().at("/Config/Labels");
    assertTrue(labels.has("org.testcontainers.hash"), labels::toString);
    assertFalse(labels.has(SESSION_LABEL), "a reusable container is not the session's: " + labels);
    String ephemeral = first.one("ephemeral");
    assertEquals(first.id(), api.get("/containers/" + ephemeral + "/json").json().at("/Config/Labels")
        .path(SESSION_LABEL).asText(), "the other container is the session's");
    assertReaped(first.id());
    assertEquals(404, api.get("/containers/" + ephemeral + "/json").status(), "Ryuk removed the session's container");
    assertTrue(api.get("/containers/" + id + "/json").json().at("/State/Running").asBoolean(),
        "the reusable one still runs after the first session's Ryuk");
    Session second = session("reuse");
    assertEquals(id, second.one("container"), "the same container");
    assertTrue(second.err().contains("Reusing container with ID: " + id), second::toString);
    assertEquals(204, api.delete("/containers/" + id + "?force=1").status());
  }

  /**
   * ryuk.c itself, run on this host against the daemon's socket (no container, so no published
   * port is needed): an ACK for each filter line of each client; nothing removed while a client
   * is connected, nor when one comes back within the reconnection timeout; after it, what the
   * filters match is removed (running or not, volumes too), while a reaper container and another
   * session's container are spared; then it exits 0.
   */
  @Test
  void ryukAcknowledgesFiltersAndRemovesExactlyWhatTheyMatch() throws Exception {
    String repository = image.substring(0, image.lastIndexOf(':'));
    UnixHttpClient.Response pull = api.post("/images/create?fromImage=" + URLEncoder.encode(repository, StandardCharsets.UTF_8)
        + "&tag=" + image.substring(image.lastIndexOf(':') + 1));
    assertEquals(200, pull.status(), pull::text);
    String running = container(Map.of(SESSION_LABEL, "s-a", "org.testcontainers", "true"), true);
    String created = container(Map.of(SESSION_LABEL, "s-a"), false);
    String otherSession = container(Map.of(SESSION_LABEL, "s-b"), true);
    String reaper = container(Map.of(SESSION_LABEL, "s-a", "org.testcontainers.ryuk", "true"), true);
    assertEquals(201, api.postJson("/volumes/create", Map.of("Name", "ryuk-a", "Labels", Map.of(SESSION_LABEL, "s-a"))).status());
    List<String> doomed = List.of(running, created);
    List<String> spared = List.of(otherSession, reaper);

    Path ryukLog = scratch.resolve("ryuk.log");
    ProcessBuilder pb = new ProcessBuilder(ryukBinary.toString()).redirectErrorStream(true).redirectOutput(ryukLog.toFile());
    pb.environment().put("DOCKER_HOST", "unix://" + dockerSocket);
    pb.environment().put("RYUK_PORT", "0");
    pb.environment().put("RYUK_RECONNECTION_TIMEOUT", "1s");
    pb.environment().put("RYUK_CONNECTION_TIMEOUT", "30s");
    pb.environment().put("RYUK_REMOVE_RETRIES", "2");
    Process ryuk = pb.start();
    try {
      eventually("ryuk to listen", () -> Files.readString(ryukLog).contains("Started! Listening on port "));
      Matcher m = Pattern.compile("Started! Listening on port (\\d+)").matcher(Files.readString(ryukLog));
      assertTrue(m.find());
      int port = Integer.parseInt(m.group(1));
      String sessionA = "label=" + URLEncoder.encode(SESSION_LABEL + "=s-a", StandardCharsets.UTF_8);
      try (Socket first = new Socket("127.0.0.1", port); Socket second = new Socket("127.0.0.1", port)) {
        assertEquals("ACK", send(first, "label=org.testcontainers%3Dtrue&" + sessionA + "\n"));
        assertEquals("ACK", send(second, "\n" + sessionA + "\n"), "no ACK for an empty line, one for the filter");
        assertEquals("ACK", send(second, sessionA + "\n"), "a filter sent twice");
        first.close();
        Thread.sleep(1500);
        assertAllThere(doomed, "while a client is still connected");
      }
      try (Socket again = new Socket("127.0.0.1", port)) {
        Thread.sleep(1500);
        assertAllThere(doomed, "while a client that came back within the timeout is connected");
      }
      assertTrue(ryuk.waitFor(30, TimeUnit.SECONDS), "ryuk exits after pruning");
      String log = Files.readString(ryukLog);
      for (String id : doomed) {
        assertEquals(404, api.get("/containers/" + id + "/json").status(), () -> "removed: " + id + "\n" + log);
      }
      assertEquals(404, api.get("/volumes/ryuk-a").status(), () -> "the volume is removed\n" + log);
      assertAllThere(spared, "another session's container and a reaper's");
      assertEquals(0, ryuk.exitValue(), () -> "ryuk's exit; its log:\n" + log);
    } finally {
      if (ryuk.isAlive()) {
        ryuk.destroyForcibly();
        ryuk.waitFor(10, TimeUnit.SECONDS);
      }
      for (String id : spared) {
        api.delete("/containers/" + id + "?force=1");
      }
    }
  }

  /** Writes {@code text} and reads one line back. */
  static String send(Socket s, String text) throws IOException {
    s.setSoTimeout(10_000);
    s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    StringBuilder line = new StringBuilder();
    for (int c = s.getInputStream().read(); c != '\n'; c = s.getInputStream().read()) {
      if (c < 0) {
        throw new IOException("ryuk closed the connection after: " + line);
      }
      line.append((char) c);
    }
    return line.toString();
  }

  /** A container of the test image with these labels: {@code sleep 600}, started or only created. */
  static String container(Map<String, String> labels, boolean start) throws IOException {
    UnixHttpClient.Response r = api.postJson("/containers/create",
        Map.of("Image", image, "Cmd", List.of("sleep", "600"), "Labels", labels));
    assertEquals(201, r.status(), r::text);
    String id = r.json().get("Id").asText();
    if (start) {
      assertEquals(204, api.post("/containers/" + id + "/start").status());
    }
    return id;
  }

  static void assertAllThere(List<String> ids, String when) throws IOException {
    for (String id : ids) {
      assertEquals(200, api.get("/containers/" + id + "/json").status(), () -> id + " is there " + when);
    }
  }

  // ---- helpers ----

  /** Runs one case in a JVM of its own; expects exit 0. */
  static Session session(String name, String... args) throws Exception {
    Path out = Files.createTempFile(scratch, name, ".out");
    Path err = Files.createTempFile(scratch, name, ".err");
    Path home = Files.createDirectories(base.resolve("home"));
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Duser.home=" + home,
        "-cp", System.getProperty("java.class.path"), TestcontainersSession.class.getName(), name, image));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(scratch.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("DOCKER_") || k.startsWith("TESTCONTAINERS_") || k.equals("JAVA_TOOL_OPTIONS"));
    env.put("DOCKER_HOST", "unix://" + dockerSocket);
    env.put("DOCKER_CONFIG", Files.createDirectories(base.resolve("docker-config")).toString());
    env.put("TESTCONTAINERS_RYUK_CONTAINER_IMAGE", RYUK_IMAGE);
    env.put("TESTCONTAINERS_CHECKS_DISABLE", "true"); // its one check wants a Docker version >= 1.6.0, not Berth's
    // Testcontainers takes a /.dockerenv (the sandbox these tests may run in has one) to mean that
    // it runs in a container beside the daemon, and looks for the host's address from a container
    // of alpine's; here the daemon shares this machine's network, so its ports are on localhost.
    env.put("TESTCONTAINERS_HOST_OVERRIDE", "localhost");
    if (name.equals("reuse")) {
      env.put("TESTCONTAINERS_REUSE_ENABLE", "true");
    }
    Process p = pb.start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("the session " + name + " timed out:\n" + Files.readString(out) + "\n" + tail(Files.readString(err), 80));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      throw e;
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out)) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[a-z-]+")) {
        values.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
      }
    }
    Session s = new Session(p.exitValue(), values, Files.readString(out), Files.readString(err));
    if (values.containsKey("session")) {
      sessions.add(s.id());
    }
    assertEquals(0, s.code(), () -> "the session " + name + " failed:\n" + s + "\ndaemon (tail):\n" + tail(log(), 40));
    if (!name.equals("reuse")) { // with reuse enabled, Ryuk starts with the first container that is not reusable
      assertTrue(s.err().contains("Ryuk started"), () -> "Ryuk runs in every session:\n" + s);
    }
    return s;
  }

  /** Gone at once: Testcontainers removed it when the session closed it. */
  static void assertGone(String containerId) throws IOException {
    UnixHttpClient.Response r = api.get("/containers/" + containerId + "/json");
    assertEquals(404, r.status(), () -> "container " + containerId + " is still there: " + r.text());
  }

  /** Nothing labelled with the session is left, nor its Ryuk (which removes itself: AutoRemove). */
  static void assertReaped(String session) throws Exception {
    eventually("Ryuk to clean up after session " + session, () ->
        list("/containers/json?all=1&filters=" + filters(SESSION_LABEL + "=" + session)).isEmpty()
            && api.get("/containers/testcontainers-ryuk-" + session + "/json").status() == 404);
  }

  static String filters(String label) {
    return URLEncoder.encode("{\"label\":{\"" + label + "\":true}}", StandardCharsets.UTF_8);
  }

  static List<JsonNode> list(String target) throws IOException {
    UnixHttpClient.Response r = api.get(target);
    assertEquals(200, r.status(), () -> target + ": " + r.text());
    List<JsonNode> out = new ArrayList<>();
    r.json().forEach(out::add);
    return out;
  }

  /** Waits until {@code check} holds (at most 30 s: Ryuk's reconnection timeout and its removals). */
  static void eventually(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "\ndaemon (tail):\n" + tail(log(), 40));
      }
      Thread.sleep(100);
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  static String log() {
    return RunRootLeftovers.read(daemonLog);
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
