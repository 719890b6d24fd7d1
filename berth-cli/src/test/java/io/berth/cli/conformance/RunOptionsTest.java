package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** run options not covered elsewhere: --mount, --device, --sysctl, --stop-signal, --stop-timeout. */
class RunOptionsTest {
  static Path dir;
  static Path root;
  static Path run;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "bro");
    root = dir.resolve("r");
    run = dir.resolve("x");
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (String id : berth("ps", "-aq", "--no-trunc").out().split("\\s+")) {
      if (!id.isBlank()) {
        berth("rm", "-f", "-v", id);
      }
    }
    berth("volume", "prune");
    new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
  }

  static BerthCommand.Result berth(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--run-root", run.toString()));
    all.addAll(List.of(args));
    return BerthCommand.run(dir, root, Map.of(), "", all.toArray(String[]::new));
  }

  static String sh(List<String> opts, String script) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--rm"));
    a.addAll(opts);
    a.addAll(List.of("busybox", "sh", "-c", script));
    BerthCommand.Result r = berth(a.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    return r.out();
  }

  @Test
  void mountFlagBindVolumeAndTmpfs() throws Exception {
    Path host = Files.createDirectory(dir.resolve("m"));
    Files.writeString(host.resolve("f"), "hello\n");
    String out = sh(List.of("--mount", "type=bind,source=" + host + ",target=/m,readonly",
        "--mount", "type=volume,source=mv1,target=/v", "--mount", "type=tmpfs,target=/t,tmpfs-size=1m"),
        "cat /m/f; touch /m/x 2>/dev/null || echo ro; echo data > /v/d; df -k /t | tail -1 | tr -s ' ' | cut -d' ' -f2");
    assertEquals("hello\nro\n1024\n", out);
    String vol = berth("volume", "inspect", "mv1").out();
    assertTrue(vol.contains("\"Name\": \"mv1\""), vol);
    assertEquals("data\n", sh(List.of("--mount", "type=volume,source=mv1,target=/w"), "cat /w/d"));
    BerthCommand.Result bad = berth("run", "--rm", "--mount", "type=nfs,target=/x", "busybox", "true");
    assertEquals(125, bad.code());
    assertTrue(bad.err().startsWith("berth: invalid --mount"), bad.err());
  }

  @Test
  void deviceAndSysctl() throws Exception {
    assertEquals("char\nok\n", sh(List.of("--device", "/dev/null:/dev/mynull"),
        "test -c /dev/mynull && echo char; echo x > /dev/mynull && echo ok"));
    assertEquals("1\n", sh(List.of("--sysctl", "net.ipv4.ip_forward=1"), "cat /proc/sys/net/ipv4/ip_forward"));
    assertEquals(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).trim().equals("1") ? "1\n" : "0\n",
        sh(List.of(), "cat /proc/sys/net/ipv4/ip_forward"), "the sysctl stayed in the container's namespace");
    BerthCommand.Result bad = berth("run", "--rm", "--device", "/dev/no-such-dev", "busybox", "true");
    assertEquals(125, bad.code());
    assertTrue(bad.err().contains("/dev/no-such-dev does not exist"), bad.err());
  }

  @Test
  void stopSignalAndStopTimeout() throws Exception {
    assertEquals(0, berth("run", "-d", "--name", "sig1", "--stop-signal", "SIGUSR1", "busybox", "sh", "-c",
        "trap 'exit 9' USR1; while :; do sleep 0.1; done").code());
    Thread.sleep(300);
    long t0 = System.nanoTime();
    assertEquals(0, berth("stop", "-t", "20", "sig1").code());
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 10_000, "SIGUSR1 ended it, not the timeout");
    assertEquals("9\n", berth("inspect", "--format", "{{.State.ExitCode}}", "sig1").out());
    assertEquals(0, berth("run", "-d", "--name", "to1", "--stop-timeout", "1", "busybox", "sleep", "60").code());
    t0 = System.nanoTime();
    assertEquals(0, berth("stop", "to1").code());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 900 && ms < 8000, "the container's own stop timeout (1 s) applied: " + ms + " ms");
    assertEquals("137\n", berth("inspect", "--format", "{{.State.ExitCode}}", "to1").out());
  }
}
