package io.berth.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.engine.LocalImages;
import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daemon in-process on a real engine: restart policies, health checks on schedule, --rm,
 * the reaping of shims, and a daemon restart that finds what happened while it was away.
 */
class DaemonTest {
  Path base;
  Engine engine;
  Daemon daemon;
  UnixHttpClient client;

  @BeforeEach
  void setUp() throws IOException {
    base = TestDirs.create();
    engine = Engine.open(Engine.Config.of(base.resolve("root"), base.resolve("r")));
    LocalImages.busybox(engine.images());
    startDaemon();
  }

  void startDaemon() throws IOException {
    daemon = Daemon.start(engine, base.resolve("d.sock"), m -> System.err.println("daemon: " + m));
    client = new UnixHttpClient(daemon.socket());
  }

  void stopDaemon() {
    client.close();
    daemon.close();
  }

  @AfterEach
  void tearDown() throws Exception {
    stopDaemon();
    for (Container c : engine.list()) {
      engine.remove(c.id(), true, true);
    }
    for (io.berth.engine.Networks.Network n : engine.networks().list()) {
      engine.removeNetwork(n.name());
    }
    engine.close();
    TestDirs.reapShims();
    TestDirs.remove(base);
  }

  String run(Map<String, Object> spec) throws IOException {
    UnixHttpClient.Response r = client.postJson("/v1/containers", spec);
    assertEquals(201, r.status(), r.text());
    String id = r.json().get("Id").asText();
    assertEquals(204, client.post("/v1/containers/" + id + "/start").status());
    return id;
  }

  JsonNode state(String id) throws IOException {
    UnixHttpClient.Response r = client.get("/v1/containers/" + id);
    assertEquals(200, r.status(), r.text());
    return r.json().get("state");
  }

  JsonNode await(String id, Duration timeout, Predicate<JsonNode> until, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode s = state(id);
    while (!until.test(s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what + "; state " + s);
      }
      Thread.sleep(50);
      s = state(id);
    }
    return s;
  }

  static Map<String, Object> health(String cmd) {
    return Map.of("test", List.of("CMD-SHELL", cmd), "interval", 200_000_000L, "timeout", 5_000_000_000L, "retries", 2);
  }

  @Test
  void healthChecksRunOnScheduleAndTurnHealthyOrUnhealthy() throws Exception {
    String bad = run(Map.of("image", "busybox", "cmd", List.of("sleep", "100"), "health", health("exit 1")));
    String good = run(Map.of("image", "busybox", "cmd", List.of("sleep", "100"), "health", health("true")));
    assertEquals("starting", state(bad).get("health").get("status").asText());
    long t0 = System.nanoTime();
    JsonNode unhealthy = await(bad, Duration.ofSeconds(15), s -> s.get("health").get("status").asText().equals("unhealthy"),
        "unhealthy");
    assertTrue(System.nanoTime() - t0 >= 350_000_000L, "two failures 200 ms apart, the first after 200 ms");
    assertTrue(unhealthy.get("health").get("failingStreak").asInt() >= 2);
    await(good, Duration.ofSeconds(15), s -> s.get("health").get("status").asText().equals("healthy"), "healthy");
    int probes = state(good).get("health").get("log").size();
    Thread.sleep(1000);
    assertTrue(state(good).get("health").get("log").size() > probes || probes == 5, "the probes go on");
  }

  @Test
  void onFailureRestartsExactlyAsManyTimesAsAllowed() throws Exception {
    String id = run(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "exit 1"), "restart", "on-failure:2"));
    JsonNode s = await(id, Duration.ofSeconds(20),
        x -> x.get("restartCount").asInt() == 2 && x.get("status").asText().equals("exited"), "two restarts");
    assertEquals(1, s.get("exitCode").asInt());
    Thread.sleep(2000); // longer than the next backoff (400 ms) and several ticks
    JsonNode later = state(id);
    assertEquals(2, later.get("restartCount").asInt());
    assertEquals("exited", later.get("status").asText());
    long starts = engine.events().read(null, null).stream()
        .filter(e -> e.id().equals(id) && e.action().equals("start")).count();
    assertEquals(3, starts, "the first start and two restarts");
  }

  @Test
  void alwaysRestartsAKilledProcessAndRmRemoves() throws Exception {
    String always = run(Map.of("image", "busybox", "cmd", List.of("sleep", "100"), "restart", "always"));
    int pid = state(always).get("pid").asInt();
    int shim = state(always).get("shimPid").asInt();
    Libc.kill(pid, 9); // from outside: not a user's stop
    JsonNode s = await(always, Duration.ofSeconds(15),
        x -> x.get("restartCount").asInt() == 1 && x.get("status").asText().equals("running"), "a restart");
    assertTrue(s.get("pid").asInt() != pid);
    // The first run's shim exited after recording it; the daemon, its subreaper, reaped it.
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Files.exists(Path.of("/proc/" + shim)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertFalse(Files.exists(Path.of("/proc/" + shim)), "the shim " + shim + " was left a zombie");

    assertEquals(204, client.post("/v1/containers/" + always + "/stop?t=1").status());
    Thread.sleep(1000);
    assertEquals("exited", state(always).get("status").asText(), "a user's stop is not undone");

    String rm = run(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "exit 0"), "autoRemove", true));
    deadline = System.nanoTime() + 10_000_000_000L;
    while (engine.find(rm).isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(engine.find(rm).isEmpty(), "--rm: removed when it exited");
  }

  /**
   * A wait is answered from the shim's exit.json as soon as the container ends; the run's teardown
   * follows (the next reader of the record, or the monitor for --rm) and leaves nothing mounted.
   */
  @Test
  void waitAnswersAtTheExitAndTheRecordCatchesUpAfter() throws Exception {
    String plain = run(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "exit 3")));
    UnixHttpClient.Response w = client.post("/v1/containers/" + plain + "/wait");
    assertEquals(200, w.status(), w.text());
    assertEquals(3, w.json().get("StatusCode").asInt());
    JsonNode s = state(plain);
    assertEquals("exited", s.get("status").asText());
    assertEquals(3, s.get("exitCode").asInt());
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(plain), "the rootfs is unmounted");

    String rm = run(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "exit 4"), "autoRemove", true));
    UnixHttpClient.Response w2 = client.post("/v1/containers/" + rm + "/wait");
    assertEquals(4, w2.json().get("StatusCode").asInt(), w2.text());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (engine.find(rm).isPresent() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(engine.find(rm).isEmpty(), "--rm: removed after its wait was answered");
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(rm), "nothing of it mounted");
  }

  @Test
  void aNewDaemonRestartsWhatDiedWhileNoneWatched() throws Exception {
    String always = run(Map.of("image", "busybox", "name", "al", "cmd", List.of("sleep", "100"), "restart", "always"));
    String plain = run(Map.of("image", "busybox", "name", "pl", "cmd", List.of("sleep", "100")));
    String failing = run(Map.of("image", "busybox", "name", "fa", "cmd", List.of("sh", "-c", "sleep 1; exit 3"),
        "restart", "on-failure:1"));
    int plainPid = state(plain).get("pid").asInt();
    int alwaysPid = state(always).get("pid").asInt();
    stopDaemon();

    Libc.kill(alwaysPid, 9);
    Thread.sleep(1500); // "fa" exits meanwhile too
    startDaemon();
    JsonNode a = await(always, Duration.ofSeconds(15),
        x -> x.get("status").asText().equals("running") && x.get("restartCount").asInt() == 1, "always restarted");
    assertTrue(a.get("pid").asInt() != alwaysPid);
    JsonNode p = state(plain);
    assertEquals("running", p.get("status").asText());
    assertEquals(plainPid, p.get("pid").asInt(), "the plain container kept running, untouched");
    await(failing, Duration.ofSeconds(15), x -> x.get("restartCount").asInt() == 1, "on-failure restarted once");
    await(failing, Duration.ofSeconds(15), x -> x.get("status").asText().equals("exited"), "on-failure done");
    Thread.sleep(1000);
    assertEquals(1, state(failing).get("restartCount").asInt());
  }

  @Test
  void oneDaemonPerRunRootAndSocket() throws IOException {
    IOException again = assertThrows(IOException.class, () -> Daemon.start(engine, base.resolve("other.sock"), m -> {}));
    assertTrue(again.getMessage().contains("another berth daemon"), again.getMessage());
    try (Engine second = Engine.open(Engine.Config.of(base.resolve("root2"), base.resolve("r2")))) {
      IOException busy = assertThrows(IOException.class, () -> Daemon.start(second, daemon.socket(), m -> {}));
      assertTrue(busy.getMessage().contains("another server is listening"), busy.getMessage());
    }
    assertEquals(200, client.get("/v1/version").status(), "the first daemon still serves");
  }
}
