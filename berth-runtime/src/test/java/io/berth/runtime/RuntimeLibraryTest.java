package io.berth.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.DefaultSpec;
import io.berth.oci.Linux;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime as a library in a warm JVM: containers with piped stdio, waited on by this
 * process (a subreaper), and the guarantee that a failed create leaves nothing behind.
 */
class RuntimeLibraryTest {
  @TempDir Path tmp;
  Runtime rt;
  final List<String> ids = new ArrayList<>();
  final List<String> warnings = new ArrayList<>();

  @BeforeAll
  static void adopt() {
    Runtime.adoptContainers();
  }

  @BeforeEach
  void setUp() {
    rt = new Runtime(tmp.resolve("state"), Libexec.init(), warnings::add);
  }

  @AfterEach
  void tearDown() {
    for (String id : ids) {
      try {
        rt.delete(id, true);
      } catch (RuntimeException e) {
        // Best effort.
      }
    }
  }

  String id() {
    String id = "lib-" + ProcessHandle.current().pid() + "-" + ids.size() + "-" + System.nanoTime() % 100000;
    ids.add(id);
    return id;
  }

  Path bundle(List<String> args, java.util.function.UnaryOperator<Spec> edit) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "bundle");
    Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String a : List.of("sh", "echo", "cat", "true", "sleep", "hostname")) {
      Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
    }
    Spec d = DefaultSpec.create(false, 0, 0);
    Spec.Process p = d.process();
    Spec s =
        new Spec(
            d.ociVersion(), d.root(), d.mounts(),
            new Spec.Process(false, null, p.user(), args, null, p.env(), "/", p.capabilities(), p.rlimits(), true, null, null, null),
            "lib", null, null, null, d.linux());
    Files.write(dir.resolve("config.json"), SpecJson.toBytes(edit.apply(s)));
    return dir;
  }

  /** Runs a container with stdout on a pipe; returns {exit code, output}. */
  Object[] runPiped(String id, Path bundle) {
    int[] out = Libc.pipe();
    int pid;
    try {
      pid = rt.run(id, bundle, CreateOptions.defaults().withStdio(new int[] {0, out[1], 2}));
    } finally {
      Libc.close(out[1]);
    }
    StringBuilder text = new StringBuilder();
    byte[] buf = new byte[4096];
    int n;
    while ((n = Libc.read(out[0], buf, 0, buf.length)) > 0) {
      text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
    Libc.close(out[0]);
    return new Object[] {Runtime.waitFor(pid), text.toString()};
  }

  @Test
  void runWithPipedStdioAndExitCode() throws Exception {
    String id = id();
    Object[] r = runPiped(id, bundle(List.of("sh", "-c", "echo hi from $(hostname); exit 5"), s -> s));
    assertEquals(5, r[0]);
    assertEquals("hi from lib\n", r[1]);
    assertEquals(Status.STOPPED, rt.status(id));
    rt.delete(id, false);
    assertFalse(Files.exists(tmp.resolve("state").resolve(id)));
  }

  @Test
  void createStartWaitThroughTheLibrary() throws Exception {
    String id = id();
    int pid = rt.create(id, bundle(List.of("sh", "-c", "exit 9"), s -> s), CreateOptions.defaults().withStdio(new int[] {0, 1, 2}));
    assertEquals(Status.CREATED, rt.status(id));
    assertEquals(pid, rt.state(id).pid());
    rt.start(id);
    assertEquals(9, Runtime.waitFor(pid));
    assertEquals(Status.STOPPED, rt.status(id));
  }

  @Test
  void execJoinsTheContainer() throws Exception {
    String id = id();
    rt.run(id, bundle(List.of("sleep", "1000"), s -> s), CreateOptions.defaults());
    int[] out = Libc.pipe();
    Spec.Process p =
        new Spec.Process(false, null, new Spec.User(0, 0), List.of("sh", "-c", "hostname; exit 4"), null,
            List.of("PATH=/bin"), "/", null, null, true, null, null, null);
    int pid;
    try {
      pid = rt.exec(id, p, CreateOptions.defaults().withStdio(new int[] {0, out[1], 2}));
    } finally {
      Libc.close(out[1]);
    }
    byte[] buf = new byte[256];
    int n = Libc.read(out[0], buf, 0, buf.length);
    Libc.close(out[0]);
    assertEquals("lib\n", new String(buf, 0, n, StandardCharsets.UTF_8));
    assertEquals(4, Runtime.waitFor(pid));
  }

  @Test
  void aFailedCreateLeavesNoStateCgroupOrProcess() throws Exception {
    String id = id();
    Path b =
        bundle(List.of("true"), s -> {
          List<Spec.Mount> mounts = new ArrayList<>(s.mounts());
          mounts.add(new Spec.Mount("/bad", "no-such-fs", "none", List.of()));
          return new Spec(s.ociVersion(), s.root(), mounts, s.process(), s.hostname(), null, null, null, s.linux());
        });
    ContainerException e = assertThrows(ContainerException.class, () -> rt.create(id, b, CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("/bad"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("state").resolve(id)), "no state directory");
    for (String c : List.of("memory", "pids", "cpu", "devices", "freezer")) {
      assertFalse(Files.exists(Path.of("/sys/fs/cgroup", c, "berth", id)), c + " cgroup removed");
    }
    // The id is free again: a retry with a good bundle succeeds.
    Object[] r = runPiped(id, bundle(List.of("echo", "retry"), s -> s));
    assertEquals(0, r[0]);
    assertEquals("retry\n", r[1]);
  }

  @Test
  void aMissingExecutableIsReportedAtCreate() throws Exception {
    String id = id();
    Path b = bundle(List.of("no-such-program"), s -> s);
    ContainerException e = assertThrows(ContainerException.class, () -> rt.create(id, b, CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("no-such-program") && e.getMessage().contains("not found"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("state").resolve(id)));
  }

  @Test
  void manyContainersAtOnce() throws Exception {
    Path b = bundle(List.of("sh", "-c", "echo $$"), s -> s);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Object[]>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String id = id();
        results.add(pool.submit((Callable<Object[]>) () -> runPiped(id, b)));
      }
      for (Future<Object[]> f : results) {
        Object[] r = f.get();
        assertEquals(0, r[0]);
        assertEquals("1\n", r[1], "each is pid 1 of its own namespace");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void joinedNamespacePathThatDoesNotExistFailsCleanly() throws Exception {
    String id = id();
    Path b =
        bundle(List.of("true"), s -> {
          List<Linux.Namespace> ns = new ArrayList<>();
          for (Linux.Namespace n : s.linux().namespaces()) {
            ns.add(n.type().equals("network") ? new Linux.Namespace("network", "/proc/999999999/ns/net") : n);
          }
          Linux l = s.linux();
          Linux nl = new Linux(ns, l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(), l.cgroupsPath(),
              l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality());
          return new Spec(s.ociVersion(), s.root(), s.mounts(), s.process(), s.hostname(), null, null, null, nl);
        });
    ContainerException e = assertThrows(ContainerException.class, () -> rt.create(id, b, CreateOptions.defaults()));
    assertTrue(e.getMessage().contains("/proc/999999999/ns/net"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("state").resolve(id)));
  }
}
