package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.engine.LocalImages;
import io.berth.server.UnixHttpClient;
import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code berth serve} as a real process (bin/berth): the containers outlive a daemon killed with
 * SIGKILL, and the next daemon applies the restart policies to what died meanwhile.
 */
class DaemonTest {
  Path base;
  Path root;
  Path runRoot;
  Path socket;
  Process daemon;
  final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    // Short: the socket's path and the shims' under the run root must fit 108 bytes.
    base = Files.createTempDirectory(Path.of("/tmp"), "bd");
    root = base.resolve("root");
    runRoot = base.resolve("r");
    socket = base.resolve("d.sock");
    // The shims of a killed daemon are then handed to this JVM, which reaps them in tearDown;
    // PID 1 on these machines would leave them zombies.
    io.berth.runtime.Runtime.adoptContainers();
    LocalImages.busybox(new io.berth.engine.ImageService(root, io.berth.image.registry.RegistriesConf.empty()));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    try (Engine engine = Engine.open(Engine.Config.of(root, runRoot))) {
      for (Container c : engine.list()) {
        engine.remove(c.id(), true, true);
      }
      for (io.berth.engine.Networks.Network n : engine.networks().list()) {
        engine.removeNetwork(n.name());
      }
    }
    reapShims();
    try (Stream<String> s = Files.lines(Path.of("/proc/self/mountinfo"))) {
      assertFalse(s.map(l -> Path.of(l.split(" ")[4])).anyMatch(p -> p.startsWith(base)), "a mount was left under " + base);
    }
    try (Stream<Path> s = Files.walk(base)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * This JVM is shared with the other conformance classes: it stops adopting orphans (their
   * containers would otherwise end up its zombies, and a zombie pins its cgroup), and reaps the
   * ones it adopted.
   */
  @org.junit.jupiter.api.AfterAll
  static void stopAdopting() throws Exception {
    Libc.stopBeingSubreaper();
    reapShims();
    long self = ProcessHandle.current().pid();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          if (Long.parseLong(f[1]) == self && f[0].equals("Z")) {
            Libc.waitpid(Integer.parseInt(p.getFileName().toString()), Libc.WNOHANG);
          }
        } catch (IOException e) {
          // gone
        }
      }
    }
  }

  /** Reaps this JVM's berth-shim children once they have exited (a few seconds at most). */
  static void reapShims() throws IOException, InterruptedException {
    long self = ProcessHandle.current().pid();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      boolean left = false;
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
          if (Long.parseLong(f[1]) != self || !stat.substring(stat.indexOf('(') + 1, close).equals("berth-shim")) {
            continue;
          }
          left = true;
          if (f[0].equals("Z")) {
            Libc.waitpid(Integer.parseInt(p.getFileName().toString()), Libc.WNOHANG);
          }
        }
      }
      if (!left || System.nanoTime() > deadline) {
        return;
      }
      Thread.sleep(20);
    }
  }

  void startDaemon() throws Exception {
    Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
    Path log = Files.createTempFile(base, "daemon", ".log");
    daemon = new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(),
        "--run-root", runRoot.toString(), "serve", "--socket", socket.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(daemon);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (UnixHttpClient c = new UnixHttpClient(socket)) {
        if (c.get("/v1/version").status() == 200) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      }
      if (!daemon.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("berth serve did not come up: " + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  static String run(UnixHttpClient c, Map<String, Object> spec) throws IOException {
    UnixHttpClient.Response r = c.postJson("/v1/containers", spec);
    assertEquals(201, r.status(), r.text());
    String id = r.json().get("Id").asText();
    assertEquals(204, c.post("/v1/containers/" + id + "/start").status());
    return id;
  }

  static JsonNode state(UnixHttpClient c, String id) throws IOException {
    UnixHttpClient.Response r = c.get("/v1/containers/" + id);
    assertEquals(200, r.status(), r.text());
    return r.json().get("state");
  }

  static boolean alive(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void containersOutliveAKilledDaemonAndTheNextOneRestartsWhatDied() throws Exception {
    startDaemon();
    String always;
    String plain;
    int alwaysPid;
    int plainPid;
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      always = run(c, Map.of("image", "busybox", "cmd", List.of("sleep", "1000"), "restart", "always"));
      plain = run(c, Map.of("image", "busybox", "cmd", List.of("sleep", "1000")));
      alwaysPid = state(c, always).get("pid").asInt();
      plainPid = state(c, plain).get("pid").asInt();
    }

    daemon.destroyForcibly(); // SIGKILL: no chance to tidy up
    assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));
    assertTrue(Files.exists(socket), "a killed daemon leaves its socket file");
    Thread.sleep(300);
    assertTrue(alive(alwaysPid) && alive(plainPid), "the containers run on without the daemon");

    Libc.kill(alwaysPid, 9);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (alive(alwaysPid) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertFalse(alive(alwaysPid));

    startDaemon(); // takes over the stale socket
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      JsonNode a = state(c, always);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (!(a.get("status").asText().equals("running") && a.get("restartCount").asInt() == 1)
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
        a = state(c, always);
      }
      assertEquals("running", a.get("status").asText(), a.toString());
      assertEquals(1, a.get("restartCount").asInt(), a.toString());
      assertTrue(a.get("pid").asInt() != alwaysPid);
      JsonNode p = state(c, plain);
      assertEquals("running", p.get("status").asText());
      assertEquals(plainPid, p.get("pid").asInt(), "the plain container is the same process");
      alwaysPid = a.get("pid").asInt();
    }

    daemon.destroy(); // SIGTERM: a clean stop, exit 0, socket removed, containers left running
    assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, daemon.exitValue());
    assertFalse(Files.exists(socket), "the socket file is removed on a clean stop");
    assertTrue(alive(alwaysPid) && alive(plainPid));
  }

  @Test
  void theCommandLineWorksThroughTheDaemon() throws Exception {
    startDaemon();
    Map<String, String> env = Map.of("BERTH_HOST", "unix://" + socket);
    BerthCommand.Result fg = BerthCommand.run(base, root, env, "", "run", "--rm", "busybox", "sh", "-c",
        "echo out; echo err >&2; exit 3");
    assertEquals(3, fg.code(), fg.err());
    assertEquals("out\n", fg.out());
    assertTrue(fg.err().contains("err"), fg.err());
    BerthCommand.Result d = BerthCommand.run(base, root, env, "", "run", "-d", "--name", "remote1", "busybox",
        "sh", "-c", "echo started; sleep 60");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    assertTrue(id.matches("[0-9a-f]{64}"), d.out());
    try (UnixHttpClient c = new UnixHttpClient(socket)) {
      assertEquals("running", state(c, id).get("status").asText(), "the daemon made it");
    }
    assertEquals("remote1 running\n", BerthCommand.run(base, root, env, "", "ps", "--format", "{{.Names}} {{.State}}").out());
    Thread.sleep(300);
    assertEquals("started\n", BerthCommand.run(base, root, env, "", "logs", "remote1").out());
    assertEquals(0, BerthCommand.run(base, root, env, "", "exec", "-d", "remote1", "touch", "/tmp/x").code());
    assertEquals("running\n", BerthCommand.run(base, root, env, "", "inspect", "--format", "{{.State.Status}}", "remote1").out());
    BerthCommand.Result stop = BerthCommand.run(base, root, env, "", "stop", "-t", "0", "remote1");
    assertEquals(0, stop.code(), stop.err());
    assertEquals("137\n", BerthCommand.run(base, root, env, "", "wait", "remote1").out());
    BerthCommand.Result missing = BerthCommand.run(base, root, env, "", "stop", "nosuch");
    assertEquals(125, missing.code());
    assertTrue(missing.err().startsWith("berth: no such container"), missing.err());
    assertEquals(0, BerthCommand.run(base, root, env, "", "rm", "remote1").code());
    assertEquals("", BerthCommand.run(base, root, env, "", "ps", "-aq").out());
    BerthCommand.Result tty = BerthCommand.run(base, root, env, "", "run", "-it", "busybox", "sh");
    assertEquals(125, tty.code());
    assertTrue(tty.err().contains("unset BERTH_HOST"), tty.err());
  }

  @Test
  void withADaemonOnTheRunRootTheCommandRunsInIt() throws Exception {
    startDaemon();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(runRoot.resolve("cli.sock")) && System.nanoTime() < deadline) {
      Thread.sleep(20); // it opens right after the API's socket
    }
    assertTrue(Files.exists(runRoot.resolve("cli.sock")), "the daemon serves the command line's fast path");
    // No JVM can start for the command: what runs it is the daemon, through the native client.
    Map<String, String> noJava = Map.of("BERTH_JAVA", "/bin/false");
    BerthCommand.Result fg = BerthCommand.run(base, root, noJava, "", "--run-root", runRoot.toString(), "run", "--rm",
        "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertEquals(3, fg.code(), fg.err());
    assertEquals("out\n", fg.out());
    assertEquals("err\n", fg.err());
    BerthCommand.Result d = BerthCommand.run(base, root, noJava, "", "--run-root", runRoot.toString(), "run", "-d",
        "--name", "fast1", "busybox", "sleep", "60");
    assertEquals(0, d.code(), d.err());
    BerthCommand.Result piped = BerthCommand.run(base, root, noJava, "piped\n", "--run-root", runRoot.toString(),
        "exec", "-i", "fast1", "cat");
    assertEquals("piped\n", piped.out(), piped.err());
    BerthCommand.Result missing = BerthCommand.run(base, root, noJava, "", "--run-root", runRoot.toString(), "stop", "nosuch");
    assertEquals(125, missing.code());
    assertEquals("berth: no such container: nosuch\n", missing.err());
    // A terminal is the client's own: the daemon says "fallback", and then a JVM is needed.
    BerthCommand.Result tty = BerthCommand.run(base, root, noJava, "", "--run-root", runRoot.toString(), "run", "-t",
        "busybox", "true");
    assertEquals(1, tty.code(), "/bin/false ran in the JVM's place: " + tty.err());
    assertEquals(0, BerthCommand.run(base, root, noJava, "", "--run-root", runRoot.toString(), "rm", "-f", "fast1").code());
  }

  @Test
  void networksThroughTheDaemon() throws Exception {
    startDaemon();
    Map<String, String> env = Map.of("BERTH_HOST", "unix://" + socket);
    BerthCommand.Result create = BerthCommand.run(base, root, env, "", "network", "create", "--subnet",
        "10.78.220.0/24", "--label", "via=api", "rnet");
    assertEquals(0, create.code(), create.err());
    assertTrue(BerthCommand.run(base, root, env, "", "network", "ls").out().contains(" rnet "));
    BerthCommand.Result d = BerthCommand.run(base, root, env, "", "run", "-d", "--name", "rweb", "--network", "rnet",
        "busybox", "sleep", "60");
    assertEquals(0, d.code(), d.err());
    String ip = BerthCommand.run(base, root, env, "", "inspect", "--format", "{{.NetworkSettings.IPAddress}}", "rweb")
        .out().strip();
    assertTrue(ip.startsWith("10.78.220."), ip);
    String inspect = BerthCommand.run(base, root, env, "", "network", "inspect", "rnet").out();
    assertTrue(inspect.contains("\"via\": \"api\""), inspect);
    BerthCommand.Result busy = BerthCommand.run(base, root, env, "", "network", "rm", "rnet");
    assertEquals(125, busy.code());
    assertTrue(busy.err().contains("active endpoints"), busy.err());
    assertEquals(0, BerthCommand.run(base, root, env, "", "rm", "-f", "rweb").code());
    assertEquals(0, BerthCommand.run(base, root, env, "", "network", "rm", "rnet").code());
    assertFalse(BerthCommand.run(base, root, env, "", "network", "ls").out().contains(" rnet "));
  }
}
