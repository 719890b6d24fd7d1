package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import com.github.dockerjava.api.model.HealthCheck;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.ToStringConsumer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.containers.wait.strategy.WaitAllStrategy;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One Testcontainers session, as a user's test JVM would hold it: started by TestcontainersTest
 * with the environment that points Testcontainers at berth serve, it runs the case its first
 * argument names against the image its second names, prints what the test checks from outside
 * as {@code KEY=VALUE} lines, and exits (0, or 1 with the failure on stderr). Its exit closes
 * the connection to Ryuk, which is what ends a session.
 */
final class TestcontainersSession {
  private TestcontainersSession() {}

  public static void main(String[] args) {
    int code = 0;
    try {
      print("session", DockerClientFactory.SESSION_ID);
      DockerImageName image = DockerImageName.parse(args[1]);
      switch (args[0]) {
        case "logs" -> logs(image);
        case "ports" -> ports(image);
        case "exec" -> exec(image);
        case "copy" -> copy(image, Path.of(args[2]));
        case "network" -> network(image);
        case "leftovers" -> leftovers(image);
        case "reuse" -> reuse(image);
        case "startup" -> startup(image);
        case "options" -> options(image, Path.of(args[2]));
        default -> throw new IllegalArgumentException("no case " + args[0]);
      }
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code); // Testcontainers' threads would keep the JVM up
  }

  static void print(String key, Object value) {
    System.out.println(key + "=" + value);
  }

  /** A container that logs, waited for by a line of its log. */
  static void logs(DockerImageName image) {
    try (GenericContainer<?> c = new GenericContainer<>(image)
        .withCommand("sh", "-c", "echo starting; sleep 0.3; echo ready to serve >&2; exec sleep 600")
        .waitingFor(Wait.forLogMessage(".*ready to serve.*\\n", 1).withStartupTimeout(Duration.ofSeconds(30)))) {
      c.start();
      print("container", c.getContainerId());
      assertTrue(c.isRunning());
      assertEquals("starting\nready to serve\n", c.getLogs(), "stdout and stderr, in order");
    }
  }

  /** httpd on an exposed port, waited for by the port and by an HTTP answer, then fetched on the mapped port. */
  static void ports(DockerImageName image) throws Exception {
    try (GenericContainer<?> web = new GenericContainer<>(image)
        .withCommand("sh", "-c", "mkdir /www && echo hello over the mapped port > /www/index.html && exec httpd -f -p 80 -h /www")
        .withExposedPorts(80)
        .waitingFor(new WaitAllStrategy()
            .withStrategy(Wait.forListeningPort())
            .withStrategy(Wait.forHttp("/index.html").forStatusCode(200))
            .withStartupTimeout(Duration.ofSeconds(30)))) {
      web.start();
      print("container", web.getContainerId());
      print("host", web.getHost());
      print("port", web.getMappedPort(80));
      HttpURLConnection http = (HttpURLConnection) URI.create(
          "http://" + web.getHost() + ":" + web.getMappedPort(80) + "/index.html").toURL().openConnection();
      assertEquals(200, http.getResponseCode());
      try (InputStream in = http.getInputStream()) {
        assertEquals("hello over the mapped port\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
  }

  /** execInContainer: stdout, stderr and the exit code apart; the user and working directory of the image. */
  static void exec(DockerImageName image) throws Exception {
    try (GenericContainer<?> c = new GenericContainer<>(image).withCommand("sleep", "600")) {
      c.start();
      print("container", c.getContainerId());
      ExecResult r = c.execInContainer("sh", "-c", "echo out; echo err >&2; exit 3");
      assertEquals(3, r.getExitCode());
      assertEquals("out\n", r.getStdout());
      assertEquals("err\n", r.getStderr());
      ExecResult id = c.execInContainer("sh", "-c", "id -u; pwd");
      assertEquals(0, id.getExitCode(), id.getStderr());
      assertEquals("0\n/\n", id.getStdout());
      ExecResult missing = c.execInContainer("cat", "/no/such/file");
      assertEquals(1, missing.getExitCode());
      assertTrue(missing.getStderr().contains("No such file"), missing.getStderr());
    }
  }

  /** Files in before the start (withCopyToContainer) and after it (copyFileToContainer), and out (copyFileFromContainer). */
  static void copy(DockerImageName image, Path hostFile) throws Exception {
    try (GenericContainer<?> c = new GenericContainer<>(image)
        .withCopyToContainer(Transferable.of("copied before the start\n", 0640), "/data/before.txt")
        .withCommand("sh", "-c", "cat /data/before.txt > /data/seen-at-start.txt; echo made inside > /data/made.txt; exec sleep 600")) {
      c.start();
      print("container", c.getContainerId());
      c.copyFileToContainer(MountableFile.forHostPath(hostFile, 0604), "/data/sub/from-host.bin");
      c.copyFileToContainer(Transferable.of(new byte[] {0, 1, 2, (byte) 255}), "/data/bytes.bin");
      ExecResult ls = c.execInContainer("sh", "-c", "cat /data/seen-at-start.txt; stat -c '%a %s %n' /data/before.txt /data/sub/from-host.bin");
      assertEquals("copied before the start\n640 24 /data/before.txt\n604 " + Files.size(hostFile) + " /data/sub/from-host.bin\n",
          ls.getStdout(), ls.getStderr());
      assertEquals("made inside\n", c.copyFileFromContainer("/data/made.txt", in -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      assertArrayEquals(Files.readAllBytes(hostFile), c.copyFileFromContainer("/data/sub/from-host.bin", InputStream::readAllBytes));
      assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, c.copyFileFromContainer("/data/bytes.bin", InputStream::readAllBytes));
      Path back = hostFile.resolveSibling("back.txt");
      c.copyFileFromContainer("/data/before.txt", back.toString());
      assertEquals("copied before the start\n", Files.readString(back));
    }
  }

  /**
   * Other ways to wait: a one-shot container's exit (0 passes, 3 fails the start), the image's
   * health check turning healthy, and a log consumer that sees every line in order.
   */
  static void startup(DockerImageName image) throws Exception {
    try (GenericContainer<?> once = new GenericContainer<>(image).withCommand("sh", "-c", "echo done")
        .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(20)))) {
      once.start();
      assertEquals("done\n", once.getLogs());
    }
    try (GenericContainer<?> failing = new GenericContainer<>(image).withCommand("sh", "-c", "exit 3")
        .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(20)))) {
      ContainerLaunchException e = org.junit.jupiter.api.Assertions.assertThrows(ContainerLaunchException.class, failing::start);
      assertTrue(String.valueOf(rootCause(e).getMessage()).contains("did not start correctly"), e::toString);
    }
    try (GenericContainer<?> healthy = new GenericContainer<>(image)
        .withCommand("sh", "-c", "sleep 1; touch /tmp/ok; exec sleep 600")
        .withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(new HealthCheck()
            .withTest(List.of("CMD-SHELL", "test -e /tmp/ok")).withInterval(500_000_000L).withTimeout(1_000_000_000L).withRetries(3)))
        .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofSeconds(30)))) {
      healthy.start();
      assertEquals("healthy", healthy.getCurrentContainerInfo().getState().getHealth().getStatus());
    }
    ToStringConsumer consumer = new ToStringConsumer();
    try (GenericContainer<?> talker = new GenericContainer<>(image)
        .withCommand("sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.1; done; exec sleep 600")
        .withLogConsumer(consumer)
        .waitingFor(Wait.forLogMessage("line 3\n", 1))) {
      talker.start();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!consumer.toUtf8String().contains("line 3") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals("line 1\nline 2\nline 3\n", consumer.toUtf8String());
    }
  }

  /**
   * Options of the create that reach the container: a host directory bound read-write, a tmpfs,
   * an environment variable, a label, the working directory; exec as another user; a privileged
   * container with a terminal; stop, then start again as a new container.
   */
  static void options(DockerImageName image, Path dir) throws Exception {
    Files.writeString(dir.resolve("bound.txt"), "from the host\n");
    try (GenericContainer<?> c = new GenericContainer<>(image).withCommand("sleep", "600")
        .withFileSystemBind(dir.toString(), "/bound", BindMode.READ_WRITE)
        .withTmpFs(Map.of("/scratch", "rw,size=1m"))
        .withEnv("GREETING", "hi there")
        .withLabel("io.berth.test", "options")
        .withWorkingDirectory("/bound")) {
      c.start();
      ExecResult r = c.execInContainer("sh", "-c",
          "cat bound.txt; echo $GREETING; pwd; grep ' /scratch ' /proc/mounts | cut -d' ' -f3; echo from inside > written.txt");
      assertEquals("from the host\nhi there\n/bound\ntmpfs\n", r.getStdout(), r.getStderr());
      assertEquals("from inside\n", Files.readString(dir.resolve("written.txt")));
      assertEquals("options", c.getContainerInfo().getConfig().getLabels().get("io.berth.test"));
      ExecResult nobody = c.execInContainerWithUser("nobody", "id", "-u");
      assertEquals("65534\n", nobody.getStdout(), nobody.getStderr());
      String first = c.getContainerId();
      c.stop();
      c.start();
      assertTrue(!first.equals(c.getContainerId()) && c.isRunning(), "a new container after stop and start");
    }
    try (GenericContainer<?> c = new GenericContainer<>(image).withCommand("sleep", "600").withPrivilegedMode(true)
        .withCreateContainerCmdModifier(cmd -> cmd.withTty(true))) {
      c.start();
      ExecResult r = c.execInContainer("sh", "-c", "test -w /sys/kernel && echo privileged");
      assertEquals("privileged\n", r.getStdout(), r.getStderr());
      assertTrue(c.getContainerInfo().getConfig().getTty());
    }
  }

  /** Two containers on a network of their own: one fetches from the other by its alias. */
  static void network(DockerImageName image) throws Exception {
    try (Network net = Network.newNetwork();
        GenericContainer<?> web = new GenericContainer<>(image)
            .withNetwork(net)
            .withNetworkAliases("web")
            .withCommand("sh", "-c", "mkdir /www && echo hello by alias > /www/index.html && echo listening && exec httpd -f -p 80 -h /www")
            .waitingFor(Wait.forLogMessage("listening\n", 1));
        GenericContainer<?> client = new GenericContainer<>(image).withNetwork(net).withCommand("sleep", "600")) {
      web.start();
      client.start();
      print("network", net.getId());
      print("container", web.getContainerId());
      print("container", client.getContainerId());
      ExecResult r = client.execInContainer("wget", "-q", "-O", "-", "http://web/index.html");
      assertEquals(0, r.getExitCode(), r.getStderr());
      assertEquals("hello by alias\n", r.getStdout());
    }
  }

  /**
   * A container and a network the session does not remove: Ryuk must, once the session ended.
   * A network Testcontainers cannot make is reported rather than thrown, so that the container's
   * part is checked all the same.
   */
  @SuppressWarnings("resource")
  static void leftovers(DockerImageName image) {
    GenericContainer<?> c = new GenericContainer<>(image).withCommand("sleep", "600");
    c.start();
    print("container", c.getContainerId());
    try {
      Network net = Network.newNetwork();
      print("network", net.getId());
    } catch (RuntimeException e) {
      print("network-error", String.valueOf(rootCause(e).getMessage()).replace('\n', ' '));
    }
  }

  /**
   * A reusable container, left running: the next session with the same definition finds it.
   * And one that is not, also left running, for the session's Ryuk to remove.
   */
  @SuppressWarnings("resource")
  static void reuse(DockerImageName image) {
    GenericContainer<?> c = new GenericContainer<>(image).withCommand("sleep", "600").withReuse(true);
    c.start();
    print("container", c.getContainerId());
    GenericContainer<?> other = new GenericContainer<>(image).withCommand("sleep", "601");
    other.start();
    print("ephemeral", other.getContainerId());
  }

  static Throwable rootCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
