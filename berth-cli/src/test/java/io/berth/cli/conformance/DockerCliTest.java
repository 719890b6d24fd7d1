package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.cli.ImageRunTest;
import io.berth.engine.Container;
import io.berth.engine.Engine;
import io.berth.engine.ImageService;
import io.berth.engine.LocalImages;
import io.berth.image.registry.AuthFiles;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.LocalRegistry;
import io.berth.image.registry.RegistriesConf;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.oci.SpecJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real docker CLI (/usr/local/bin/docker, client 28) against {@code berth serve}'s Docker
 * socket: what users type, each a separate process, on a daemon of the test's own (its own root
 * and run root), with images from busybox built locally and from Debian's docker-registry on
 * loopback. Every test names its containers and removes them; the class checks at the end that
 * nothing is left (containers, shims, mounts).
 */
class DockerCliTest {
  static Path base;
  static Path root;
  static Path runRoot;
  static Path dockerSocket;
  static Path scratch;
  static Process daemon;
  static Path daemonLog;
  static LocalRegistry registry;
  static String pushed;

  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
    }
  }

  @BeforeAll
  static void startDaemon() throws Exception {
    // Short: the daemon's sockets and the shims' under the run root must fit 108 bytes.
    base = Files.createTempDirectory(Path.of("/tmp"), "dk");
    root = base.resolve("r");
    runRoot = base.resolve("x");
    scratch = Files.createDirectories(base.resolve("s"));
    dockerSocket = runRoot.resolve("docker.sock");
    try (ImageService images = new ImageService(root, RegistriesConf.empty())) {
      LocalImages.busybox(images); // localhost/busybox: what "docker run busybox" finds, no registry needed
    }
    registry = LocalRegistry.start(base.resolve("registry"), "");
    pushed = registry.host() + "/test/bb:1";
    pushImage(pushed);
    Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
    daemonLog = base.resolve("daemon.log");
    daemon = new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(),
        "--run-root", runRoot.toString(), "serve", "--socket", base.resolve("b.sock").toString())
        .redirectErrorStream(true).redirectOutput(daemonLog.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!curl("-o", "/dev/null", "-w", "%{http_code}", "http://d/_ping").out().equals("200")) {
      if (!daemon.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("berth serve did not come up: " + Files.readString(daemonLog));
      }
      Thread.sleep(50);
    }
  }

  /** An image of two layers (busybox and a file) with its own Cmd, Env and label, pushed to the registry. */
  static void pushImage(String name) throws Exception {
    ImageReference ref = ImageReference.parse(name);
    try (RegistryClient client = new RegistryClient(RegistryConfig.defaults().withAuthFiles(AuthFiles.none(base.resolve("auth.json"))))) {
      List<Descriptor> layers = new ArrayList<>();
      StringBuilder diffIds = new StringBuilder();
      for (byte[] tar : ImageRunTest.busyboxLayers()) {
        byte[] gz = ImageRunTest.gzip(tar);
        client.putBlob(ref.registry(), ref.repository(), Digest.of(gz).toString(), gz.length, new ByteArrayInputStream(gz), false);
        layers.add(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.of(gz), gz.length));
        diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(Digest.of(tar)).append('"');
      }
      byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\",\"GREETING=hi\"],"
          + "\"Cmd\":[\"sh\",\"-c\",\"echo $GREETING from the registry\"],\"Labels\":{\"origin\":\"registry\"}},"
          + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]},"
          + "\"history\":[{\"created\":\"2026-01-01T00:00:00Z\",\"created_by\":\"busybox\"},"
          + "{\"created\":\"2026-01-01T00:00:01Z\",\"created_by\":\"motd\"}]}").getBytes(StandardCharsets.UTF_8);
      client.putBlob(ref.registry(), ref.repository(), Digest.of(config).toString(), config.length,
          new ByteArrayInputStream(config), false);
      Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config), layers);
      client.putManifest(ref, MediaTypes.OCI_MANIFEST, ImageJson.toBytes(m));
    }
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    try {
      if (daemon != null && daemon.isAlive()) {
        for (String id : docker("ps", "-aq", "--no-trunc").out().lines().filter(l -> !l.isBlank()).toList()) {
          docker("rm", "-f", "-v", id);
        }
        for (String v : docker("volume", "ls", "-q").out().lines().filter(l -> !l.isBlank()).toList()) {
          docker("volume", "rm", v);
        }
        for (String n : docker("network", "ls", "-q", "--filter", "type=custom").out().lines().filter(l -> !l.isBlank()).toList()) {
          docker("network", "rm", n);
        }
        assertEquals("", docker("ps", "-aq").out(), "every container is gone");
        daemon.destroy(); // SIGTERM: a clean stop
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "berth serve stops on SIGTERM");
        assertEquals(0, daemon.exitValue(), () -> "berth serve's exit: " + log());
        assertFalse(Files.exists(dockerSocket), "the Docker socket is removed on a clean stop");
        // The default network (Docker's bridge) cannot go through Docker's API; its bridge and
        // rules go with Berth's own command.
        Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
        new ProcessBuilder(home.resolve("bin/berth").toString(), "--root", root.toString(), "--run-root",
            runRoot.toString(), "network", "rm", "berth").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        assertFalse(Files.exists(root.resolve("networks/berth.conflist")), "the default network is removed");
      }
    } finally {
      if (daemon != null) {
        daemon.destroyForcibly();
        daemon.waitFor(10, TimeUnit.SECONDS);
      }
      if (registry != null) {
        registry.close();
      }
      if (base != null && Files.exists(root.resolve("containers.db"))) {
        // Whatever a failed test left: removed through the engine itself (processes, cgroups, mounts).
        try (Engine engine = Engine.open(Engine.Config.of(root, runRoot))) {
          for (Container c : engine.list()) {
            engine.remove(c.id(), true, true);
          }
        }
      }
      if (base != null) {
        List<String> mounts = RunRootLeftovers.unmountBelow(base);
        List<Long> shims = RunRootLeftovers.processesOf(runRoot);
        RunRootLeftovers.deleteTree(base);
        assertEquals(List.of(), mounts, "mounts left under " + base);
        assertEquals(List.of(), shims, "processes of the run root left running");
      }
    }
  }

  static String log() {
    return RunRootLeftovers.read(daemonLog);
  }

  static Map<String, String> env() {
    return Map.of("DOCKER_HOST", "unix://" + dockerSocket, "DOCKER_CONFIG", base.resolve("docker-config").toString());
  }

  static Result run(List<String> cmd, String stdin) throws Exception {
    Path out = Files.createTempFile(scratch, "out", ".txt");
    Path err = Files.createTempFile(scratch, "err", ".txt");
    Path in = Files.writeString(Files.createTempFile(scratch, "in", ".txt"), stdin);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(scratch.toFile())
        .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
    pb.environment().putAll(env());
    Process p = pb.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd + "\ndaemon: " + log());
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    Files.delete(out);
    Files.delete(err);
    Files.delete(in);
    return r;
  }

  static Result docker(String... args) throws Exception {
    return dockerIn("", args);
  }

  static Result dockerIn(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("docker"));
    cmd.addAll(List.of(args));
    return run(cmd, stdin);
  }

  /** Runs and expects exit 0; returns stdout. */
  static String ok(String... args) throws Exception {
    Result r = docker(args);
    assertEquals(0, r.code(), () -> "docker " + String.join(" ", args) + "\n" + r);
    return r.out();
  }

  static Result curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--unix-socket", dockerSocket.toString()));
    cmd.addAll(List.of(args));
    return run(cmd, "");
  }

  static JsonNode json(String text) throws IOException {
    return SpecJson.mapper().readTree(text);
  }

  /** Waits until {@code check} holds (at most 15 s). */
  static void eventually(String what, ThrowingCheck check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  interface ThrowingCheck {
    boolean holds() throws Exception;
  }

  // ---- system ----

  @Test
  void versionAndInfoDescribeBerth() throws Exception {
    String version = ok("version");
    assertTrue(version.contains("Server: Berth"), version);
    assertTrue(version.contains("1.47 (minimum version 1.24)"), version);
    assertTrue(version.contains("API version:       1.47 (downgraded from"), "the client negotiates down: " + version);
    JsonNode info = json(ok("info", "--format", "{{json .}}"));
    assertEquals(root.toString(), info.get("DockerRootDir").asText());
    assertEquals("linux", info.get("OSType").asText());
    assertEquals(Runtime.getRuntime().availableProcessors(), info.get("NCPU").asInt());
    assertTrue(info.get("Images").asInt() >= 1, info.toString());
    String text = ok("info");
    assertTrue(text.contains("Server Version: ") && text.contains("Default Runtime: berth"), text);
  }

  // ---- images ----

  @Test
  void pullTagInspectAndRemoveAnImageOfTheLocalRegistry() throws Exception {
    Result pull = docker("pull", pushed);
    assertEquals(0, pull.code(), pull::toString);
    assertTrue(pull.out().contains("Pulling from " + registry.host() + "/test/bb"), pull.out());
    assertTrue(pull.out().contains("Pull complete"), "the layers were downloaded: " + pull.out());
    assertTrue(pull.out().contains("Status: Downloaded newer image for " + pushed), pull.out());
    assertTrue(pull.out().strip().endsWith(pushed), pull.out());

    String images = ok("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
    assertTrue(images.contains(pushed + " "), images);
    JsonNode inspect = json(ok("image", "inspect", pushed)).get(0);
    assertTrue(inspect.get("Id").asText().startsWith("sha256:"), inspect.toString());
    assertEquals("registry", inspect.at("/Config/Labels/origin").asText());
    assertEquals(List.of(pushed), List.of(inspect.get("RepoTags").get(0).asText()));
    assertTrue(inspect.get("RepoDigests").get(0).asText().startsWith(registry.host() + "/test/bb@sha256:"), inspect.toString());
    String history = ok("history", "--format", "{{.CreatedBy}}", pushed);
    assertEquals("motd\nbusybox\n", history, "newest first");

    Result run = docker("run", "--rm", pushed);
    assertEquals(0, run.code(), run::toString);
    assertEquals("hi from the registry\n", run.out(), "the image's Cmd and Env");

    ok("tag", pushed, "mine:v1");
    assertTrue(ok("images", "--format", "{{.Repository}}:{{.Tag}}").contains("mine:v1"));
    assertEquals("Untagged: mine:v1\n", ok("rmi", "mine:v1"), "a second name goes alone");
    Result rmi = docker("rmi", pushed);
    assertEquals(0, rmi.code(), rmi::toString);
    assertTrue(rmi.out().contains("Untagged: " + pushed) && rmi.out().contains("Deleted: sha256:"), rmi.out());
    assertFalse(ok("images", "--format", "{{.Repository}}").contains("test/bb"));
    Result gone = docker("image", "inspect", pushed);
    assertEquals(1, gone.code());
    assertTrue(gone.err().contains("No such image"), gone.err());

    // run of an image that is not here: create says 404, the CLI pulls and creates again
    Result pulled = docker("run", "--rm", pushed);
    assertEquals(0, pulled.code(), pulled::toString);
    assertTrue(pulled.err().contains("Unable to find image '" + pushed + "' locally"), pulled.err());
    assertEquals("hi from the registry\n", pulled.out());
    ok("rmi", pushed);
  }

  // ---- run ----

  @Test
  void runRmPropagatesTheExitCodeAndRemovesTheContainer() throws Exception {
    Result r = docker("run", "--rm", "--name", "rm1", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertEquals(3, r.code(), r::toString);
    assertEquals("out\n", r.out());
    assertEquals("err\n", r.err());
    Result gone = docker("inspect", "rm1");
    assertEquals(1, gone.code(), "run --rm returns once the container is removed");
    assertTrue(gone.err().contains("No such object: rm1"), gone.err());
    Result input = dockerIn("from stdin\n", "run", "--rm", "-i", "busybox", "cat");
    assertEquals("from stdin\n", input.out(), input::toString);
  }

  @Test
  void detachedContainerLogsStopAndRemove() throws Exception {
    // --init: tini is PID 1 and passes SIGTERM on (a PID 1 without a handler would ignore it).
    String id = ok("run", "-d", "--init", "--name", "logs1", "busybox", "sh", "-c",
        "for i in 1 2 3 4 5; do echo line $i; done; echo to-err >&2; exec sleep 1000").trim();
    assertTrue(id.matches("[0-9a-f]{64}"), id);
    eventually("the output", () -> docker("logs", "logs1").out().contains("line 5"));
    Result logs = docker("logs", "logs1");
    assertEquals("line 1\nline 2\nline 3\nline 4\nline 5\n", logs.out());
    assertEquals("to-err\n", logs.err(), "stderr stays stderr (the framing without a tty)");
    Result tail = docker("logs", "--tail", "2", "logs1");
    assertEquals("line 5\n", tail.out());
    assertEquals("to-err\n", tail.err());
    assertTrue(docker("logs", "-t", "--tail", "1", "logs1").err().matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z to-err\n"));
    String before = ok("inspect", "-f", "{{.State.Status}} {{.State.Running}}", "logs1");
    assertEquals("running true\n", before);

    assertEquals("logs1\n", ok("stop", "-t", "5", "logs1"));
    assertEquals("exited 143\n", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "logs1"), "sleep died of SIGTERM");
    assertEquals("143\n", ok("wait", "logs1"));
    assertEquals("logs1\n", ok("rm", "logs1"));
    assertEquals("", ok("ps", "-aq", "--filter", "name=logs1"));

    // follow: the stream ends when the container does
    ok("run", "-d", "--name", "follow1", "busybox", "sh", "-c", "echo a; sleep 1; echo b");
    Result follow = docker("logs", "-f", "follow1");
    assertEquals("a\nb\n", follow.out(), follow::toString);
    ok("rm", "follow1");
  }

  @Test
  void createThenStartAttachedAndWait() throws Exception {
    ok("create", "--name", "cr1", "busybox", "sh", "-c", "echo hi; exit 2");
    assertTrue(ok("ps", "-a", "--filter", "name=cr1", "--format", "{{.Status}}").startsWith("Created"));
    Result start = docker("start", "-a", "cr1");
    assertEquals(2, start.code(), start::toString);
    assertEquals("hi\n", start.out(), "attached before the start: nothing is lost");
    assertEquals("2\n", ok("wait", "cr1"));
    assertTrue(ok("ps", "-a", "--filter", "name=cr1", "--format", "{{.Status}}").startsWith("Exited (2)"));
    ok("rm", "cr1");

    // attach to a running container: its output from then on, and its exit code at the end
    ok("run", "-d", "--name", "at1", "busybox", "sh", "-c", "sleep 1; echo late; echo late-err >&2; exit 6");
    Result attach = docker("attach", "at1");
    assertEquals(6, attach.code(), attach::toString);
    assertEquals("late\n", attach.out());
    assertEquals("late-err\n", attach.err());
    ok("rm", "at1");
  }

  /**
   * Attached clients wait on their shims for as long as the containers run: more of them than
   * the machine has CPUs must not hold up the daemon (they once held every carrier thread of its
   * virtual threads, and the daemon stopped answering).
   */
  @Test
  void manyAttachedClientsDoNotHoldUpTheDaemon() throws Exception {
    int n = Runtime.getRuntime().availableProcessors() + 2;
    List<Process> attached = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ok("run", "-d", "--name", "many" + i, "busybox", "sleep", "1000");
        ProcessBuilder pb = new ProcessBuilder("docker", "attach", "--sig-proxy=false", "many" + i)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env());
        attached.add(pb.start());
      }
      Thread.sleep(500);
      long t0 = System.nanoTime();
      assertEquals("OK", curl("-m", "10", "http://d/_ping").out());
      assertTrue(ok("ps", "-q", "--filter", "name=many").lines().count() == n);
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "the daemon answers at once");
      for (Process p : attached) {
        assertTrue(p.isAlive(), "still attached");
      }
      ok("kill", "many0");
      assertTrue(attached.get(0).waitFor(10, TimeUnit.SECONDS), "an attached client ends with its container");
      assertEquals(137, attached.get(0).exitValue());
    } finally {
      for (int i = 0; i < n; i++) {
        docker("rm", "-f", "many" + i); // the attached clients end with their containers
      }
      for (Process p : attached) {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void environmentNameBindsAndNamedVolumes() throws Exception {
    assertEquals("1-two\n", ok("run", "--rm", "-e", "A=1", "-e", "B=two", "busybox", "sh", "-c", "echo $A-$B"));
    Path bind = Files.createDirectories(base.resolve("bind"));
    Files.writeString(bind.resolve("f"), "from the host\n");
    assertEquals("from the host\n", ok("run", "--rm", "-v", bind + ":/in", "busybox", "cat", "/in/f"));
    ok("run", "--rm", "-v", bind + ":/in", "busybox", "sh", "-c", "echo back > /in/g");
    assertEquals("back\n", Files.readString(bind.resolve("g")));
    Result ro = docker("run", "--rm", "-v", bind + ":/in:ro", "busybox", "touch", "/in/h");
    assertNotEquals(0, ro.code(), "a read-only bind");

    assertEquals("vt1\n", ok("volume", "create", "vt1"));
    ok("run", "--rm", "-v", "vt1:/data", "busybox", "sh", "-c", "echo kept > /data/k");
    assertEquals("kept\n", ok("run", "--rm", "--mount", "type=volume,source=vt1,target=/d", "busybox", "cat", "/d/k"));
    assertTrue(ok("volume", "ls", "--format", "{{.Name}} {{.Driver}}").contains("vt1 local"));
    JsonNode v = json(ok("volume", "inspect", "vt1")).get(0);
    assertTrue(Files.isRegularFile(Path.of(v.get("Mountpoint").asText()).resolve("k")), v.toString());
    ok("create", "--name", "vuse", "-v", "vt1:/d", "busybox", "true");
    Result inUse = docker("volume", "rm", "vt1");
    assertEquals(1, inUse.code());
    assertTrue(inUse.err().contains("volume is in use"), inUse.err());
    ok("rm", "vuse");
    assertEquals("vt1\n", ok("volume", "rm", "vt1"));
    assertFalse(ok("volume", "ls", "-q").contains("vt1"));
    Result missing = docker("volume", "rm", "vt1");
    assertTrue(missing.code() != 0 && missing.err().contains("no such volume"), missing::toString);
  }

  @Test
  void runOptionsReachTheContainer() throws Exception {
    Result r = docker("run", "--rm", "--hostname", "hh", "-w", "/tmp", "-u", "nobody", "--read-only", "--tmpfs", "/run",
        "--ulimit", "nofile=100:200", "--init", "--network", "none", "--memory", "64m", "--pids-limit", "20",
        "--cap-drop", "ALL", "--entrypoint", "sh", "busybox", "-c",
        "hostname; pwd; whoami; touch /x 2>/dev/null || echo read-only; touch /run/ok && echo tmpfs;"
            + " ulimit -n; cat /proc/1/comm; ls /sys/class/net; grep CapEff /proc/self/status;"
            + " cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max");
    assertEquals(0, r.code(), r::toString);
    assertEquals("hh\n/tmp\nnobody\nread-only\ntmpfs\n100\ninit\nlo\nCapEff:\t0000000000000000\n67108864\n20\n", r.out());
    String host = Files.readString(Path.of("/proc/sys/kernel/hostname"));
    assertEquals(host, ok("run", "--rm", "--network", "host", "busybox", "hostname"));
    assertEquals("bridge\nhost\nnone\n", ok("network", "ls", "--format", "{{.Name}}"));

    ok("create", "--name", "opts1", "--stop-signal", "SIGUSR1", "--stop-timeout", "7", "--restart", "on-failure:2",
        "--log-opt", "max-size=1m", "--log-opt", "max-file=2", "-l", "a=b", "--expose", "8080", "busybox", "true");
    JsonNode c = json(ok("inspect", "opts1")).get(0);
    assertEquals("SIGUSR1", c.at("/Config/StopSignal").asText());
    assertEquals(7, c.at("/Config/StopTimeout").asInt());
    assertEquals("on-failure", c.at("/HostConfig/RestartPolicy/Name").asText());
    assertEquals(2, c.at("/HostConfig/RestartPolicy/MaximumRetryCount").asInt());
    assertEquals("1048576", c.at("/HostConfig/LogConfig/Config/max-size").asText());
    assertEquals("b", c.at("/Config/Labels/a").asText());
    assertTrue(c.at("/Config/ExposedPorts").has("8080/tcp"), c.toString());
    ok("rm", "opts1");
  }

  // ---- ps, inspect ----

  @Test
  void psWithFiltersAndInspect() throws Exception {
    String web = ok("run", "-d", "--name", "ps1", "--label", "tier=web", "busybox", "sleep", "1000").trim();
    ok("run", "-d", "--name", "ps2", "--label", "tier=db", "busybox", "sleep", "1000");
    ok("run", "--name", "ps3", "busybox", "true");
    String running = ok("ps", "--format", "{{.Names}}");
    assertTrue(running.contains("ps1") && running.contains("ps2") && !running.contains("ps3"), running);
    assertTrue(ok("ps", "-a", "--format", "{{.Names}}").contains("ps3"));
    List<String> quiet = ok("ps", "-q", "--filter", "name=ps").lines().toList();
    assertEquals(2, quiet.size(), quiet.toString());
    assertTrue(quiet.contains(web.substring(0, 12)), quiet.toString());
    assertEquals("ps1\n", ok("ps", "--filter", "label=tier=web", "--format", "{{.Names}}"));
    assertEquals("ps3\n", ok("ps", "-a", "--filter", "status=exited", "--filter", "name=ps3", "--format", "{{.Names}}"));
    assertEquals("ps2\n", ok("ps", "--filter", "ancestor=busybox", "--filter", "label=tier=db", "--format", "{{.Names}}"));
    Result badFilter = docker("ps", "--filter", "colour=red");
    assertEquals(1, badFilter.code());
    assertTrue(badFilter.err().contains("invalid filter 'colour'"), badFilter.err());

    JsonNode ps1 = json(ok("inspect", "ps1")).get(0);
    assertEquals(web, ps1.get("Id").asText());
    assertEquals("/ps1", ps1.get("Name").asText());
    assertEquals("web", ps1.at("/Config/Labels/tier").asText());
    assertEquals("busybox", ps1.at("/Config/Image").asText());
    assertEquals("sleep", ps1.get("Path").asText());
    assertEquals("1000", ps1.get("Args").get(0).asText());
    assertTrue(ps1.at("/State/Running").asBoolean());
    int pid = ps1.at("/State/Pid").asInt();
    assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("sleep"), "State.Pid is the process");
    assertEquals("bridge", ps1.at("/HostConfig/NetworkMode").asText());
    assertEquals("0\n", ok("inspect", "-f", "{{.State.ExitCode}}", "ps3"));
    ok("rm", "-f", "ps1", "ps2", "ps3");
  }

  // ---- exec ----

  @Test
  void execWithAndWithoutATerminal() throws Exception {
    ok("run", "-d", "--name", "ex1", "-e", "WHO=env", "busybox", "sleep", "1000");
    Result r = docker("exec", "ex1", "sh", "-c", "echo $((6*7)) $WHO; echo e >&2; exit 4");
    assertEquals(4, r.code(), r::toString);
    assertEquals("42 env\n", r.out());
    assertEquals("e\n", r.err());
    assertEquals("piped\n", dockerIn("piped\n", "exec", "-i", "ex1", "cat").out());
    assertEquals("/tmp nobody\n", ok("exec", "-w", "/tmp", "-u", "nobody", "ex1", "sh", "-c", "echo $(pwd) $(whoami)"));
    Result missing = docker("exec", "ex1", "nosuchcommand");
    assertEquals(127, missing.code(), missing::toString);
    assertEquals("", ok("exec", "-d", "ex1", "touch", "/tmp/detached"));
    eventually("the detached exec", () -> docker("exec", "ex1", "test", "-f", "/tmp/detached").code() == 0);

    String dockerHost = "DOCKER_HOST=unix://" + dockerSocket;
    String dockerConfig = "DOCKER_CONFIG=" + base.resolve("docker-config");
    Pty.Session tty = Pty.run(scratch, List.of("/usr/bin/env", dockerHost, dockerConfig, "docker", "exec", "-it", "ex1", "sh"),
        "expect:# ", "send:tty; echo in-$((6*7))\\r", "expect:in-42", "send:exit 7\\r");
    assertEquals(7, tty.code(), tty.transcript() + tty.error());
    assertTrue(tty.transcript().contains("/dev/pts/"), "a terminal: " + tty.transcript());

    Pty.Session run = Pty.run(scratch, List.of("/usr/bin/env", dockerHost, dockerConfig, "docker", "run", "-it", "--rm",
        "--name", "tty1", "busybox", "sh"), "expect:# ", "send:tty && echo in-run\\r", "expect:in-run", "send:exit 5\\r");
    assertEquals(5, run.code(), run.transcript() + run.error());
    ok("rm", "-f", "ex1");

    // ctrl-p ctrl-q leaves the container running; attach finds its shell again
    Pty.Session detach = Pty.run(scratch, List.of("/usr/bin/env", dockerHost, dockerConfig, "docker", "run", "-it",
        "--name", "dt1", "busybox", "sh"), "expect:# ", "send:\\x10\\x11");
    assertEquals(0, detach.code(), detach.transcript() + detach.error());
    assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "dt1"), "detached, not ended");
    Pty.Session back = Pty.run(scratch, List.of("/usr/bin/env", dockerHost, dockerConfig, "docker", "attach", "dt1"),
        "sleep:0.3", "send:echo back-$((1+1))\r", "expect:back-2", "send:exit 3\r");
    assertEquals(3, back.code(), back.transcript() + back.error());
    ok("rm", "dt1");

    // a terminal's output is one raw stream, in the log too
    ok("run", "-d", "-t", "--name", "tty2", "busybox", "sh", "-c", "echo on-tty; echo err-on-tty >&2");
    assertEquals("0\n", ok("wait", "tty2"));
    Result logs = docker("logs", "tty2");
    assertEquals("on-tty\r\nerr-on-tty\r\n", logs.out(), logs::toString);
    ok("rm", "tty2");
  }

  // ---- cp ----

  @Test
  void copyBothWaysAndIntoAStoppedContainer() throws Exception {
    ok("run", "-d", "--name", "cp1", "busybox", "sleep", "1000");
    Path src = Files.createDirectories(base.resolve("cpsrc/tree/sub"));
    Files.writeString(src.resolve("b.txt"), "deep\n");
    Files.writeString(base.resolve("cpsrc/tree/a.txt"), "top\n");
    ok("cp", base.resolve("cpsrc/tree").toString(), "cp1:/tmp/");
    assertEquals("deep\n", ok("exec", "cp1", "cat", "/tmp/tree/sub/b.txt"));
    ok("cp", "cp1:/etc/passwd", base.resolve("passwd").toString());
    assertTrue(Files.readString(base.resolve("passwd")).startsWith("root:x:0:0"));
    ok("cp", "cp1:/tmp/tree", base.resolve("back").toString());
    assertEquals("top\n", Files.readString(base.resolve("back/a.txt")));
    assertEquals("deep\n", Files.readString(base.resolve("back/sub/b.txt")));
    Result missing = docker("cp", "cp1:/nope", base.resolve("x").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("Could not find the file /nope in container cp1"), missing.err());

    ok("stop", "-t", "1", "cp1");
    Files.writeString(base.resolve("later.txt"), "while stopped\n");
    ok("cp", base.resolve("later.txt").toString(), "cp1:/tmp/later.txt");
    ok("start", "cp1");
    assertEquals("while stopped\n", ok("exec", "cp1", "cat", "/tmp/later.txt"));
    ok("rm", "-f", "cp1");
  }

  // ---- the life cycle ----

  @Test
  void pauseRenameTopStatsRestartAndKill() throws Exception {
    ok("run", "-d", "--name", "life1", "busybox", "sleep", "1000");
    ok("pause", "life1");
    assertEquals("paused\n", ok("inspect", "-f", "{{.State.Status}}", "life1"));
    assertTrue(ok("ps", "--filter", "name=life1", "--format", "{{.Status}}").contains("(Paused)"));
    ok("unpause", "life1");
    assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "life1"));

    String top = ok("top", "life1");
    assertTrue(top.startsWith("UID") && top.contains("PID") && top.contains("sleep 1000"), top);
    String stats = ok("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.MemUsage}}", "life1");
    assertTrue(stats.matches("life1 1 [0-9.]+[KMG]?i?B / [0-9.]+[KMGT]iB\n"), stats);
    // The docker CLI sums the API's networks and blkio entries: pinging the gateway shows in NET I/O.
    ok("exec", "life1", "sh", "-c", "ping -c 3 -W 1 $(ip route | awk '/default/ {print $3}')");
    String io = ok("stats", "--no-stream", "--format", "{{.NetIO}}|{{.BlockIO}}", "life1");
    assertTrue(io.matches("[0-9.]+[kMG]?B / [0-9.]+[kMG]?B\\|[0-9.]+[kMG]?B / [0-9.]+[kMG]?B\n"), io);
    assertFalse(io.startsWith("0B / ") || io.contains(" / 0B|"), "packets both ways: " + io);

    ok("rename", "life1", "life2");
    assertEquals(1, docker("inspect", "life1").code());
    String pid = ok("inspect", "-f", "{{.State.Pid}}", "life2");
    ok("restart", "-t", "1", "life2");
    assertEquals("running\n", ok("inspect", "-f", "{{.State.Status}}", "life2"));
    assertNotEquals(pid, ok("inspect", "-f", "{{.State.Pid}}", "life2"), "a new process");

    ok("kill", "-s", "KILL", "life2");
    assertEquals("exited 137\n", ok("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "life2"));
    Result again = docker("kill", "life2");
    assertEquals(1, again.code());
    assertTrue(again.err().contains("is not running"), again.err());
    ok("rm", "life2");
  }

  @Test
  void healthChecksRestartPoliciesStatsAndPrune() throws Exception {
    ok("run", "-d", "--name", "h1", "--health-cmd", "test -f /tmp/ok", "--health-interval", "200ms", "--health-retries", "1",
        "busybox", "sh", "-c", "touch /tmp/ok; exec sleep 1000");
    eventually("healthy", () -> ok("inspect", "-f", "{{.State.Health.Status}}", "h1").equals("healthy\n"));
    assertTrue(ok("ps", "--filter", "name=h1", "--format", "{{.Status}}").contains("(healthy)"));
    ok("exec", "h1", "rm", "/tmp/ok");
    eventually("unhealthy", () -> ok("inspect", "-f", "{{.State.Health.Status}}", "h1").equals("unhealthy\n"));

    // stats streamed: a sample a second, each with the one before as precpu_stats
    Result stream = curl("-m", "2.5", "http://d/v1.47/containers/h1/stats");
    List<String> samples = stream.out().lines().toList();
    assertTrue(samples.size() >= 2, stream::toString);
    JsonNode second = json(samples.get(1));
    assertTrue(second.at("/cpu_stats/system_cpu_usage").asLong() > second.at("/precpu_stats/system_cpu_usage").asLong());
    assertTrue(second.at("/memory_stats/usage").asLong() > 0, second.toString());
    assertEquals(1, second.at("/pids_stats/current").asInt());
    ok("rm", "-f", "h1");

    ok("run", "-d", "--name", "rp1", "--restart", "always", "busybox", "sh", "-c", "sleep 0.3; exit 1");
    eventually("a restart by the policy", () -> Integer.parseInt(ok("inspect", "-f", "{{.RestartCount}}", "rp1").trim()) >= 1);
    assertEquals("always\n", ok("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "rp1"));
    ok("rm", "-f", "rp1");

    String stopped = ok("create", "--name", "pr1", "busybox", "true").trim();
    ok("volume", "create", "named1");
    ok("run", "--name", "anon1", "-v", "/scratch", "busybox", "true");
    String anon = json(ok("inspect", "anon1")).get(0).at("/Mounts/0/Name").asText();
    assertTrue(ok("volume", "ls", "-q").contains(anon), "an anonymous volume");
    String pruned = ok("container", "prune", "-f");
    assertTrue(pruned.contains(stopped), pruned);
    assertEquals(1, docker("inspect", "anon1").code(), "the exited anon1 is pruned too");
    String volumes = ok("volume", "prune", "-f");
    assertTrue(volumes.contains(anon) && !volumes.contains("named1"), "only anonymous volumes without -a: " + volumes);
    assertTrue(ok("volume", "prune", "-a", "-f").contains("named1"));
    String df = ok("system", "df");
    assertTrue(df.startsWith("TYPE") && df.contains("Images") && df.contains("Local Volumes"), df);
  }

  @Test
  void eventsOfABoundedPeriod() throws Exception {
    Instant since = Instant.now().minusMillis(10);
    ok("run", "--rm", "--name", "ev1", "busybox", "true");
    Instant until = Instant.now().plusMillis(500);
    Result events = docker("events", "--since", seconds(since), "--until", seconds(until),
        "--filter", "container=ev1", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");
    assertEquals(0, events.code(), events::toString);
    List<String> lines = events.out().lines().toList();
    assertTrue(lines.containsAll(List.of("container create ev1", "container start ev1", "container die ev1",
        "container destroy ev1")), lines.toString());
    assertEquals("", docker("events", "--since", seconds(since.minusSeconds(3600)), "--until", seconds(since.minusSeconds(3000))).out(),
        "nothing happened an hour ago");
  }

  static String seconds(Instant i) {
    return i.getEpochSecond() + "." + String.format("%09d", i.getNano());
  }

  // ---- bad input ----

  @Test
  void badInputGetsClearErrorsAndTheDaemonGoesOn() throws Exception {
    String before = ok("ps", "-aq");
    Result unreachable = docker("run", "--rm", "127.0.0.1:1/nope:latest", "true");
    assertEquals(125, unreachable.code(), unreachable::toString);
    assertTrue(unreachable.err().contains("127.0.0.1:1/nope:latest") && unreachable.err().contains("pulling it failed"),
        unreachable.err());
    assertEquals("", ok("ps", "-aq", "--filter", "ancestor=127.0.0.1:1/nope:latest"));

    Result malformed = curl("-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"Image\": \"busybox\",",
        "-w", "\n%{http_code}", "http://d/v1.47/containers/create");
    assertTrue(malformed.out().endsWith("\n400"), malformed::toString);
    assertTrue(json(malformed.out().lines().findFirst().orElseThrow()).get("message").asText().startsWith("invalid JSON"),
        malformed.out());
    assertEquals("OK", curl("http://d/_ping").out(), "the daemon still answers");
    Result old = curl("-w", "\n%{http_code}", "http://d/v1.12/info");
    assertTrue(old.out().contains("client version 1.12 is too old") && old.out().endsWith("\n400"), old::toString);
    Result nowhere = curl("-w", "\n%{http_code}", "http://d/v1.47/no/such/path");
    assertEquals("{\"message\":\"page not found\"}\n404", nowhere.out());
    Result ping = curl("-I", "http://d/_ping");
    assertTrue(ping.out().contains("Api-Version: 1.47") && ping.out().contains("Ostype: linux"), ping.out());
    assertEquals(1, ping.out().toLowerCase(java.util.Locale.ROOT).split("api-version:", -1).length - 1, "once: " + ping.out());

    Result noSuch = docker("rm", "nosuch");
    assertEquals(1, noSuch.code());
    assertTrue(noSuch.err().contains("No such container: nosuch"), noSuch.err());
    Result network = docker("run", "--rm", "--network", "nosuchnet", "busybox", "true");
    assertEquals(125, network.code());
    assertTrue(network.err().contains("network nosuchnet not found"), network.err());
    assertFalse(network.err().contains("Unable to find image"), "no pull for a bad option: " + network.err());
    try (java.net.ServerSocket held = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      Result ports = docker("run", "--rm", "-p", "127.0.0.1:" + held.getLocalPort() + ":80", "busybox", "true");
      assertTrue(ports.code() == 125 && ports.err().contains("in use on the host"), ports::toString);
    }
    Result badPort = docker("run", "--rm", "-p", "80:99999", "busybox", "true");
    assertEquals(125, badPort.code(), badPort::toString);
    Result command = docker("run", "--rm", "busybox", "nosuchcommand");
    assertEquals(127, command.code(), command::toString);
    Path ctx = Files.createDirectories(base.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n");
    Result build = docker("build", ctx.toString());
    assertEquals(1, build.code());
    assertTrue(build.err().contains("building images is not supported"), build.err());
    assertEquals(before, ok("ps", "-aq"), "nothing was left behind by the failures");
    assertEquals("OK", curl("http://d/_ping").out());
  }

  // ---- networks, published ports, names; docker-compose ----

  static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** An HTTP GET on 127.0.0.1; the body. */
  static String httpGet(int port, String path) throws IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int body = reply.indexOf("\r\n\r\n");
      return body < 0 ? reply : reply.substring(body + 4);
    }
  }

  @Test
  void networksPublishedPortsAndNamesThroughTheDockerCli() throws Exception {
    long since = Instant.now().getEpochSecond() - 1;
    ok("network", "create", "--subnet", "10.78.241.0/24", "--label", "purpose=docker-test", "dnet1");
    try {
      assertEquals("dnet1\n", ok("network", "ls", "--filter", "label=purpose=docker-test", "--format", "{{.Name}}"));
      assertEquals("10.78.241.0/24\n", ok("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "dnet1"));
      int port = freePort();
      ok("run", "-d", "--name", "dn-web", "--network", "dnet1", "--network-alias", "www", "-p",
          "127.0.0.1:" + port + ":80", "busybox", "sh", "-c", "mkdir /w && echo hi-docker > /w/i && exec httpd -f -p 80 -h /w");
      eventually("the published port answers", () -> {
        try {
          return httpGet(port, "/i").equals("hi-docker\n");
        } catch (IOException e) {
          return false;
        }
      });
      assertEquals("80/tcp -> 127.0.0.1:" + port + "\n", ok("port", "dn-web"));
      assertEquals("hi-docker\nhi-docker\n", ok("run", "--rm", "--network", "dnet1", "busybox", "sh", "-c",
          "wget -qO- http://www/i && wget -qO- http://dn-web/i"));
      assertEquals("dn-web\n", ok("ps", "--filter", "network=dnet1", "--format", "{{.Names}}"));
      String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.dnet1.IPAddress}}", "dn-web").strip();
      assertTrue(ip.startsWith("10.78.241."), ip);
      assertTrue(ok("network", "inspect", "-f", "{{json .Containers}}", "dnet1").contains("\"Name\":\"dn-web\""));
      ok("network", "connect", "bridge", "dn-web");
      assertTrue(ok("exec", "dn-web", "ip", "-4", "-o", "addr").contains("eth1"));
      ok("network", "disconnect", "bridge", "dn-web");
      assertFalse(ok("exec", "dn-web", "ip", "-4", "-o", "addr").contains("eth1"));
      Result busy = docker("network", "rm", "dnet1");
      assertNotEquals(0, busy.code());
      assertTrue(busy.err().contains("active endpoints"), busy.toString());
      Result predefined = docker("network", "rm", "bridge");
      assertNotEquals(0, predefined.code());
      assertTrue(predefined.err().contains("pre-defined"), predefined.toString());
      ok("rm", "-f", "dn-web");
    } finally {
      docker("rm", "-f", "dn-web");
      docker("network", "rm", "dnet1");
    }
    assertFalse(ok("network", "ls", "--format", "{{.Name}}").contains("dnet1"));
    String events = ok("events", "--since", Long.toString(since), "--until", Long.toString(Instant.now().getEpochSecond() + 1),
        "--filter", "type=network", "--filter", "network=dnet1", "--format", "{{.Action}}");
    assertEquals(List.of("create", "connect", "disconnect", "destroy"),
        events.lines().distinct().toList(), events);
  }

  static Result compose(Path file, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("docker-compose", "-f", file.toString(), "-p", "bt"));
    cmd.addAll(List.of(args));
    return run(cmd, "");
  }

  /**
   * docker-compose (Debian's) brings up a web server and a client on a network of the project's,
   * with a named volume and a published port; ps and logs show them; down -v leaves nothing.
   */
  @Test
  void dockerComposeUpPsLogsAndDown() throws Exception {
    int port = freePort();
    Path file = Files.createDirectories(base.resolve("compose")).resolve("docker-compose.yml");
    Files.writeString(file, """
        version: "3.8"
        services:
          web:
            image: localhost/busybox:latest
            command: ["sh", "-c", "echo compose-hi > /data/index.html && exec httpd -f -p 80 -h /data"]
            stop_signal: SIGKILL
            volumes:
              - webdata:/data
            ports:
              - "127.0.0.1:%d:80"
            networks: [front]
          client:
            image: localhost/busybox:latest
            command: ["sh", "-c", "until wget -qO- http://web/index.html; do sleep 0.2; done; exec sleep 600"]
            stop_signal: SIGKILL
            depends_on: [web]
            networks: [front]
        volumes:
          webdata: {}
        networks:
          front: {}
        """.formatted(port));
    try {
      Result up = compose(file, "up", "-d");
      assertEquals(0, up.code(), up.toString());
      eventually("the client reached the web server by its service name",
          () -> compose(file, "logs", "client").out().contains("compose-hi"));
      assertEquals("compose-hi\n", httpGet(port, "/index.html"));
      String ps = compose(file, "ps").out();
      assertTrue(ps.contains("bt_web_1") && ps.contains("bt_client_1") && ps.contains("127.0.0.1:" + port + "->80/tcp"), ps);
      assertTrue(ok("network", "ls", "--format", "{{.Name}}").contains("bt_front"));
      assertTrue(ok("volume", "ls", "--format", "{{.Name}}").contains("bt_webdata"));
    } finally {
      Result down = compose(file, "down", "-v");
      assertEquals(0, down.code(), down.toString());
    }
    assertEquals("", ok("ps", "-aq", "--filter", "label=com.docker.compose.project=bt"));
    assertFalse(ok("network", "ls", "--format", "{{.Name}}").contains("bt_front"));
    assertFalse(ok("volume", "ls", "--format", "{{.Name}}").contains("bt_webdata"));
  }

  // ---- save, load, push, login ----

  @Test
  void saveRmiLoadAndRunThenSaveTwoThroughAPipeAndRefuseBadArchives() throws Exception {
    ok("pull", pushed);
    String id = json(ok("image", "inspect", pushed)).get(0).get("Id").asText();
    Path file = scratch.resolve("saved.tar");
    try {
      Result save = docker("save", pushed, "-o", file.toString());
      assertEquals(0, save.code(), save::toString);
      List<String> members = run(List.of("tar", "tf", file.toString()), "").out().lines().toList();
      assertTrue(members.contains("manifest.json") && members.contains("repositories")
          && members.contains(id.substring(7) + ".json"), members.toString());
      assertEquals(2, members.stream().filter(m -> m.endsWith("/layer.tar")).count(), members.toString());
      JsonNode manifest = json(run(List.of("tar", "xOf", file.toString(), "manifest.json"), "").out());
      assertEquals(pushed, manifest.get(0).get("RepoTags").get(0).asText(), manifest.toString());

      Result rmi = docker("rmi", pushed);
      assertTrue(rmi.out().contains("Deleted: " + id), rmi::toString);
      assertEquals(1, docker("image", "inspect", pushed).code(), "gone before the load");
      Result load = docker("load", "-i", file.toString());
      assertEquals(0, load.code(), load::toString);
      assertEquals("Loaded image: " + pushed + "\n", load.out());
      assertEquals(id, json(ok("image", "inspect", pushed)).get(0).get("Id").asText(), "the same image ID");
      Result run = docker("run", "--rm", pushed);
      assertEquals(0, run.code(), run::toString);
      assertEquals("hi from the registry\n", run.out(), "the loaded image's layers and config");

      // two images through a pipe, as "docker save a b | docker load" is typed
      Result piped = run(List.of("sh", "-c", "docker save " + pushed + " localhost/busybox:latest | docker load"), "");
      assertEquals(0, piped.code(), piped::toString);
      assertTrue(piped.out().contains("Loaded image: " + pushed + "\n")
          && piped.out().contains("Loaded image: localhost/busybox:latest\n"), piped.out());
      // by ID: no name in the archive, and Docker's line for an image without one
      Result byId = run(List.of("sh", "-c", "docker save " + id.substring(7, 19) + " | docker load"), "");
      assertEquals("Loaded image ID: " + id + "\n", byId.out(), byId::toString);
      Result missing = docker("save", "no-such-image:1", "-o", scratch.resolve("none.tar").toString());
      assertNotEquals(0, missing.code());
      assertTrue(missing.err().contains("No such image: no-such-image:1"), missing.err());
      assertFalse(Files.exists(scratch.resolve("none.tar")), "no file for a failed save");

      // bad archives: a clear error, no image, and the daemon goes on
      int images = ok("images", "-q", "--no-trunc").lines().toList().size();
      Path truncated = scratch.resolve("truncated.tar");
      Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(file), (int) Files.size(file) / 2));
      Result cut = docker("load", "-i", truncated.toString());
      assertNotEquals(0, cut.code(), cut::toString);
      assertTrue(cut.err().contains("Truncated TAR archive") || cut.err().contains("truncated"), cut.err());
      Path hostile = scratch.resolve("hostile.tar");
      try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(hostile))) {
        for (String name : List.of("../../escaped", "manifest.json")) {
          byte[] content = name.equals("manifest.json") ? "[]".getBytes(StandardCharsets.UTF_8) : new byte[] {'x'};
          var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name, true);
          entry.setSize(content.length);
          tar.putArchiveEntry(entry);
          tar.write(content);
          tar.closeArchiveEntry();
        }
      }
      Result escape = docker("load", "-i", hostile.toString());
      assertNotEquals(0, escape.code(), escape::toString);
      assertTrue(escape.err().contains("\"../../escaped\" points outside the archive"), escape.err());
      Result junk = dockerIn("this is not a tar archive, not even close", "load");
      assertNotEquals(0, junk.code(), junk::toString);
      assertTrue(junk.err().contains("is it an image archive?") || junk.err().contains("not a readable tar"), junk.err());
      assertEquals(images, ok("images", "-q", "--no-trunc").lines().toList().size(), "no image from a bad archive");
      assertEquals("200", curl("-o", "/dev/null", "-w", "%{http_code}", "http://d/_ping").out());
    } finally {
      docker("rmi", pushed);
    }
  }

  /** exec -d: the exec's inspect shows it running, then its exit code, as the shim recorded it. */
  @Test
  void aDetachedExecReportsItsExitCode() throws Exception {
    String ctr = ok("run", "-d", "busybox", "sleep", "120").trim();
    try {
      JsonNode created = json(curl("-X", "POST", "-H", "Content-Type: application/json",
          "-d", "{\"Cmd\":[\"sh\",\"-c\",\"sleep 1; exit 5\"]}", "http://d/containers/" + ctr + "/exec").out());
      String exec = created.get("Id").asText();
      Result start = curl("-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"Detach\":true}",
          "-o", "/dev/null", "-w", "%{http_code}", "http://d/exec/" + exec + "/start");
      assertEquals("200", start.out(), start::toString);
      JsonNode running = json(curl("http://d/exec/" + exec + "/json").out());
      assertTrue(running.get("Running").asBoolean(), running.toString());
      assertTrue(running.get("Pid").asInt() > 0, running.toString());
      JsonNode done = running;
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (done.get("Running").asBoolean() && System.nanoTime() < deadline) {
        Thread.sleep(100);
        done = json(curl("http://d/exec/" + exec + "/json").out());
      }
      assertFalse(done.get("Running").asBoolean(), done.toString());
      assertEquals(5, done.get("ExitCode").asInt(), done.toString());
    } finally {
      docker("rm", "-f", ctr);
    }
  }

  /**
   * Bodies larger than the daemon holds in memory (64 MiB): docker load of an image archive with
   * a 70 MiB layer, and docker cp of a 70 MiB file into a container, both streamed by the docker
   * CLI (chunked) and spooled by the daemon.
   */
  @Test
  void loadAndCopyInBodiesLargerThanMemoryHolds() throws Exception {
    byte[] block = new byte[1 << 20];
    new java.util.Random(11).nextBytes(block);
    Path big = scratch.resolve("big.bin");
    try (var out = Files.newOutputStream(big)) {
      for (int i = 0; i < 70; i++) {
        block[0] = (byte) i; // no two MiB alike
        out.write(block);
      }
    }
    // A docker-archive by hand: one layer holding big.bin, its config, the manifest.
    Path layer = scratch.resolve("layer.tar");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(layer))) {
      tar.setBigNumberMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
      var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("big.bin");
      entry.setSize(Files.size(big));
      tar.putArchiveEntry(entry);
      Files.copy(big, tar);
      tar.closeArchiveEntry();
    }
    String diffId = sha256(layer);
    String arch = System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
    byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
        + "\"diff_ids\":[\"sha256:" + diffId + "\"]},\"history\":[{\"created_by\":\"a test\"}]}").getBytes(StandardCharsets.UTF_8);
    String configName = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(config)) + ".json";
    byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"bigload:1\"],\"Layers\":[\"" + diffId + "/layer.tar\"]}]")
        .getBytes(StandardCharsets.UTF_8);
    Path archive = scratch.resolve("bigload.tar");
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(archive))) {
      tar.setBigNumberMode(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String name : List.of(diffId + "/layer.tar", configName, "manifest.json")) {
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
        byte[] small = name.equals(configName) ? config : name.equals("manifest.json") ? manifest : null;
        entry.setSize(small != null ? small.length : Files.size(layer));
        tar.putArchiveEntry(entry);
        if (small != null) {
          tar.write(small);
        } else {
          Files.copy(layer, tar);
        }
        tar.closeArchiveEntry();
      }
    }
    assertTrue(Files.size(archive) > (64L << 20), "larger than the daemon's in-memory limit");
    String ctr = null;
    try {
      Result load = docker("load", "-i", archive.toString());
      assertEquals(0, load.code(), load::toString);
      assertEquals("Loaded image: bigload:1\n", load.out());
      JsonNode inspect = json(ok("image", "inspect", "bigload:1")).get(0);
      assertEquals("sha256:" + diffId, inspect.get("RootFS").get("Layers").get(0).asText());

      ctr = ok("run", "-d", "localhost/busybox:latest", "sleep", "120").trim();
      Result cp = docker("cp", big.toString(), ctr + ":/tmp/big.bin");
      assertEquals(0, cp.code(), cp::toString);
      assertEquals(sha256(big) + "  /tmp/big.bin\n", ok("exec", ctr, "sha256sum", "/tmp/big.bin"),
          "the file copied in whole");
    } finally {
      if (ctr != null) {
        docker("rm", "-f", ctr);
      }
      docker("rmi", "bigload:1");
      for (Path f : List.of(big, layer, archive)) {
        Files.deleteIfExists(f);
      }
    }
  }

  private static String sha256(Path file) throws Exception {
    java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  @Test
  void pushToTheLocalRegistryThenRmiAndPullBack() throws Exception {
    String target = registry.host() + "/pushed/bb:v1";
    ok("pull", pushed);
    ok("tag", pushed, target);
    ok("rmi", pushed); // only the name: the image stays under target
    try {
      Result push = docker("push", target);
      assertEquals(0, push.code(), push::toString);
      assertTrue(push.out().startsWith("The push refers to repository [" + registry.host() + "/pushed/bb]"), push.out());
      assertTrue(push.out().contains(": Pushed"), push.out());
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("v1: digest: (sha256:[0-9a-f]{64}) size: (\\d+)").matcher(push.out());
      assertTrue(m.find(), push.out());
      try (RegistryClient client = new RegistryClient(RegistryConfig.defaults().withAuthFiles(AuthFiles.none(base.resolve("auth.json"))))) {
        assertEquals(m.group(1), client.headManifest(ImageReference.parse(target), List.of()).orElseThrow(),
            "the registry has the manifest the push reported");
      }
      Result again = docker("push", target);
      assertEquals(0, again.code(), again::toString);
      assertTrue(again.out().contains(": Layer already exists") && !again.out().contains(": Pushed"), again.out());

      Result rmi = docker("rmi", target);
      assertTrue(rmi.out().contains("Deleted: sha256:"), rmi::toString);
      Result pull = docker("pull", target);
      assertEquals(0, pull.code(), pull::toString);
      assertTrue(pull.out().contains("Digest: " + m.group(1)), pull.out());
      Result run = docker("run", "--rm", target);
      assertEquals("hi from the registry\n", run.out(), run::toString);

      Result nowhere = docker("push", "127.0.0.1:1/nowhere/bb:v1");
      assertNotEquals(0, nowhere.code(), "no image of that name: " + nowhere);
      assertTrue(nowhere.err().contains("An image does not exist locally with the tag: 127.0.0.1:1/nowhere/bb"), nowhere.err());
      ok("tag", target, "127.0.0.1:1/nowhere/bb:v1");
      Result unreachable = docker("push", "127.0.0.1:1/nowhere/bb:v1");
      assertNotEquals(0, unreachable.code(), unreachable::toString);
      assertTrue(unreachable.err().contains("127.0.0.1:1") && unreachable.err().contains("unreachable"), unreachable.err());
    } finally {
      docker("rmi", "127.0.0.1:1/nowhere/bb:v1");
      docker("rmi", target);
    }
  }

  @Test
  void loginPushAndPullAgainstARegistryWithBasicAuth() throws Exception {
    Path dir = Files.createDirectories(base.resolve("authreg"));
    Path htpasswd = dir.resolve("htpasswd");
    io.berth.image.registry.Htpasswd.write(htpasswd, Map.of("alice", "s3cret"));
    try (LocalRegistry secured = LocalRegistry.start(dir.resolve("registry"), """
        auth:
          htpasswd:
            realm: berth-test
            path: %s
        """.formatted(htpasswd))) {
      String target = secured.host() + "/private/bb:1";
      ok("pull", pushed);
      ok("tag", pushed, target);
      try {
        Result anonymous = docker("push", target);
        assertNotEquals(0, anonymous.code(), anonymous::toString);
        assertTrue(anonymous.err().contains("401"), "the registry's refusal: " + anonymous.err());

        Result wrong = docker("login", secured.host(), "-u", "alice", "-p", "wrong");
        assertNotEquals(0, wrong.code(), wrong::toString);
        assertTrue(wrong.err().contains("login attempt to " + secured.host() + "/v2/ failed with status: 401 Unauthorized"),
            wrong.err());
        Result login = dockerIn("s3cret\n", "login", secured.host(), "-u", "alice", "--password-stdin");
        assertEquals(0, login.code(), login::toString);
        assertTrue(login.out().contains("Login Succeeded"), login.out());

        Result push = docker("push", target);
        assertEquals(0, push.code(), push::toString);
        assertTrue(push.out().contains("1: digest: sha256:"), push.out());
        ok("rmi", target);
        Result pull = docker("pull", target);
        assertEquals(0, pull.code(), pull::toString);
        assertEquals("hi from the registry\n", docker("run", "--rm", target).out());

        ok("logout", secured.host());
        ok("rmi", target);
        Result refused = docker("pull", target);
        assertNotEquals(0, refused.code(), "without the login the daemon has no credentials: " + refused);
        assertTrue(refused.err().contains("401"), refused.err());
      } finally {
        docker("rmi", target);
        docker("rmi", pushed);
        docker("logout", secured.host());
      }
    }
  }
}
