package io.berth.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.Engine;
import io.berth.engine.LocalImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Berth's API in-process: a real engine (overlay mounts, shims, cgroups, as root) behind a
 * daemon on a unix socket, driven through {@link UnixHttpClient}.
 */
class BerthApiTest {
  static Path base;
  static Engine engine;
  static Daemon daemon;
  static UnixHttpClient client;

  @BeforeAll
  static void setUp() throws IOException {
    base = TestDirs.create();
    io.berth.runtime.Runtime.adoptContainers();
    engine = Engine.open(Engine.Config.of(base.resolve("root"), base.resolve("r")));
    LocalImages.busybox(engine.images());
    daemon = Daemon.start(engine, base.resolve("api.sock"), m -> System.err.println("daemon: " + m));
    client = new UnixHttpClient(daemon.socket());
  }

  @AfterEach
  void removeAll() {
    for (Container c : engine.list()) {
      engine.remove(c.id(), true, true);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    client.close();
    daemon.close();
    for (io.berth.engine.Networks.Network n : engine.networks().list()) {
      engine.removeNetwork(n.name());
    }
    engine.close();
    TestDirs.reapShims();
    TestDirs.remove(base);
  }

  static String create(Map<String, Object> spec) throws IOException {
    UnixHttpClient.Response r = client.postJson("/v1/containers", spec);
    assertEquals(201, r.status(), r.text());
    return r.json().get("Id").asText();
  }

  static JsonNode inspect(String id) throws IOException {
    UnixHttpClient.Response r = client.get("/v1/containers/" + id);
    assertEquals(200, r.status(), r.text());
    return r.json();
  }

  @Test
  void versionAndInfo() throws IOException {
    JsonNode v = client.get("/v1/version").json();
    assertEquals("1", v.get("ApiVersion").asText());
    assertTrue(v.get("Version").asText().startsWith("0."), v.toString());
    JsonNode info = client.get("/v1/info").json();
    assertEquals(base.resolve("root").toString(), info.get("Root").asText());
    assertEquals(1, info.get("Images").asInt());
  }

  @Test
  void createStartLogsWaitRemove() throws IOException {
    String id = create(Map.of("image", "busybox", "name", "api1",
        "cmd", List.of("sh", "-c", "echo hello; echo oops >&2; exit 3")));
    assertEquals("created", inspect("api1").get("state").get("status").asText());
    assertEquals(204, client.post("/v1/containers/" + id + "/start").status());
    UnixHttpClient.Response w = client.post("/v1/containers/api1/wait");
    assertEquals(200, w.status(), w.text());
    assertEquals(3, w.json().get("StatusCode").asInt());
    assertEquals(304, client.post("/v1/containers/api1/stop").status(), "stopped already");

    List<JsonNode> lines = new ArrayList<>();
    for (String l : client.get("/v1/containers/api1/logs").text().split("\n")) {
      lines.add(io.berth.oci.SpecJson.mapper().readTree(l));
    }
    assertEquals(2, lines.size());
    assertEquals("stdout", lines.get(0).get("stream").asText());
    assertEquals("hello", lines.get(0).get("text").asText());
    assertEquals("stderr", lines.get(1).get("stream").asText());
    assertEquals("oops", lines.get(1).get("text").asText());
    assertTrue(Instant.parse(lines.get(0).get("time").asText()).isAfter(Instant.now().minusSeconds(60)));
    JsonNode last = io.berth.oci.SpecJson.mapper().readTree(
        client.get("/v1/containers/api1/logs?tail=1&timestamps=false").text());
    assertEquals("oops", last.get("text").asText());
    assertNull(last.get("time"));

    JsonNode all = client.get("/v1/containers?all=true").json();
    assertEquals(1, all.size());
    assertEquals(0, client.get("/v1/containers").json().size(), "only running ones without all");
    assertEquals(204, client.delete("/v1/containers/api1").status());
    assertEquals(404, client.get("/v1/containers/" + id).status());
    assertFalse(Files.exists(engine.containerDir(id)));
  }

  @Test
  void errorsHaveTheirStatus() throws IOException {
    UnixHttpClient.Response missing = client.get("/v1/containers/nosuchthing");
    assertEquals(404, missing.status());
    assertTrue(missing.json().get("message").asText().contains("no such container"), missing.text());
    assertEquals(404, client.post("/v1/containers/nosuchthing/start").status());
    assertEquals(404, client.delete("/v1/containers/nosuchthing").status());

    create(Map.of("image", "busybox", "name", "twin", "cmd", List.of("sleep", "100")));
    UnixHttpClient.Response clash = client.postJson("/v1/containers", Map.of("image", "busybox", "name", "twin"));
    assertEquals(409, clash.status());
    assertTrue(clash.json().get("message").asText().contains("already in use"), clash.text());
    assertEquals(409, client.post("/v1/containers/twin/kill").status(), "not running");
    assertEquals(409, client.post("/v1/containers/twin/unpause").status());

    UnixHttpClient.Response bad = client.request("POST", "/v1/containers", "{not json".getBytes(StandardCharsets.UTF_8));
    assertEquals(400, bad.status());
    assertTrue(bad.json().get("message").asText().contains("malformed JSON"), bad.text());
    assertEquals(400, client.post("/v1/containers").status(), "no body");
    assertEquals(400, client.postJson("/v1/containers", Map.of("cmd", List.of("true"))).status(), "no image");
    assertEquals(400, client.postJson("/v1/containers", Map.of("image", "busybox", "restart", "sometimes")).status());
    assertEquals(404, client.postJson("/v1/containers", Map.of("image", "no-such-image-here")).status());
    assertEquals(400, client.post("/v1/containers/twin/kill?signal=NOPE").status());
    assertEquals(400, client.post("/v1/containers/twin/stop?t=abc").status());
    assertEquals(400, client.post("/v1/containers/twin/rename").status());
    assertEquals(1, engine.list().size(), "nothing was made by the bad requests");
  }

  @Test
  void lifecycleOfALongRunningContainer() throws Exception {
    String id = create(Map.of("image", "busybox", "name", "long", "cmd", List.of("sleep", "100")));
    assertEquals(204, client.post("/v1/containers/long/start").status());
    assertEquals(304, client.post("/v1/containers/long/start").status());
    assertEquals(204, client.post("/v1/containers/long/pause").status());
    assertEquals("paused", inspect(id).get("state").get("status").asText());
    assertEquals(204, client.post("/v1/containers/long/unpause").status());
    assertEquals(204, client.post("/v1/containers/long/rename?name=longer").status());
    create(Map.of("image", "busybox", "name", "other", "cmd", List.of("true")));
    assertEquals(409, client.post("/v1/containers/longer/rename?name=other").status());

    assertEquals(204, client.postJson("/v1/containers/longer/exec",
        Map.of("Cmd", List.of("sh", "-c", "echo hi > /tmp/mark"))).status());
    Path mark = engine.containerDir(id).resolve("rootfs/tmp/mark");
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!Files.exists(mark) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals("hi\n", Files.readString(mark));
    assertEquals(400, client.postJson("/v1/containers/longer/exec", Map.of("Cmd", List.of())).status());

    int pid = inspect(id).get("state").get("pid").asInt();
    assertEquals(204, client.post("/v1/containers/longer/restart?t=1").status());
    JsonNode after = inspect(id).get("state");
    assertEquals("running", after.get("status").asText());
    assertTrue(after.get("pid").asInt() != pid, "a new process");
    assertEquals(409, client.delete("/v1/containers/longer").status(), "running");
    assertEquals(204, client.post("/v1/containers/longer/kill?signal=SIGKILL").status());
    assertEquals(137, client.post("/v1/containers/longer/wait").json().get("StatusCode").asInt());
  }

  @Test
  void logsFollowUntilTheContainerExits() throws Exception {
    String id = create(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "echo a; sleep 1; echo b")));
    assertEquals(204, client.post("/v1/containers/" + id + "/start").status());
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      try (UnixHttpClient.Stream s = client.stream("/v1/containers/" + id + "/logs?follow=1")) {
        assertEquals(200, s.status());
        long t0 = System.nanoTime();
        assertTrue(s.readLine().contains("\"text\":\"a\""));
        assertTrue(s.readLine().contains("\"text\":\"b\""));
        assertNull(s.readLine(), "the stream ends with the container");
        assertTrue(System.nanoTime() - t0 > 500_000_000L, "b came a second after a: it was followed");
      }
    });
  }

  @Test
  void eventsStreamTheLifecycle() throws Exception {
    long since = Instant.now().getEpochSecond() - 1;
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (UnixHttpClient.Stream events = client.stream("/v1/events?since=" + since)) {
        assertEquals(200, events.status());
        String id = create(Map.of("image", "busybox", "cmd", List.of("sh", "-c", "exit 4")));
        client.post("/v1/containers/" + id + "/start");
        List<String> actions = new ArrayList<>();
        while (!actions.contains("die")) {
          JsonNode e = io.berth.oci.SpecJson.mapper().readTree(events.readLine());
          if (e.get("id").asText().equals(id)) {
            actions.add(e.get("action").asText());
            if (e.get("action").asText().equals("die")) {
              assertEquals("4", e.get("attributes").get("exitCode").asText());
            }
          }
        }
        assertEquals(List.of("create", "start", "die"), actions);
      }
    });
    JsonNode bounded = io.berth.oci.SpecJson.mapper().readTree(
        client.get("/v1/events?since=" + since + "&until=" + (Instant.now().getEpochSecond() + 1)).text().split("\n")[0]);
    assertEquals("create", bounded.get("action").asText(), "with until, the stream ends by itself");
  }

  @Test
  void healthcheckImagesAndVolumes() throws IOException {
    String id = create(Map.of("image", "busybox", "cmd", List.of("sleep", "100"),
        "health", Map.of("test", List.of("CMD-SHELL", "echo ok"), "retries", 1)));
    assertEquals(409, client.post("/v1/containers/" + id + "/healthcheck").status(), "not running");
    client.post("/v1/containers/" + id + "/start");
    JsonNode h = client.post("/v1/containers/" + id + "/healthcheck").json();
    assertEquals("healthy", h.get("status").asText());
    assertEquals("ok\n", h.get("log").get(0).get("output").asText());

    JsonNode images = client.get("/v1/images").json();
    assertEquals(1, images.size());
    assertTrue(images.get(0).get("Names").toString().contains("busybox"), images.toString());
    assertEquals(400, client.post("/v1/images/pull").status());

    UnixHttpClient.Response v = client.postJson("/v1/volumes", Map.of("Name", "apivol", "Labels", Map.of("a", "b")));
    assertEquals(201, v.status(), v.text());
    assertEquals("b", v.json().get("labels").get("a").asText());
    assertTrue(client.get("/v1/volumes").text().contains("apivol"));
    assertEquals(400, client.postJson("/v1/volumes", Map.of("Name", "bad/name")).status());
    assertEquals(204, client.delete("/v1/volumes/apivol").status());
    assertEquals(404, client.delete("/v1/volumes/apivol").status());
  }
}
