package io.berth.runtime.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.runtime.Libexec;
import io.berth.sys.Libc;
import io.berth.sys.WaitStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth-shim as a real process: logs, exit status, attach, rotation, the ctl fd, bad options. */
class ShimTest {
  private static final Pattern RECORD =
      Pattern.compile("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z) (stdout|stderr) ([FP]) (.*)");
  private static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  /**
   * A first stage that starts a grandchild, reports its pid on fd 4 and exits; the grandchild
   * runs its script only once the first stage has ended, as a container's init outlives the
   * runtime process that forked it.
   */
  private static final String ORPHANED =
      "p=$$; (while kill -0 $p 2>/dev/null; do sleep 0.01; done; %s) 4>&- & echo $! >&4; exit 0";

  @TempDir Path tmp;
  final ShimProcesses procs = new ShimProcesses();
  final Path shim = Libexec.find("berth-shim");

  @BeforeAll
  static void subreaper() {
    Libc.becomeSubreaper();
  }

  @AfterEach
  void tearDown() {
    procs.cleanup();
  }

  /** Starts a daemonized shim; fdMap entries from 3 on are passed through as those fds. */
  int start(Path dir, List<String> options, List<String> command, int... extraFds) throws Exception {
    List<String> argv = new ArrayList<>(List.of(shim.toString(), "--id", "t", "--dir", dir.toString()));
    argv.addAll(options);
    argv.add("--");
    argv.addAll(command);
    int[] fdMap = new int[3 + extraFds.length];
    fdMap[0] = -1;
    fdMap[1] = -1;
    fdMap[2] = 2;
    System.arraycopy(extraFds, 0, fdMap, 3, extraFds.length);
    int parent = Libc.spawn(shim.toString(), argv, ENV, fdMap, false);
    WaitStatus st = Libc.waitpid(parent, 0);
    assertEquals(0, st.shellCode(), "the shim's first process exits 0 once the daemon is ready");
    int pid = ShimProcesses.readPid(dir);
    procs.add(pid);
    return pid;
  }

  Path dir(String name) throws Exception {
    return Files.createDirectory(tmp.resolve(name));
  }

  @Test
  void logsInCriFormatAndRecordsTheExitCode() throws Exception {
    Path dir = dir("run");
    Path log = tmp.resolve("ctr.log");
    Instant before = Instant.now();
    int pid =
        start(dir, List.of("--log", log.toString()),
            List.of("/bin/sh", "-c", "echo out; echo err >&2; printf part; exit 3"));
    ExitStatus exit = ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(pid);
    assertEquals(3, exit.exitCode());
    assertEquals(0, exit.signal());
    assertFalse(exit.oomKilled());
    assertFalse(ShimProcesses.alive(pid), "the shim has ended");
    assertFalse(Files.exists(dir.resolve("exit.json.tmp")));

    List<String> lines = Files.readAllLines(log);
    List<String> body = new ArrayList<>();
    for (String line : lines) {
      Matcher m = RECORD.matcher(line);
      assertTrue(m.matches(), "a CRI record: " + line);
      Instant t = Instant.parse(m.group(1));
      assertFalse(t.isBefore(before.minusSeconds(1)) || t.isAfter(Instant.now()), "time " + t);
      body.add(m.group(2) + " " + m.group(3) + " " + m.group(4));
    }
    assertEquals(3, body.size(), lines.toString());
    assertTrue(body.contains("stdout F out"), body.toString());
    assertTrue(body.contains("stderr F err"), body.toString());
    assertTrue(body.contains("stdout P part"), body.toString());
    assertTrue(body.indexOf("stdout F out") < body.indexOf("stdout P part"));

    List<CriLog.Entry> entries = new CriLog(log).read(-1, null);
    assertEquals(3, entries.size());
    CriLog.Entry last = entries.stream().filter(e -> e.text().equals("part")).findFirst().orElseThrow();
    assertTrue(last.partialAtEnd());
    assertEquals("stdout", last.stream());
    assertTrue(entries.stream().anyMatch(e -> e.stream().equals("stderr") && e.text().equals("err") && !e.partialAtEnd()));
  }

  @Test
  void recordsTheSignalThatKilledTheProcess() throws Exception {
    Path dir = dir("run");
    int pid = start(dir, List.of(), List.of("/bin/sh", "-c", "kill -9 $$"));
    ExitStatus exit = ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(pid);
    assertEquals(137, exit.exitCode());
    assertEquals(9, exit.signal());
  }

  @Test
  void attachClientsShareOutputAndWriteStdin() throws Exception {
    Path dir = dir("run");
    int pid = start(dir, List.of("--stdin", "--log", tmp.resolve("log").toString()), List.of("cat"));
    ByteArrayOutputStream outA = new ByteArrayOutputStream();
    ByteArrayOutputStream outB = new ByteArrayOutputStream();
    ByteArrayOutputStream errB = new ByteArrayOutputStream();
    // B connects first, so the shim accepts it no later than A, whose stdin makes the output.
    ShimClient b = ShimClient.connect(dir);
    ShimClient a = ShimClient.connect(dir);
    CompletableFuture<Integer> codeB = CompletableFuture.supplyAsync(() -> b.attach(null, outB, errB, false));
    byte[] input = "hello\nworld\n".getBytes(StandardCharsets.UTF_8);
    int codeA = a.attach(new ByteArrayInputStream(input), outA, new ByteArrayOutputStream(), true);
    assertEquals(0, codeA, "cat ends at the closed stdin with 0");
    assertEquals(0, codeB.get(10, TimeUnit.SECONDS));
    assertEquals("hello\nworld\n", outA.toString(StandardCharsets.UTF_8));
    assertEquals("hello\nworld\n", outB.toString(StandardCharsets.UTF_8));
    assertEquals("", errB.toString(StandardCharsets.UTF_8));
    assertEquals(0, ShimProcesses.awaitExit(dir).exitCode());
    ShimProcesses.reapEnded(pid);
  }

  @Test
  void detachLeavesTheContainerRunning() throws Exception {
    Path dir = dir("run");
    start(dir, List.of("--stdin"), List.of("cat"));
    ShimClient a = ShimClient.connect(dir);
    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(() -> a.attach(null, new ByteArrayOutputStream(), null, false));
    Thread.sleep(100);
    a.detach();
    assertEquals(-1, code.get(5, TimeUnit.SECONDS));
    Thread.sleep(100);
    assertTrue(ExitStatus.read(dir).isEmpty(), "cat still runs");
  }

  @Test
  void rotatesTheLogAndReadsItBackInOrder() throws Exception {
    Path dir = dir("run");
    Path log = tmp.resolve("ctr.log");
    int pid =
        start(dir, List.of("--log", log.toString(), "--log-max-size", "4096", "--log-max-files", "3"),
            List.of("/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done"));
    ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(pid);
    try (Stream<Path> s = Files.list(tmp)) {
      List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ctr.log")).sorted().toList();
      assertEquals(List.of("ctr.log", "ctr.log.1", "ctr.log.2"), names);
    }
    for (String n : List.of("ctr.log", "ctr.log.1", "ctr.log.2")) {
      long size = Files.size(tmp.resolve(n));
      assertTrue(size > 0 && size <= 4096, n + " has " + size + " bytes");
    }
    List<CriLog.Entry> all = new CriLog(log).read(-1, null);
    assertTrue(all.size() > 100, "entries: " + all.size());
    // The first entry may be the end of a line whose start was rotated away.
    List<CriLog.Entry> whole = all.subList(1, all.size());
    int first = Integer.parseInt(whole.get(0).text().substring(5));
    for (int i = 0; i < whole.size(); i++) {
      assertEquals("line-" + (first + i), whole.get(i).text());
      assertFalse(whole.get(i).partialAtEnd());
    }
    assertEquals("line-1999", all.get(all.size() - 1).text());
    List<CriLog.Entry> tail = new CriLog(log).read(3, null);
    assertEquals(List.of("line-1997", "line-1998", "line-1999"), tail.stream().map(CriLog.Entry::text).toList());
  }

  @Test
  void followReadsAcrossRotationsUntilTheContainerHasExited() throws Exception {
    Path dir = dir("run");
    Path log = tmp.resolve("ctr.log");
    int pid =
        start(dir, List.of("--log", log.toString(), "--log-max-size", "4096", "--log-max-files", "3"),
            List.of("/bin/sh", "-c",
                "i=0; while [ $i -lt 400 ]; do echo line-$i; i=$((i+1)); [ $((i%20)) -eq 0 ] && sleep 0.05; done; printf end"));
    List<CriLog.Entry> got = new ArrayList<>();
    new CriLog(log).follow(-1, null, () -> ExitStatus.read(dir).isPresent(), got::add);
    ShimProcesses.reapEnded(pid);
    assertTrue(Files.exists(tmp.resolve("ctr.log.2")), "the log was rotated");
    assertEquals(401, got.size());
    for (int i = 0; i < 400; i++) {
      assertEquals("line-" + i, got.get(i).text());
    }
    assertEquals(new CriLog.Entry(got.get(400).time(), "stdout", "end", true), got.get(400));
  }

  @Test
  void ctlFdNamesTheMainProcessAfterTheFirstStageExits() throws Exception {
    Path dir = dir("run");
    int[] ctl = Libc.pipe();
    int[] report = Libc.pipe();
    int pid;
    try {
      // The grandchild exits as soon as the first stage is gone (so that no shell reaps it, as
      // dash reaps a background child whose SIGCHLD comes in time), which is likely before the
      // shim knows it is the main process.
      pid =
          start(dir, List.of("--ctl-fd", "3"),
              List.of("/bin/sh", "-c", ORPHANED.formatted("exit 42")), ctl[0], report[1]);
    } finally {
      Libc.close(ctl[0]);
      Libc.close(report[1]);
    }
    String text = readAll(report[0]); // ends only once nobody holds fd 4: the shim closed its copy
    Libc.close(report[0]);
    int grandchild = Integer.parseInt(text.trim());
    Thread.sleep(200);
    assertTrue(ExitStatus.read(dir).isEmpty(), "no exit before the pid is known");
    Libc.writeFully(ctl[1], ("pid " + grandchild + "\n").getBytes(StandardCharsets.US_ASCII));
    Libc.close(ctl[1]);
    assertEquals(42, ShimProcesses.awaitExit(dir).exitCode());
    ShimProcesses.reapEnded(pid);
  }

  @Test
  void ctlFdWaitsForALaterExitOfTheMainProcess() throws Exception {
    Path dir = dir("run");
    int[] ctl = Libc.pipe();
    int[] report = Libc.pipe();
    int pid;
    try {
      pid =
          start(dir, List.of("--ctl-fd", "3"),
              List.of("/bin/sh", "-c", ORPHANED.formatted("sleep 0.5; exit 43")), ctl[0], report[1]);
    } finally {
      Libc.close(ctl[0]);
      Libc.close(report[1]);
    }
    int grandchild = Integer.parseInt(readAll(report[0]).trim());
    Libc.close(report[0]);
    Libc.writeFully(ctl[1], ("pid " + grandchild + "\n").getBytes(StandardCharsets.US_ASCII));
    Libc.close(ctl[1]);
    assertEquals(43, ShimProcesses.awaitExit(dir).exitCode());
    ShimProcesses.reapEnded(pid);
  }

  @Test
  void ctlEofWithoutPidRecordsTheFirstStage() throws Exception {
    Path dir = dir("run");
    int[] ctl = Libc.pipe();
    int pid;
    try {
      pid = start(dir, List.of("--ctl-fd", "3"), List.of("/bin/sh", "-c", "exit 5"), ctl[0]);
    } finally {
      Libc.close(ctl[0]);
    }
    Thread.sleep(100);
    assertTrue(ExitStatus.read(dir).isEmpty(), "the shim waits for the ctl fd");
    Libc.close(ctl[1]);
    assertEquals(5, ShimProcesses.awaitExit(dir).exitCode());
    ShimProcesses.reapEnded(pid);
  }

  @Test
  void runsTheExitCommandAfterExitJson() throws Exception {
    Path dir = dir("run");
    Path marker = tmp.resolve("marker");
    Path markerPid = tmp.resolve("marker.pid");
    int pid =
        start(dir, List.of("--exit-command", "/bin/sh", "--exit-arg", "-c",
                "--exit-arg", "echo $$ > " + markerPid + "; cat " + dir.resolve("exit.json") + " > " + marker),
            List.of("/bin/sh", "-c", "exit 2"));
    ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(pid);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!(Files.exists(marker) && Files.size(marker) > 0) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(Files.readString(marker).contains("\"exitCode\":2"));
    // Not waited for by the shim: it comes to us, the subreaper, once the shim has ended.
    Libc.waitpid(Integer.parseInt(Files.readString(markerPid).trim()), 0);
  }

  @Test
  void badOptionsFailWithAMessageAndCreateNothing() throws Exception {
    Path dir = dir("run");
    List<List<String>> cases =
        List.of(
            List.of("--bogus", "--dir", dir.toString(), "--", "true"),
            List.of("--dir", dir.toString(), "--log-max-size", "big", "--", "true"),
            List.of("--dir", dir.toString()),
            List.of("--dir", tmp.resolve("missing").toString(), "--", "true"),
            List.of("--dir", dir.toString(), "--ctl-fd", "77", "--", "true"));
    for (List<String> c : cases) {
      List<String> cmd = new ArrayList<>(List.of(shim.toString()));
      cmd.addAll(c);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));
      assertEquals(1, p.exitValue(), c + ": " + out);
      assertTrue(out.contains("berth-shim") || out.contains("unrecognized"), c + ": " + out);
      try (Stream<Path> s = Files.list(dir)) {
        assertEquals(0, s.count(), c + " created files");
      }
    }
  }

  @Test
  void memoryWhileAContainerSleeps() throws Exception {
    Path dir = dir("run");
    int pid = start(dir, List.of("--log", tmp.resolve("log").toString()), List.of("sleep", "30"));
    Thread.sleep(200);
    String rollup = Files.readString(Path.of("/proc/" + pid + "/smaps_rollup"));
    long rss = field(rollup, "Rss:");
    long pss = field(rollup, "Pss:");
    System.out.println("berth-shim memory while `sleep` runs: Rss " + rss + " kB, Pss " + pss + " kB");
    assertTrue(rss > 0 && rss < 4096, "Rss " + rss + " kB");
  }

  private static long field(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name)) {
        return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private static String readAll(int fd) {
    StringBuilder sb = new StringBuilder();
    byte[] buf = new byte[256];
    int n;
    while ((n = Libc.read(fd, buf, 0, buf.length)) > 0) {
      sb.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
    }
    return sb.toString();
  }
}
