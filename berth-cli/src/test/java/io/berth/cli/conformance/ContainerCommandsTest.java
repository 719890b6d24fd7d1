package io.berth.cli.conformance;

import static io.berth.cli.conformance.ContainerFixture.assertOneLineError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.cli.conformance.BerthCommand.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bin/berth's container commands as podman and docker users type them, each a separate process
 * as root, on the busybox image the engine builds from the host (no registry needed). All tests
 * share one root; each names its containers and removes them.
 */
class ContainerCommandsTest {
  static ContainerFixture fx;

  @BeforeAll
  static void image() throws Exception {
    fx = new ContainerFixture();
    // The first run makes localhost/busybox (after docker.io is found unreachable): once here.
    Result r = fx.berth("run", "--rm", "busybox", "true");
    assertEquals(0, r.code(), r.err());
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  static String ok(String... args) throws Exception {
    return fx.ok(args);
  }

  static Result berth(String... args) throws Exception {
    return fx.berth(args);
  }

  /** Runs busybox in the foreground with these flags and shell script; returns its stdout. */
  static String sh(List<String> flags, String script) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--rm"));
    a.addAll(flags);
    a.addAll(List.of("busybox", "sh", "-c", script));
    return ok(a.toArray(String[]::new));
  }

  static String status(String name) throws Exception {
    return ok("ps", "-a", "--filter", "name=^" + name + "$", "--format", "{{.Status}}").strip();
  }

  // ---- run ----

  @Test
  void foregroundOutputExitCodeAndRm() throws Exception {
    Result r = berth("run", "--rm", "--name", "fg1", "busybox", "sh", "-c", "echo hi; echo oops >&2; exit 3");
    assertEquals(3, r.code(), r.err());
    assertEquals("hi\n", r.out());
    assertEquals("oops\n", r.err(), "the container's stderr is ours");
    assertEquals("", ok("ps", "-a", "-q", "--filter", "name=^fg1$"), "--rm leaves no container");
  }

  @Test
  void detachPrintsTheIdAndANameClashIsRefused() throws Exception {
    String id = ok("run", "-d", "--name", "dt1", "busybox", "sleep", "60").strip();
    try {
      assertTrue(id.matches("[0-9a-f]{64}"), id);
      assertTrue(status("dt1").startsWith("Up "), status("dt1"));
      Result clash = berth("run", "-d", "--name", "dt1", "busybox", "true");
      assertOneLineError(clash, 125, "already in use");
      assertEquals(id + "\n", ok("ps", "-a", "-q", "--no-trunc", "--filter", "name=dt1"), "still one container");
      assertEquals(1, fx.containerDirs().stream().filter(d -> !d.equals(id)).filter(d -> d.startsWith(id)).count() + 1);
    } finally {
      ok("rm", "-f", id);
    }
    fx.assertGone(id);
  }

  @Test
  void processSettings(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path envFile = Files.writeString(tmp.resolve("env"), "# a comment\nFROM_FILE=file value\n\nB=2\n");
    String out = sh(List.of("-e", "A=1", "-e", "B=1", "--env-file", envFile.toString(), "-w", "/tmp", "-u", "65534",
        "--hostname", "myhost"), "echo \"$A|$B|$FROM_FILE\"; pwd; id -u; id -g; hostname");
    assertEquals("1|2|file value\n/tmp\n65534\n65534\nmyhost\n", out, "later -e/--env-file wins, as docker");
    assertEquals("hello world\n", ok("run", "--rm", "--entrypoint", "echo", "busybox", "hello", "world"));
    assertEquals("[\"x\"]\n", ok("run", "--rm", "--entrypoint", "[\"echo\",\"[\\\"x\\\"]\"]", "busybox"));
  }

  @Test
  void volumesTmpfsAndReadOnly(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("f"), "from host\n");
    String out = sh(List.of("-v", src + ":/b", "-v", "ctv1:/v", "-v", src + ":/r:ro"),
        "cat /b/f; echo new > /b/g; echo kept > /v/k; echo x > /r/y 2>/dev/null || echo ro-refused");
    assertEquals("from host\nro-refused\n", out);
    assertEquals("new\n", Files.readString(src.resolve("g")), "the bind is the host's directory");
    assertEquals("kept\n", sh(List.of("-v", "ctv1:/data"), "cat /data/k"), "a named volume outlives its container");
    assertTrue(ok("volume", "ls", "-q").lines().toList().contains("ctv1"));
    ok("volume", "rm", "ctv1");

    out = sh(List.of("--read-only", "--tmpfs", "/scratch"),
        "touch /x 2>/dev/null || echo rootfs-ro; touch /scratch/x && echo tmpfs-rw; grep ' /scratch ' /proc/mounts | cut -d' ' -f3");
    assertEquals("rootfs-ro\ntmpfs-rw\ntmpfs\n", out);
  }

  @Test
  void capabilitiesSeccompAndPrivileged() throws Exception {
    assertEquals("CapEff:\t0000000000000000\n", sh(List.of("--cap-drop", "ALL"), "grep CapEff /proc/self/status"));
    assertEquals("CapEff:\t0000000000001000\n", sh(List.of("--cap-drop", "ALL", "--cap-add", "NET_ADMIN"),
        "grep CapEff /proc/self/status"), "drop ALL then add: only CAP_NET_ADMIN (bit 12)");
    // docker's default set: chown dac_override fowner fsetid kill setgid setuid setpcap
    // net_bind_service net_raw sys_chroot mknod audit_write setfcap
    assertEquals("CapEff:\t00000000a80425fb\n", sh(List.of(), "grep CapEff /proc/self/status"));
    String host = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().replace("CapBnd:", "CapEff:");
    assertEquals(host + "\n", sh(List.of("--privileged"), "grep CapEff /proc/self/status"),
        "--privileged has every capability the host allows");
    assertEquals("Seccomp:\t2\n", sh(List.of(), "grep '^Seccomp:' /proc/self/status"), "a filter by default");
    assertEquals("Seccomp:\t0\n", sh(List.of("--security-opt", "seccomp=unconfined"), "grep '^Seccomp:' /proc/self/status"));
    assertEquals("NoNewPrivs:\t1\n", sh(List.of(), "grep NoNewPrivs /proc/self/status"), "Berth's default, unlike docker's");
    assertEquals("NoNewPrivs:\t0\n", sh(List.of("--security-opt", "no-new-privileges=false"), "grep NoNewPrivs /proc/self/status"));
    assertEquals("NoNewPrivs:\t1\n", sh(List.of("--security-opt", "no-new-privileges"), "grep NoNewPrivs /proc/self/status"));
  }

  @Test
  void limits() throws Exception {
    assertEquals("512\n512\n", sh(List.of("--ulimit", "nofile=512:512"), "ulimit -n; ulimit -Hn"));
    assertEquals("7\n", sh(List.of("--pids-limit", "7"), "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"));
    Result forks = berth("run", "--rm", "--pids-limit", "7", "busybox", "sh", "-c",
        "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; echo all-forked");
    assertTrue(forks.err().contains("can't fork"), "the 8th process is refused: " + forks.err());
    assertFalse(forks.out().contains("all-forked"), forks.out());

    Result oom = berth("run", "--name", "oom1", "-m", "16m", "busybox", "tail", "/dev/zero");
    try {
      assertEquals(137, oom.code(), oom.err());
      assertEquals("true 137\n", ok("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom1"));
      assertEquals("16777216\n", ok("inspect", "--format", "{{.HostConfig.Memory}}", "oom1"));
    } finally {
      ok("rm", "-f", "oom1");
    }
  }

  @Test
  void initHostnameLabelsAndNetworks() throws Exception {
    String out = sh(List.of("--init"), "tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$");
    assertTrue(out.startsWith("/dev/init -- sh -c"), "tini is pid 1: " + out);
    assertFalse(out.endsWith("\n1\n"), "the shell is not pid 1: " + out);

    String id = ok("run", "-d", "--name", "lab1", "-l", "app=web", "--label", "tier=front", "busybox", "sleep", "60").strip();
    try {
      assertEquals("lab1\n", ok("ps", "--filter", "label=app=web", "--format", "{{.Names}}"));
      assertEquals("lab1\n", ok("ps", "--filter", "label=tier", "--format", "{{.Names}}"));
      assertEquals("", ok("ps", "--filter", "label=app=db", "--format", "{{.Names}}"));
      assertEquals("{\"app\":\"web\",\"tier\":\"front\"}\n", ok("inspect", "--format", "{{json .Config.Labels}}", "lab1"));
      assertEquals("web\n", ok("inspect", "--format", "{{index .Config.Labels \"app\"}}", "lab1"));
    } finally {
      ok("rm", "-f", id);
    }

    assertEquals("lo\n", sh(List.of("--network", "none"), "ls /sys/class/net"));
    assertTrue(sh(List.of("--network", "none"), "ip link show lo").contains("UP"), "lo is up, as docker's");
    List<String> hostIfs;
    try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
      hostIfs = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(String.join("\n", hostIfs) + "\n", sh(List.of("--network", "host"), "ls /sys/class/net | sort"));
  }

  @Test
  void stdinWithoutTty() throws Exception {
    Result r = fx.berthIn("data\nmore\n", "run", "-i", "--rm", "busybox", "cat");
    assertEquals(0, r.code(), r.err());
    assertEquals("data\nmore\n", r.out());
    Result closed = fx.berthIn("data\n", "run", "--rm", "busybox", "cat");
    assertEquals("", closed.out(), "without -i the container's stdin is empty");
  }

  // ---- exec ----

  @Test
  void exec() throws Exception {
    String id = ok("run", "-d", "--name", "ex1", "-e", "X=0", "busybox", "sleep", "60").strip();
    try {
      assertEquals("1\n", ok("exec", "-e", "X=1", "ex1", "sh", "-c", "echo $X"));
      assertEquals("0|-e|X=1\n", ok("exec", "ex1", "sh", "-c", "echo \"$X|$0|$1\"", "-e", "X=1"),
          "flags after the command are the command's, as docker");
      assertEquals("/tmp 65534\n", ok("exec", "-w", "/tmp", "-u", "65534", "ex1", "sh", "-c", "echo $(pwd) $(id -u)"));
      assertEquals(7, berth("exec", "ex1", "sh", "-c", "exit 7").code());
      assertEquals(127, berth("exec", "ex1", "/no/such/binary").code());
      assertEquals("", ok("exec", "-d", "ex1", "sh", "-c", "sleep 0.3; echo done > /tmp/d"));
      Thread.sleep(800);
      assertEquals("done\n", ok("exec", "ex1", "cat", "/tmp/d"));
      assertEquals("piped\n", fx.berthIn("piped\n", "exec", "-i", "ex1", "cat").out());
    } finally {
      ok("rm", "-f", id);
    }
    Result stopped = berth("exec", "ex1", "true");
    assertOneLineError(stopped, 125, "no such container");
  }

  // ---- logs ----

  @Test
  void logs() throws Exception {
    String id = ok("run", "-d", "--name", "lg1", "busybox", "sh", "-c",
        "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.4; done").strip();
    try {
      long t0 = System.nanoTime();
      Result f = berth("logs", "-f", "lg1");
      assertEquals(0, f.code(), f.err());
      assertTrue(System.nanoTime() - t0 > 500_000_000L, "-f waited for the container to exit");
      assertEquals("out1\nout2\nout3\n", f.out());
      assertEquals("err1\nerr2\nerr3\n", f.err(), "stderr lines go to stderr");
      Result tail = berth("logs", "--tail", "2", "lg1");
      assertEquals("out3\n", tail.out());
      assertEquals("err3\n", tail.err());
      String ts = ok("logs", "-t", "lg1");
      assertTrue(ts.lines().allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z out\\d")), ts);
      assertEquals("", ok("logs", "--since", "2099-01-01T00:00:00Z", "lg1"));
      assertEquals("out1\nout2\nout3\n", ok("logs", "--since", "2000-01-01T00:00:00Z", "lg1"));
      assertEquals("", ok("logs", "--since", "0.1s", "lg1"), "nothing in the last 100 ms");
    } finally {
      ok("rm", "-f", id);
    }

    id = ok("run", "-d", "--name", "lg2", "--log-opt", "max-size=4k", "--log-opt", "max-file=2", "busybox", "sh", "-c",
        "i=0; while [ $i -lt 600 ]; do echo line$i; i=$((i+1)); done").strip();
    try {
      assertEquals("0\n", ok("wait", "lg2"));
      List<Path> files;
      try (Stream<Path> s = Files.list(fx.root.resolve("containers").resolve(id))) {
        files = s.filter(p -> p.getFileName().toString().startsWith("ctr.log")).toList();
      }
      assertEquals(2, files.size(), files.toString());
      for (Path p : files) {
        assertTrue(Files.size(p) <= 4096, p + " is " + Files.size(p) + " bytes");
      }
      assertEquals("line598\nline599\n", ok("logs", "--tail", "2", "lg2"));
      List<String> all = ok("logs", "lg2").lines().toList();
      assertEquals("line599", all.getLast());
      for (int i = 1; i < all.size(); i++) {
        assertEquals("line" + (Integer.parseInt(all.get(i - 1).substring(4)) + 1), all.get(i), "contiguous");
      }
      // a reader that goes away early is not an error of berth's
      Process p = new ProcessBuilder("sh", "-c", String.join(" ", fx.command("logs", "lg2")) + " | head -1")
          .redirectErrorStream(true).start();
      ContainerFixture.waitFor(p, 30);
      String head = new String(p.getInputStream().readAllBytes());
      assertTrue(head.matches("line\\d+\n"), head);
    } finally {
      ok("rm", "-f", id);
    }
  }

  // ---- ps, inspect, lifecycle ----

  @Test
  void psAndInspect() throws Exception {
    String a = ok("run", "-d", "--name", "ps-a", "-l", "k=v", "busybox", "sleep", "60").strip();
    Result b = berth("run", "--name", "ps-b", "busybox", "sh", "-c", "exit 4");
    try {
      assertEquals(4, b.code(), b.err());
      String running = ok("ps", "-q");
      assertTrue(running.lines().toList().contains(a.substring(0, 12)), running);
      assertFalse(running.contains("ps-b"));
      List<String> all = ok("ps", "-a", "--no-trunc", "-q").lines().toList();
      assertTrue(all.contains(a), all.toString());
      String fmt = ok("ps", "-a", "--filter", "name=ps-", "--format", "{{.Names}} {{.Status}}");
      assertTrue(fmt.matches("(?s)ps-b Exited \\(4\\) .* ago\nps-a Up .*\n"), fmt);
      assertEquals("ps-b\n", ok("ps", "-a", "--filter", "status=exited", "--filter", "name=ps-", "--format", "{{.Names}}"));
      assertEquals("ps-a\n", ok("ps", "--filter", "ancestor=busybox", "--filter", "name=ps-", "--format", "{{.Names}}"));
      String table = ok("ps", "--filter", "name=ps-a");
      assertTrue(table.startsWith("CONTAINER ID   IMAGE "), table);
      assertTrue(table.contains(a.substring(0, 12)) && table.contains("\"sleep 60\"") && table.contains("ps-a"), table);

      JsonNode json = new ObjectMapper().readTree(ok("ps", "-a", "--filter", "name=ps-", "--format", "json"));
      Set<String> names = new HashSet<>();
      json.forEach(n -> names.add(n.get("Names").asText()));
      assertEquals(Set.of("ps-a", "ps-b"), names);

      assertEquals("4 exited\n", ok("inspect", "--format", "{{.State.ExitCode}} {{.State.Status}}", "ps-b"));
      JsonNode doc = new ObjectMapper().readTree(ok("inspect", "ps-a"));
      assertEquals(a, doc.get(0).get("Id").asText());
      assertEquals("/ps-a", doc.get(0).get("Name").asText(), "docker's leading slash");
      assertTrue(doc.get(0).get("State").get("Running").asBoolean());
      assertEquals("sleep", doc.get(0).get("Config").get("Cmd").get(0).asText());

      JsonNode image = new ObjectMapper().readTree(ok("inspect", "--type", "image", "busybox"));
      assertTrue(image.get(0).get("Id").asText().matches("(sha256:)?[0-9a-f]{64}"), image.toString());
      assertEquals(ok("inspect", "--format", "{{.Image}}", "ps-a").strip().replace("sha256:", ""),
          ok("inspect", "--format", "{{.Id}}", "busybox").strip().replace("sha256:", ""), "the container's image");
      Result none = berth("inspect", "nosuch-ctr");
      assertEquals(125, none.code());
      assertEquals("[]\n", none.out(), "docker's empty list");
      assertEquals("berth: no such object: nosuch-ctr\n", none.err());
    } finally {
      ok("rm", "-f", "ps-a", "ps-b");
    }
  }

  @Test
  void waitStopKillRestart() throws Exception {
    ok("run", "-d", "--name", "st1", "busybox", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done");
    ok("run", "-d", "--name", "st2", "busybox", "sh", "-c", "trap 'exit 42' USR1; while :; do sleep 0.1; done");
    ok("run", "-d", "--name", "st3", "busybox", "sh", "-c", "sleep 1; exit 9");
    try {
      assertEquals("9\n", ok("wait", "st3"));
      Thread.sleep(300); // the shells' traps are set
      long t0 = System.nanoTime();
      assertEquals("st1\n", ok("stop", "-t", "1", "st1"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 900 && ms < 6000, "killed after the 1 s grace: " + ms + " ms");
      assertEquals("137\n", ok("inspect", "--format", "{{.State.ExitCode}}", "st1"));
      assertTrue(status("st1").startsWith("Exited (137)"), status("st1"));

      assertEquals("st2\n", ok("kill", "-s", "USR1", "st2"));
      assertEquals("42\n", ok("wait", "st2"));
      assertOneLineError(berth("kill", "st2"), 125, "not running");

      String pid1 = ok("inspect", "--format", "{{.State.Pid}}", "st3");
      assertEquals("0\n", pid1, "an exited container has no pid");
      assertEquals("st3\n", ok("restart", "-t", "1", "st3"));
      assertTrue(ok("inspect", "--format", "{{.State.Pid}}", "st3").matches("[1-9]\\d*\n"), "a new process");
      assertEquals("9\n", ok("wait", "st3"));

      ok("start", "st2");
      assertTrue(status("st2").startsWith("Up "), status("st2"));
      assertEquals("st2\n", ok("pause", "st2"));
      assertTrue(status("st2").endsWith("(Paused)"), status("st2"));
      assertEquals("paused true\n", ok("inspect", "--format", "{{.State.Status}} {{.State.Paused}}", "st2"));
      String frozen = ok("top", "st2");
      assertTrue(frozen.contains("PID") && frozen.contains("sh -c trap"), frozen);
      assertEquals("st2\n", ok("unpause", "st2"));
      assertTrue(status("st2").startsWith("Up ") && !status("st2").contains("Paused"), status("st2"));

      assertEquals("", ok("rename", "st2", "st2-renamed"));
      assertEquals("st2-renamed\n", ok("ps", "--filter", "name=st2", "--format", "{{.Names}}"));
      assertOneLineError(berth("rename", "st2-renamed", "st1"), 125, "already in use");
      String top = ok("top", "st2-renamed", "-o", "pid,args");
      assertTrue(top.contains("sh -c trap 'exit 42' USR1"), top);

      assertOneLineError(berth("rm", "st2-renamed"), 125, "running");
      assertEquals("st2-renamed\n", ok("rm", "-f", "st2-renamed"));
    } finally {
      for (String n : List.of("st1", "st2", "st2-renamed", "st3")) {
        berth("rm", "-f", n);
      }
    }
  }

  @Test
  void volumeCommands() throws Exception {
    assertEquals("ctvol\n", ok("volume", "create", "--label", "a=b", "ctvol"));
    try {
      assertTrue(ok("volume", "ls").lines().anyMatch(l -> l.matches("local\\s+ctvol")));
      JsonNode v = new ObjectMapper().readTree(ok("volume", "inspect", "ctvol"));
      assertEquals("ctvol", v.get(0).get("Name").asText());
      assertEquals("b", v.get(0).get("Labels").get("a").asText());
      assertTrue(Files.isDirectory(Path.of(v.get(0).get("Mountpoint").asText())));
      String id = ok("run", "-d", "--name", "vu1", "-v", "ctvol:/data", "-v", "/anon", "busybox", "sleep", "60").strip();
      assertOneLineError(berth("volume", "rm", "ctvol"), 125, "in use");
      String anon = "";
      for (JsonNode m : new ObjectMapper().readTree(ok("inspect", "--format", "{{json .Mounts}}", "vu1"))) {
        if (m.get("Destination").asText().equals("/anon")) {
          anon = m.get("Name").asText();
        }
      }
      assertTrue(anon.matches("[0-9a-f]{64}"), "anonymous volume name: " + anon);
      assertTrue(ok("volume", "ls", "-q").contains(anon + "\n"), "anonymous volume " + anon);
      assertFalse(ok("volume", "prune").contains("ctvol"), "prune keeps volumes in use");
      assertEquals(id + "\n", ok("rm", "-f", "-v", id));
      assertFalse(ok("volume", "ls", "-q").contains(anon), "rm -v removes the anonymous volume");
      assertTrue(ok("volume", "ls", "-q").contains("ctvol\n"), "but not the named one");
      assertEquals("ctvol\n", ok("volume", "rm", "ctvol"));
      assertOneLineError(berth("volume", "rm", "nosuchvol"), 125, "no such volume");
      ok("volume", "create", "ctvol2");
      assertTrue(ok("volume", "prune").contains("ctvol2\n"));
      assertFalse(ok("volume", "ls", "-q").contains("ctvol2"));
    } finally {
      berth("rm", "-f", "vu1");
      berth("volume", "rm", "-f", "ctvol");
    }
  }

  // ---- restart policies and --rm without a daemon ----

  @Test
  void restartPolicyAndDetachedRm() throws Exception {
    ok("run", "-d", "--name", "rp1", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1");
    String gone = ok("run", "-d", "--rm", "--name", "rm1", "busybox", "sh", "-c", "sleep 0.3").strip();
    try {
      long deadline = System.nanoTime() + 20_000_000_000L;
      String state = "";
      while (System.nanoTime() < deadline) {
        state = ok("inspect", "--format", "{{.RestartCount}} {{.State.Status}}", "rp1").strip();
        if (state.equals("2 exited")) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals("2 exited", state);
      Thread.sleep(1500);
      assertEquals("2 exited 1\n", ok("inspect", "--format", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", "rp1"),
          "not restarted a third time");
      for (int i = 0; i < 50 && !ok("ps", "-a", "-q", "--filter", "name=^rm1$").isEmpty(); i++) {
        Thread.sleep(100);
      }
      assertEquals("", ok("ps", "-a", "-q", "--filter", "name=^rm1$"), "--rm -d removed itself");
      fx.assertGone(gone);
    } finally {
      berth("rm", "-f", "rp1");
      berth("rm", "-f", "rm1");
    }
  }

  // ---- concurrency ----

  @Test
  void twentyParallelRunsAndRemoves() throws Exception {
    List<Process> procs = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Path out = Files.createTempFile(fx.dir, "par", ".out");
      outs.add(out);
      procs.add(new ProcessBuilder(fx.command("run", "-d", "--name", "par" + i, "busybox", "sleep", "60"))
          .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(out.toFile())).start());
    }
    try {
      for (int i = 0; i < 20; i++) {
        ContainerFixture.waitFor(procs.get(i), 60);
        assertEquals(0, procs.get(i).exitValue(), "par" + i + ": " + Files.readString(outs.get(i)));
        assertTrue(Files.readString(outs.get(i)).matches("[0-9a-f]{64}\n"), Files.readString(outs.get(i)));
      }
      List<String> lines = ok("ps", "--filter", "name=^par", "--format", "{{.Names}} {{.State}}").lines().toList();
      assertEquals(20, lines.size(), lines.toString());
      assertEquals(20, new HashSet<>(lines).size());
      assertTrue(lines.stream().allMatch(l -> l.endsWith(" running")), lines.toString());
    } finally {
      List<Process> rms = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        rms.add(new ProcessBuilder(fx.command("rm", "-f", "par" + i)).redirectErrorStream(true).start());
      }
      for (int i = 0; i < 20; i++) {
        ContainerFixture.waitFor(rms.get(i), 60);
        String said = new String(rms.get(i).getInputStream().readAllBytes());
        assertEquals(0, rms.get(i).exitValue(), said);
        assertEquals("par" + i + "\n", said);
      }
    }
    assertEquals("", ok("ps", "-a", "-q", "--filter", "name=^par"));
  }

  // ---- a killed client ----

  @Test
  void killedForegroundClientLeavesTheContainerRunning() throws Exception {
    Process p = new ProcessBuilder(fx.command("run", "--name", "kf1", "busybox", "sleep", "30"))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      for (int i = 0; i < 100 && !status("kf1").startsWith("Up"); i++) {
        Thread.sleep(100);
      }
      p.destroyForcibly(); // SIGKILL, to our own child only
      ContainerFixture.waitFor(p, 10);
      Thread.sleep(300);
      assertTrue(status("kf1").startsWith("Up "), status("kf1"));
      assertEquals("kf1\n", ok("stop", "-t", "1", "kf1"));
      assertTrue(status("kf1").startsWith("Exited ("), status("kf1"));
    } finally {
      berth("rm", "-f", "kf1");
    }
  }

  @Test
  void killedRemoveIsFinishedByTheNextOne() throws Exception {
    String id = ok("run", "-d", "--name", "kr1", "-v", "/anon", "busybox", "sleep", "60").strip();
    Process rm = new ProcessBuilder(fx.command("rm", "-f", "kr1"))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    // kill it once the JVM is up and working (the record is being removed or the container killed)
    Thread.sleep(450);
    rm.destroyForcibly();
    ContainerFixture.waitFor(rm, 10);
    Result again = berth("rm", "-f", "kr1");
    if (again.code() != 0) {
      // the first one finished after all: then the container must be gone already
      assertOneLineError(again, 125, "no such container");
    }
    fx.assertGone(id);
  }

  // ---- bad input ----

  @Test
  void badInputIsOneLineAndCreatesNothing() throws Exception {
    try (ContainerFixture clean = new ContainerFixture()) {
      // the image exists in this root, so only the flags are wrong
      assertEquals(0, clean.berth("run", "--rm", "busybox", "true").code());
      assertOneLineError(clean.berth("run", "nosuchimage-xyz", "true"), 125, "nosuchimage-xyz");
      assertOneLineError(clean.berth("run", "--memory", "lots", "busybox", "true"), 2, "--memory");
      assertOneLineError(clean.berth("run", "--restart", "sometimes", "busybox", "true"), 125, "sometimes");
      assertOneLineError(clean.berth("run", "--cpus", "-1", "busybox", "true"), 2, "--cpus");
      // "relative:/x" is a named volume to docker; a path that is not absolute is refused
      assertOneLineError(clean.berth("run", "-v", "rel/dir:/x", "busybox", "true"), 125, "rel/dir");
      assertOneLineError(clean.berth("run", "-v", "/no/such/dir:/x", "busybox", "true"), 125, "/no/such/dir");
      assertOneLineError(clean.berth("run", "--ulimit", "nofile=abc", "busybox", "true"), 125, "ulimit");
      assertOneLineError(clean.berth("run", "--cap-add", "NOT_A_CAP", "busybox", "true"), 125, "capability");
      assertOneLineError(clean.berth("run", "--network", "nonet", "busybox", "true"), 125, "nonet");
      assertOneLineError(clean.berth("run", "-m", "1m", "busybox", "true"), 125, "memory");
      assertOneLineError(clean.berth("run", "--bogus-flag", "busybox", "true"), 2, "unknown flag");
      assertOneLineError(clean.berth("run", "busybox", "/no/such/cmd"), 127, "/no/such/cmd");
      assertOneLineError(clean.berth("run", "--rm", "busybox", "/no/such/cmd"), 127, "/no/such/cmd");
      assertOneLineError(clean.berth("volume", "rm", "nosuchvol"), 125, "no such volume");
      assertOneLineError(clean.berth("stop", "nosuchctr"), 125, "no such container");
      assertOneLineError(clean.berth("rm", "nosuchctr"), 125, "no such container");
      assertOneLineError(clean.berth("logs", "nosuchctr"), 125, "no such container");
      assertOneLineError(clean.berth("ps", "--filter", "colour=red"), 2, "colour");
      // the failed start above left a record (as docker's create+start does): remove it, then
      // nothing may remain of any of the attempts
      for (String idl : clean.ok("ps", "-a", "-q", "--no-trunc").lines().toList()) {
        clean.ok("rm", idl);
      }
      clean.assertNothingCreated();
      assertFalse(Files.exists(clean.root.resolve("volumes/rel")));
    }
  }
}
