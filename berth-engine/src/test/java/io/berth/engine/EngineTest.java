package io.berth.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.runtime.shim.CriLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine in-process, as root, on real overlay mounts, cgroups and shims, with the busybox
 * image built from the host's busybox-static.
 */
class EngineTest {
  static Path base;
  static Engine engine;

  @BeforeAll
  static void setUp() throws IOException {
    base = Files.createTempDirectory("berth-engine-test");
    io.berth.runtime.Runtime.adoptContainers(); // as the daemon is
    engine = Engine.open(Engine.Config.of(base.resolve("root"), base.resolve("run")));
    LocalImages.busybox(engine.images());
  }

  @AfterEach
  void removeAll() {
    for (Container c : engine.list()) {
      engine.remove(c.id(), true, true);
    }
  }

  @AfterAll
  static void tearDown() throws IOException {
    for (Networks.Network n : engine.networks().list()) {
      engine.removeNetwork(n.name());
    }
    engine.close();
    try (Stream<Path> s = Files.lines(Path.of("/proc/self/mountinfo")).map(l -> Path.of(l.split(" ")[4]))) {
      assertFalse(s.anyMatch(p -> p.startsWith(base)), "a mount was left under " + base);
    }
    Volumes.deleteTree(base);
  }

  static ContainerSpec sh(String script) {
    return ContainerSpec.of("busybox", List.of("sh", "-c", script));
  }

  static Container run(ContainerSpec spec) {
    Container c = engine.create(spec, p -> {});
    engine.start(c.id());
    return engine.waitUntilExited(engine.get(c.id()), Duration.ofSeconds(30));
  }

  static List<String> log(Container c) {
    return new CriLog(engine.logPath(c.id())).read(-1, null).stream()
        .map(e -> e.stream() + ":" + e.text()).toList();
  }

  @Test
  void runsTheCommandAndRecordsItsOutputAndExitCode() {
    Container c = run(sh("echo hello; echo oops >&2; exit 3"));
    assertEquals(ContainerState.EXITED, c.state().status());
    assertEquals(3, c.state().exitCode());
    assertEquals(List.of("stdout:hello", "stderr:oops"), log(c));
    assertFalse(Files.exists(engine.containerDir(c.id()).resolve("rootfs/bin/busybox")), "rootfs still mounted");
  }

  @Test
  void appliesDockerDefaults() {
    Container c = run(sh("hostname; id -u; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status;"
        + " grep Seccomp: /proc/self/status; cat /proc/kcore 2>&1 | head -c 0; echo cwd=$(pwd);"
        + " (echo x > /proc/sys/kernel/hostname) 2>/dev/null && echo procsys-writable || echo procsys-ro; df /dev/shm | tail -1"));
    List<String> out = log(c);
    assertEquals(0, c.state().exitCode(), String.join("\n", out));
    assertEquals("stdout:" + c.id().substring(0, 12), out.get(0));
    assertEquals("stdout:0", out.get(1));
    assertEquals("stdout:CapEff:\t00000000a80425fb", out.get(2), "Docker's default capability set");
    assertEquals("stdout:NoNewPrivs:\t1", out.get(3), "on by default (docker leaves it off)");
    assertEquals("stdout:Seccomp:\t2", out.get(4));
    assertEquals("stdout:cwd=/", out.get(5));
    assertEquals("stdout:procsys-ro", out.get(6));
    assertTrue(out.get(7).contains("65536"), out.get(7));
  }

  @Test
  void imageDefaultsAndOverrides() {
    Container c = run(ContainerSpec.builder("busybox")
        .entrypoint(List.of("sh", "-c"))
        .cmd(List.of("echo $FOO $HOME; pwd; id -u; id -g; cat /etc/hostname"))
        .env(List.of("FOO=bar"))
        .workingDir("/tmp")
        .user("65534:65534")
        .hostname("box")
        .build());
    assertEquals(List.of("stdout:bar /nonexistent", "stdout:/tmp", "stdout:65534", "stdout:65534", "stdout:box"), log(c));
  }

  @Test
  void bindMountsVolumesAndTmpfs() throws IOException {
    Path host = Files.createTempDirectory(base, "bind");
    Files.writeString(host.resolve("in.txt"), "from-host\n");
    Container c = run(ContainerSpec.builder("busybox")
        .cmd(List.of("sh", "-c", "cat /data/in.txt; echo x > /vol/f; touch /ro/f 2>/dev/null || echo ro-ok;"
            + " grep ' /scratch ' /proc/mounts | cut -d' ' -f3; echo anon > /anon/f"))
        .binds(List.of(host + ":/data", "named1:/vol", host + ":/ro:ro", "/anon"))
        .tmpfs(List.of("/scratch"))
        .build());
    assertEquals(List.of("stdout:from-host", "stdout:ro-ok", "stdout:tmpfs"), log(c));
    Path vol = Path.of(engine.volumes().get("named1").mountpoint());
    assertEquals("x\n", Files.readString(vol.resolve("f")));
    String anon = c.anonymousVolumes().get("/anon");
    assertTrue(engine.volumes().find(anon).isPresent());
    engine.remove(c.id(), false, true);
    assertTrue(engine.volumes().find(anon).isEmpty(), "rm -v removes anonymous volumes");
    assertTrue(engine.volumes().find("named1").isPresent(), "named volumes stay");
    engine.removeVolume("named1", false);
  }

  @Test
  void badInputLeavesNothingBehind() throws IOException {
    int before = engine.list().size();
    EngineException e = assertThrows(EngineException.class, () ->
        engine.create(ContainerSpec.builder("busybox").cmd(List.of("true")).binds(List.of("/no/such/dir:/x")).build(), p -> {}));
    assertTrue(e.getMessage().contains("bind source path does not exist: /no/such/dir"), e.getMessage());
    assertThrows(EngineException.class, () ->
        engine.create(ContainerSpec.builder("busybox").cmd(List.of("true")).restart("sometimes").build(), p -> {}));
    assertThrows(EngineException.class, () ->
        engine.create(ContainerSpec.builder("busybox").cmd(List.of("true")).capAdd(List.of("NOT_A_CAP")).build(), p -> {}));
    assertThrows(EngineException.class, () -> engine.create(ContainerSpec.of("no-such-image-here", List.of("true")), p -> {}));
    Container first = engine.create(ContainerSpec.builder("busybox").name("twin").cmd(List.of("true")).build(), p -> {});
    EngineException.Conflict clash = assertThrows(EngineException.Conflict.class, () ->
        engine.create(ContainerSpec.builder("busybox").name("twin").cmd(List.of("true")).build(), p -> {}));
    assertTrue(clash.getMessage().contains("already in use"), clash.getMessage());
    assertEquals(before + 1, engine.list().size());
    try (Stream<Path> dirs = Files.list(base.resolve("root/containers"))) {
      assertEquals(List.of(first.id()), dirs.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList());
    }
  }

  @Test
  void aMissingExecutableIsAClearStartError() {
    Container c = engine.create(ContainerSpec.of("busybox", List.of("/no/such/program")), p -> {});
    EngineException e = assertThrows(EngineException.class, () -> engine.start(c.id()));
    assertTrue(e.getMessage().contains("/no/such/program"), e.getMessage());
    Container after = engine.get(c.id());
    assertFalse(after.state().isRunning());
    assertFalse(Files.exists(engine.containerDir(c.id()).resolve("rootfs/bin")), "rootfs left mounted");
  }

  @Test
  void stopSendsTheSignalThenKills() {
    Container plain = engine.create(ContainerSpec.of("busybox", List.of("sleep", "100")), p -> {});
    engine.start(plain.id());
    long t0 = System.nanoTime();
    Container stopped = engine.stop(plain.id(), 1);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(137, stopped.state().exitCode(), "pid 1 ignores SIGTERM, so stop kills it");
    assertTrue(ms >= 900 && ms < 8000, "took " + ms + " ms");

    Container withInit = engine.create(ContainerSpec.builder("busybox").cmd(List.of("sleep", "100")).init(true).build(), p -> {});
    engine.start(withInit.id());
    // tini (pid 1) ignores SIGTERM until it has set up its handlers and started its child
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (engine.pids(withInit.id()).size() < 2 && System.nanoTime() < deadline) {
      Engine.sleep(10);
    }
    Engine.sleep(100);
    Container s2 = engine.stop(withInit.id(), 10);
    assertEquals(143, s2.state().exitCode(), "tini passes SIGTERM on to sleep");
  }

  @Test
  void memoryLimitExceededIsOomKilled() {
    Container c = run(ContainerSpec.builder("busybox").cmd(List.of("tail", "/dev/zero")).memory(16L << 20).build());
    assertEquals(137, c.state().exitCode());
    assertTrue(c.state().oomKilled());
  }

  @Test
  void restartAndRemove() {
    Container c = engine.create(ContainerSpec.of("busybox", List.of("sleep", "100")), p -> {});
    engine.start(c.id());
    Container running = engine.get(c.id());
    assertEquals(ContainerState.RUNNING, running.state().status());
    assertTrue(Engine.alive(running.state().shimPid()));
    EngineException.Conflict busy = assertThrows(EngineException.Conflict.class, () -> engine.remove(c.id(), false, false));
    assertTrue(busy.getMessage().contains("running"));
    engine.pause(c.id());
    assertEquals(ContainerState.PAUSED, engine.get(c.id()).state().status());
    engine.unpause(c.id());
    engine.remove(c.id(), true, false);
    assertTrue(engine.find(c.id()).isEmpty());
    assertFalse(Files.exists(engine.containerDir(c.id())));
    assertFalse(Files.exists(engine.shimDir(c.id())));
  }

  @Test
  void twentyAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<Container>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        int n = i;
        futures.add(pool.submit(() -> run(ContainerSpec.builder("busybox").name("par" + n)
            .cmd(List.of("sh", "-c", "echo " + n)).build())));
      }
      for (int i = 0; i < 20; i++) {
        Container c = futures.get(i).get();
        assertEquals(0, c.state().exitCode());
        assertEquals(List.of("stdout:" + i), log(c));
      }
    } finally {
      pool.shutdown();
    }
    Map<String, Long> names = engine.list().stream().collect(Collectors.groupingBy(Container::name, Collectors.counting()));
    assertEquals(20, names.size());
  }

  @Test
  void healthChecksTurnHealthyAndUnhealthy() {
    Container c = engine.create(ContainerSpec.builder("busybox").cmd(List.of("sleep", "100"))
        .health(new ContainerSpec.Health(List.of("CMD-SHELL", "test -e /tmp/ok && echo fine"), 0, 5_000_000_000L, 0, 2))
        .build(), p -> {});
    engine.start(c.id());
    assertEquals(ContainerState.HealthState.STARTING, engine.get(c.id()).state().health().status());
    assertEquals(ContainerState.HealthState.STARTING, engine.runHealthCheck(c.id()).status(), "one failure of 2 allowed");
    ContainerState.HealthState bad = engine.runHealthCheck(c.id());
    assertEquals(ContainerState.HealthState.UNHEALTHY, bad.status());
    assertEquals(2, bad.failingStreak());
    assertEquals(1, bad.log().get(1).exitCode());
    int touch = engine.exec(c.id(), new Engine.ExecSpec(List.of("touch", "/tmp/ok"), List.of(), null, null, false, false),
        new io.berth.runtime.CreateOptions(null, null, 0, false, new int[] {0, 1, 2}));
    assertEquals(0, io.berth.runtime.Runtime.waitFor(touch));
    ContainerState.HealthState good = engine.runHealthCheck(c.id());
    assertEquals(ContainerState.HealthState.HEALTHY, good.status());
    assertEquals("fine\n", good.log().get(good.log().size() - 1).output());
    List<String> actions = engine.events().read(null, null).stream()
        .filter(e -> e.id().equals(c.id())).map(Event::action).toList();
    assertTrue(actions.contains("health_status: unhealthy") && actions.contains("health_status: healthy"), actions.toString());
  }

  @Test
  void aDetachedExecIsReapedByItsOwnShim() {
    Container c = engine.create(ContainerSpec.of("busybox", List.of("sleep", "100")), p -> {});
    engine.start(c.id());
    engine.execDetached(c.id(), new Engine.ExecSpec(List.of("sh", "-c", "echo hi > /tmp/mark"), List.of(), null, null, false, false));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!Files.exists(engine.containerDir(c.id()).resolve("rootfs/tmp/mark")) && System.nanoTime() < deadline) {
      Engine.sleep(20);
    }
    assertTrue(Files.exists(engine.containerDir(c.id()).resolve("rootfs/tmp/mark")));
    Engine.sleep(200);
    long t0 = System.nanoTime();
    Container stopped = engine.stop(c.id(), 1);
    assertEquals(137, stopped.state().exitCode());
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000, "a zombie exec process kept the container's pid namespace alive");
  }

  @Test
  void eventsRecordTheLifecycle() {
    java.time.Instant t0 = java.time.Instant.now();
    Container c = run(sh("exit 5"));
    engine.remove(c.id(), false, false);
    List<Event> events = engine.events().read(t0, null).stream().filter(e -> e.id().equals(c.id())).toList();
    assertEquals(List.of("create", "start", "die", "destroy"), events.stream().map(Event::action).toList());
    assertEquals("5", events.get(2).attributes().get("exitCode"));
  }

  @Test
  void theImagesVolumesStopSignalAndHealthcheckApply() throws Exception {
    Path tar = base.resolve("img.tar");
    Path rootfs = Files.createDirectories(base.resolve("imgroot/bin"));
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
    for (String a : List.of("sh", "sleep", "true", "cat")) {
      Files.createSymbolicLink(rootfs.resolve(a), Path.of("busybox"));
    }
    assertEquals(0, new ProcessBuilder("tar", "-C", base.resolve("imgroot").toString(), "-cf", tar.toString(), ".")
        .inheritIO().start().waitFor());
    io.berth.image.spec.ImageConfig.Config config = new io.berth.image.spec.ImageConfig.Config(null, null,
        List.of("PATH=/bin", "FROM_IMAGE=yes"), null,
        List.of("sh", "-c", "trap 'exit 7' USR2; echo $FROM_IMAGE > /data/f; while :; do sleep 0.1; done"),
        java.util.Set.of("/data"), "/", null, "SIGUSR2", null,
        new io.berth.image.spec.ImageConfig.Healthcheck(List.of("CMD", "true"), 1_000_000_000L, null, null, null, 2),
        null, null);
    engine.images().importTarball(tar, "localhost/withconfig:1", config);
    Container c = engine.create(ContainerSpec.builder("localhost/withconfig:1").build(), p -> {});
    String volume = c.anonymousVolumes().get("/data");
    assertTrue(volume != null && engine.volumes().find(volume).isPresent(), "the image's VOLUME became a volume");
    ContainerSpec.Health h = engine.health(c).orElseThrow();
    assertEquals(List.of("CMD", "true"), h.test());
    assertEquals(1_000_000_000L, h.interval());
    assertEquals(2, h.retries());
    engine.start(c.id());
    Engine.sleep(300);
    assertEquals(ContainerState.HealthState.HEALTHY, engine.runHealthCheck(c.id()).status());
    Container stopped = engine.stop(c.id(), 20);
    assertEquals(7, stopped.state().exitCode(), "the image's StopSignal (SIGUSR2) was sent");
    assertEquals("yes\n", Files.readString(Path.of(engine.volumes().get(volume).mountpoint()).resolve("f")));
  }

  /** Two handlers of one exit (the shim's exit command and the daemon) restart it once. */
  @Test
  void concurrentCleanupsOfOneExitRestartOnce() throws Exception {
    Container c = engine.create(ContainerSpec.builder("busybox").cmd(List.of("sh", "-c", "exit 3"))
        .restart("always").network("none").build(), p -> {});
    engine.start(c.id());
    Container exited = engine.waitUntilExited(engine.get(c.id()), Duration.ofSeconds(30));
    assertEquals(ContainerState.EXITED, exited.state().status());
    assertEquals(0, exited.state().restartCount());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> both = List.of(pool.submit(() -> engine.cleanup(c.id())), pool.submit(() -> engine.cleanup(c.id())));
      for (Future<?> f : both) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Container after = engine.waitUntilExited(engine.get(c.id()), Duration.ofSeconds(30));
    assertEquals(1, after.state().restartCount(), "one exit, one restart");
    assertEquals(3, after.state().exitCode());
  }

  // ---- networks ----

  static List<String> leases(String network) throws IOException {
    Path d = base.resolve("root/cni/ipam").resolve(network);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).toList();
    }
  }

  /**
   * What a crash between a CNI ADD and the record can leave: an attachment (its cached result and
   * address lease) whose container the engine no longer knows. Made here by putting back, after
   * a normal remove, the files the ADD had written; GC must DEL it through the real plugins.
   */
  @Test
  void networkGcReleasesAttachmentsNoContainerHolds() throws Exception {
    engine.createNetwork(new Networks.CreateOptions("gcnet", "10.78.230.0/24", null, false, Map.of()));
    try {
      Container c = engine.create(ContainerSpec.builder("busybox").cmd(List.of("sleep", "60"))
          .net(new ContainerSpec.NetworkOptions(List.of(ContainerSpec.Attach.of("gcnet")), List.of(), false,
              List.of(), List.of(), List.of(), List.of(), List.of())).build(), p -> {});
      c = engine.start(c.id());
      assertEquals(1, leases("gcnet").size());
      String ip = c.state().netState().find("gcnet").orElseThrow().ip();
      assertEquals(List.of(ip), leases("gcnet"));
      engine.gcNetworks();
      assertEquals(List.of(ip), leases("gcnet"), "a running container's attachment is valid");
      Map<Path, byte[]> written = new java.util.HashMap<>();
      try (Stream<Path> s = Stream.concat(Files.walk(base.resolve("root/cni/results")),
          Stream.of(base.resolve("root/cni/ipam/gcnet").resolve(ip)))) {
        for (Path f : s.filter(Files::isRegularFile).toList()) {
          written.put(f, Files.readAllBytes(f));
        }
      }
      engine.remove(c.id(), true, true);
      assertEquals(List.of(), leases("gcnet"));
      for (Map.Entry<Path, byte[]> e : written.entrySet()) {
        Files.createDirectories(e.getKey().getParent());
        Files.write(e.getKey(), e.getValue());
      }
      assertEquals(List.of(ip), leases("gcnet"), "the orphan holds its address");
      engine.gcNetworks();
      assertEquals(List.of(), leases("gcnet"));
      try (Stream<Path> s = Files.walk(base.resolve("root/cni/results"))) {
        assertEquals(0, s.filter(Files::isRegularFile).count(), "no cached result is left");
      }
    } finally {
      engine.removeNetwork("gcnet");
    }
    assertFalse(Files.exists(base.resolve("root/networks/gcnet.conflist")));
  }
}
