package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** cp, stats, events, healthcheck run and system df/prune through bin/berth, as root. */
class SystemCommandsTest {
  static Path dir;
  static Path root;
  static Path run;

  @BeforeAll
  static void setUp() throws Exception {
    dir = Files.createTempDirectory(Path.of("/tmp"), "bsys");
    root = dir.resolve("r");
    run = dir.resolve("x");
  }

  @AfterAll
  static void tearDown() throws Exception {
    BerthCommand.Result ps = berth("ps", "-aq", "--no-trunc");
    for (String id : ps.out().split("\\s+")) {
      if (!id.isBlank()) {
        berth("rm", "-f", "-v", id);
      }
    }
    for (String id : berth("network", "ls", "-q").out().split("\\s+")) {
      if (!id.isBlank()) {
        berth("network", "rm", id);
      }
    }
    new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
  }

  static BerthCommand.Result berth(String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "--run-root";
    all[1] = run.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return BerthCommand.run(dir, root, Map.of(), "", all);
  }

  @Test
  void copyBothWaysStaysInsideTheContainer() throws Exception {
    assertEquals(0, berth("run", "-d", "--name", "cp1", "busybox", "sh", "-c",
        "mkdir -p /data/sub && echo inside > /data/sub/f && ln -s / /data/escape && ln -s /etc/passwd /data/pw && sleep 60").code());
    Thread.sleep(500);
    Path host = Files.createDirectory(dir.resolve("host"));
    BerthCommand.Result out = berth("cp", "cp1:/data/sub", host.toString());
    assertEquals(0, out.code(), out.err());
    assertEquals("inside\n", Files.readString(host.resolve("sub/f")));
    // a symlink to / inside the container means the container's root, never the host's
    BerthCommand.Result pw = berth("cp", "-L", "cp1:/data/pw", host.resolve("pw").toString());
    assertEquals(0, pw.code(), pw.err());
    assertTrue(Files.readString(host.resolve("pw")).startsWith("root:x:0:0:root:/root:/bin/sh"), "the image's passwd");
    assertEquals(2, Files.readAllLines(host.resolve("pw")).size(), "the busybox image has two users, the host more");
    Files.writeString(host.resolve("in.txt"), "from host\n");
    assertEquals(0, berth("cp", host.resolve("in.txt").toString(), "cp1:/data/escape/tmp/").code());
    assertFalse(Files.exists(Path.of("/tmp/in.txt")) && Files.readString(Path.of("/tmp/in.txt")).equals("from host\n"),
        "the copy went to the host's /tmp");
    BerthCommand.Result cat = berth("exec", "cp1", "cat", "/tmp/in.txt");
    assertEquals("from host\n", cat.out());
    assertEquals(0, berth("stop", "-t", "0", "cp1").code());
    assertEquals(0, berth("cp", host.resolve("in.txt").toString(), "cp1:/root/").code(), "into a stopped container");
    assertEquals(0, berth("cp", "cp1:/root/in.txt", host.resolve("back.txt").toString()).code());
    assertEquals("from host\n", Files.readString(host.resolve("back.txt")));
    assertEquals(125, berth("cp", "cp1:/no/such", host.toString()).code());
  }

  @Test
  void statsEventsAndHealth() throws Exception {
    assertEquals(0, berth("run", "-d", "--name", "st1", "-m", "64m", "--health-cmd", "test -e /tmp/ok",
        "--health-retries", "1", "busybox", "sleep", "60").code());
    BerthCommand.Result stats = berth("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}", "st1");
    assertEquals(0, stats.code(), stats.err());
    assertTrue(stats.out().matches("st1 [0-9.]+[KMG]?i?B / 64MiB 1\\n"), stats.out());
    // Traffic to the network's gateway (the host's end of its bridge) counts in NET I/O.
    BerthCommand.Result ping = berth("exec", "st1", "sh", "-c", "ping -c 3 -W 1 $(ip route | awk '/default/ {print $3}')");
    assertEquals(0, ping.code(), ping.out() + ping.err());
    BerthCommand.Result io = berth("stats", "--no-stream", "--format", "{{.NetIO}}|{{.BlockIO}}", "st1");
    assertTrue(io.out().matches("[0-9.]+[kMG]?B / [0-9.]+[kMG]?B\\|[0-9.]+[kMG]?B / [0-9.]+[kMG]?B\\n"), io.out());
    assertFalse(io.out().startsWith("0B / ") || io.out().contains(" / 0B|"), "packets both ways: " + io.out());
    BerthCommand.Result bad = berth("healthcheck", "run", "st1");
    assertEquals(1, bad.code());
    assertEquals("unhealthy\n", bad.out());
    assertEquals(0, berth("exec", "st1", "touch", "/tmp/ok").code());
    assertEquals("healthy\n", berth("healthcheck", "run", "st1").out());
    assertEquals("healthy\n", berth("inspect", "--format", "{{.State.Health.Status}}", "st1").out());
    assertEquals(0, berth("rm", "-f", "st1").code());
    BerthCommand.Result ev = berth("events", "--stream=false", "--filter", "container=st1", "--format", "{{.Action}}");
    assertEquals("create\nstart\nexec_start: sh -c ping -c 3 -W 1 $(ip route | awk '/default/ {print $3}')\n"
        + "exec_start: /bin/sh -c test -e /tmp/ok\nhealth_status: unhealthy\nexec_start: touch /tmp/ok\n"
        + "exec_start: /bin/sh -c test -e /tmp/ok\nhealth_status: healthy\ndie\ndestroy\n", ev.out());
  }

  @Test
  void systemDfAndPrune() throws Exception {
    assertEquals(0, berth("run", "--name", "gone1", "busybox", "true").code());
    assertEquals(0, berth("volume", "create", "unused1").code());
    BerthCommand.Result df = berth("system", "df");
    assertTrue(df.out().startsWith("TYPE"), df.out());
    assertTrue(df.out().contains("Local Volumes"), df.out());
    assertEquals(2, berth("system", "prune").code(), "prune asks for -f");
    BerthCommand.Result prune = berth("system", "prune", "-f", "--volumes");
    assertEquals(0, prune.code(), prune.err());
    assertTrue(prune.out().contains("unused1"), prune.out());
    assertEquals("", berth("ps", "-aq", "--filter", "name=gone1").out());
  }
}
