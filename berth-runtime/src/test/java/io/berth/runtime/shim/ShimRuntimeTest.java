package io.berth.runtime.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.DefaultSpec;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Libexec;
import io.berth.runtime.Runtime;
import io.berth.sys.Libc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers of the runtime library started under berth-shim through {@link ShimLauncher}. */
class ShimRuntimeTest {
  @TempDir Path tmp;
  final List<String> warnings = new ArrayList<>();
  final List<Runtime> runtimes = new ArrayList<>();
  final List<String> ids = new ArrayList<>();
  final ShimProcesses procs = new ShimProcesses();
  int devNull = -1;

  @BeforeAll
  static void adopt() {
    Runtime.adoptContainers();
  }

  @AfterEach
  void tearDown() {
    for (Runtime rt : runtimes) {
      for (String id : ids) {
        try {
          rt.delete(id, true);
        } catch (RuntimeException e) {
          // Best effort: not this runtime's, or gone.
        }
      }
    }
    procs.cleanup();
    Libc.closeQuietly(devNull);
  }

  String id() {
    String id = "shim-" + ProcessHandle.current().pid() + "-" + ids.size() + "-" + System.nanoTime() % 100000;
    ids.add(id);
    return id;
  }

  Path bundle(List<String> args, boolean terminal) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "bundle");
    Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String a : List.of("sh", "echo", "cat", "true", "sleep", "stty")) {
      Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
    }
    Spec d = DefaultSpec.create(terminal, 0, 0);
    Spec.Process p = d.process();
    Spec s =
        new Spec(
            d.ociVersion(), d.root(), d.mounts(),
            new Spec.Process(terminal, null, p.user(), args, null, p.env(), "/", p.capabilities(), p.rlimits(), true, null, null, null),
            "shim", null, null, null, d.linux());
    Files.write(dir.resolve("config.json"), SpecJson.toBytes(s));
    return dir;
  }

  Runtime runtime(ShimOptions opts) {
    Runtime rt = new Runtime(tmp.resolve("state"), Libexec.init(), warnings::add, new ShimLauncher(opts));
    runtimes.add(rt);
    return rt;
  }

  CreateOptions nullStdio(String consoleSocket) {
    devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    return new CreateOptions(null, consoleSocket, 0, false, new int[] {devNull, devNull, devNull});
  }

  static String logText(Path log) {
    return new CriLog(log).read(-1, null).stream().map(CriLog.Entry::text).collect(Collectors.joining("\n"));
  }

  @Test
  void createAndStartUnderTheShim() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("run"));
    ShimOptions opts = ShimOptions.of("c1", dir);
    Runtime rt = runtime(opts);
    String id = id();
    int pid = rt.create(id, bundle(List.of("sh", "-c", "echo hi; exit 7"), false), nullStdio(null));
    int shim = ShimProcesses.readPid(dir);
    procs.add(shim);
    assertEquals(List.of(pid), ShimProcesses.children(shim), "the container is the shim's child");
    rt.start(id);
    ExitStatus exit = ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(shim);
    assertEquals(7, exit.exitCode());
    List<CriLog.Entry> log = new CriLog(opts.logPath()).read(-1, null);
    assertEquals(1, log.size(), log.toString());
    assertEquals("hi", log.get(0).text());
    assertEquals("stdout", log.get(0).stream());
  }

  @Test
  void aFailedCreateEndsTheShim() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("run"));
    Runtime rt = runtime(ShimOptions.of("c2", dir));
    String id = id();
    Path b = bundle(List.of("no-such-program"), false);
    try {
      rt.create(id, b, nullStdio(null));
    } catch (RuntimeException expected) {
      // The runtime reports it; what matters here is the shim.
    }
    int shim = ShimProcesses.readPid(dir);
    procs.add(shim);
    ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(shim);
  }

  @Test
  void terminalOutputStdinAndResizeThroughTheShim() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("run"));
    ShimOptions opts = ShimOptions.of("c3", dir).withTty(true).withStdin(true);
    Runtime rt = runtime(opts);
    String id = id();
    rt.create(id, bundle(List.of("sh", "-c", "read x; stty size; echo got $x"), true), nullStdio(opts.consoleSocket()));
    int shim = ShimProcesses.readPid(dir);
    procs.add(shim);
    ShimClient client = ShimClient.connect(dir);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream typed = new java.io.PipedInputStream();
    java.io.PipedOutputStream keys = new java.io.PipedOutputStream((java.io.PipedInputStream) typed);
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> client.attach(typed, out, out, false));
    rt.start(id);
    client.resize(31, 101);
    keys.write("hello\n".getBytes(StandardCharsets.US_ASCII));
    keys.flush();
    assertEquals(0, code.get(20, TimeUnit.SECONDS));
    keys.close();
    ShimProcesses.awaitExit(dir);
    ShimProcesses.reapEnded(shim);
    String seen = out.toString(StandardCharsets.UTF_8);
    assertTrue(seen.contains("got hello"), seen);
    assertTrue(seen.contains("31 101"), seen);
    String log = logText(opts.logPath());
    assertTrue(log.contains("got hello"), log);
    assertTrue(log.contains("31 101"), log);
    assertTrue(new CriLog(opts.logPath()).read(-1, null).stream().allMatch(e -> e.stream().equals("stdout")));
    assertTrue(!Files.exists(dir.resolve("console.sock")), "the console socket is gone once used");
  }
}
