package io.berth.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Libexec;
import io.berth.runtime.Runtime;
import io.berth.sys.Libc;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-to-exit of a container through the runtime library, in one warm JVM: what an engine
 * that embeds Berth pays per container, without the JVM start a CLI call pays. Two paths, each
 * iteration running both (interleaved, so drift on the machine hits both alike):
 *
 * <ul>
 *   <li>create + start + waitFor + delete (the runtime.md lifecycle, with the exec fifo);
 *   <li>run + waitFor + delete (no fifo).
 * </ul>
 *
 * Each phase is timed on its own too, and the CPU time the calling thread spent per container.
 * The warm-up matters: after 5 iterations most of the runtime's Java code still runs in the
 * interpreter; after a few hundred it is compiled, as in a long-running engine. With {@code
 * --pause}, each measured container follows some idle time (see {@link #pause}). Run as root
 * with {@code -Dberth.libexec} pointing at berth-init; scripts/bench does.
 */
public final class RuntimeBench {
  static final String CREATE_START = "create+start";
  static final String RUN = "run";
  /** The phase that is not wall-clock time: CPU time of the calling thread over the whole. */
  static final String JAVA_CPU = "java cpu";

  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private static final String USAGE =
      """
      usage: RuntimeBench --bundle DIR [--root DIR] [--iterations N] [--warmup N] [--pause MS]
                          [--json | --json-out FILE]
        --bundle DIR      an OCI bundle whose process exits by itself (e.g. /bin/true)
        --root DIR        state directory for the containers (default: a new one under /tmp)
        --iterations N    measured iterations of each path (default 30)
        --warmup N        iterations run first and discarded (default 5)
        --pause MS        idle time before each measured container (default 0: back to back)
        --json            print JSON instead of the table
        --json-out FILE   print the table and write the JSON to FILE
      """;

  record Options(Path bundle, Path root, int iterations, int warmup, int pauseMs, boolean json, Path jsonOut) {
    static Options parse(String... args) {
      Path bundle = null;
      Path root = null;
      int iterations = 30;
      int warmup = 5;
      int pauseMs = 0;
      boolean json = false;
      Path jsonOut = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--bundle" -> bundle = Path.of(value(args, ++i, a));
          case "--root" -> root = Path.of(value(args, ++i, a));
          case "--iterations" -> iterations = count(value(args, ++i, a), a, 1);
          case "--warmup" -> warmup = count(value(args, ++i, a), a, 0);
          case "--pause" -> pauseMs = count(value(args, ++i, a), a, 0);
          case "--json" -> json = true;
          case "--json-out" -> jsonOut = Path.of(value(args, ++i, a));
          default -> throw new IllegalArgumentException("unknown argument \"" + a + "\"");
        }
      }
      if (bundle == null) {
        throw new IllegalArgumentException("--bundle is required");
      }
      if (json && jsonOut != null) {
        throw new IllegalArgumentException("use --json or --json-out, not both");
      }
      return new Options(bundle, root, iterations, warmup, pauseMs, json, jsonOut);
    }

    private static String value(String[] args, int i, String flag) {
      if (i >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      return args[i];
    }

    private static int count(String v, String flag, int min) {
      try {
        int n = Integer.parseInt(v);
        if (n >= min) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through to the message
      }
      throw new IllegalArgumentException(flag + " wants a whole number >= " + min + ", not \"" + v + "\"");
    }
  }

  /** Samples per phase, in the order the phases were first recorded. */
  static final class Phases {
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();

    void add(String phase, long nanos) {
      samples.computeIfAbsent(phase, k -> new ArrayList<>()).add(nanos / 1e6);
    }

    Map<String, Stats> stats() {
      Map<String, Stats> m = new LinkedHashMap<>();
      samples.forEach((k, v) -> m.put(k, Stats.of(toArray(v))));
      return m;
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      samples.forEach(
          (k, v) -> {
            Map<String, Object> s = Stats.of(toArray(v)).toJson();
            s.put("times_ms", v.stream().map(Stats::round).toList());
            m.put(k, s);
          });
      return m;
    }

    private static double[] toArray(List<Double> v) {
      return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  private final Runtime runtime;
  private final Path bundle;
  private final CreateOptions opts;
  private final int pauseMs;
  private final String idPrefix = "bench-" + ProcessHandle.current().pid() + "-";
  private int seq;

  RuntimeBench(Runtime runtime, Path bundle, CreateOptions opts, int pauseMs) {
    this.runtime = runtime;
    this.bundle = bundle;
    this.opts = opts;
    this.pauseMs = pauseMs;
  }

  public static void main(String[] args) throws IOException {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("RuntimeBench: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    Path root = o.root() != null ? o.root() : Files.createTempDirectory("berth-bench-root.");
    List<String> warnings = new ArrayList<>();
    Runtime.adoptContainers();
    Runtime rt = new Runtime(root, Libexec.init(), warnings::add);
    int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    RuntimeBench bench = new RuntimeBench(rt, o.bundle(), CreateOptions.defaults().withStdio(new int[] {devNull, devNull, devNull}), o.pauseMs());

    System.err.printf("RuntimeBench: %d warm-up and %d measured iterations of each path, %d ms pause, bundle %s%n",
        o.warmup(), o.iterations(), o.pauseMs(), o.bundle());
    Phases createStart = new Phases();
    Phases run = new Phases();
    for (int i = 0; i < o.warmup(); i++) {
      bench.createStart(new Phases(), false);
      bench.run(new Phases(), false);
    }
    for (int i = 0; i < o.iterations(); i++) {
      bench.createStart(createStart, true);
      bench.run(run, true);
    }
    warnings.forEach(w -> System.err.println("RuntimeBench: runtime warning: " + w));

    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("benchmark", "berth-runtime library, start-to-exit in one JVM");
    doc.put("bundle", o.bundle().toAbsolutePath().toString());
    doc.put("iterations", o.iterations());
    doc.put("warmup", o.warmup());
    doc.put("pause_ms", o.pauseMs());
    doc.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    Map<String, Object> paths = new LinkedHashMap<>();
    paths.put(CREATE_START, createStart.toJson());
    paths.put(RUN, run.toJson());
    doc.put("paths", paths);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    if (o.json()) {
      System.out.println(json.writeValueAsString(doc));
    } else {
      System.out.print(table(Map.of(CREATE_START, createStart.stats(), RUN, run.stats())));
      if (o.jsonOut() != null) {
        Files.writeString(o.jsonOut(), json.writeValueAsString(doc) + "\n");
      }
    }
    if (o.root() == null) {
      Files.deleteIfExists(root);
    }
  }

  /** The per-phase table, create+start first. */
  static String table(Map<String, Map<String, Stats>> paths) {
    Table t = new Table("path", "phase", "median ms", "p90 ms", "min ms", "max ms");
    for (String path : List.of(CREATE_START, RUN)) {
      Map<String, Stats> phases = paths.get(path);
      if (phases == null) {
        continue;
      }
      String label = path;
      for (var e : phases.entrySet()) {
        Stats s = e.getValue();
        t.row(label, e.getKey(), s.median(), s.p90(), s.min(), s.max());
        label = "";
      }
    }
    return t.render();
  }

  /**
   * create, start, waitFor, delete; each phase timed, the whole, and the CPU time this thread
   * spent on it (the runtime's Java work, without berth-init, the container, JIT or GC).
   */
  void createStart(Phases p, boolean measured) {
    String id = idPrefix + seq++;
    if (measured) {
      pause();
    }
    try {
      long c0 = CPU.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      int pid = runtime.create(id, bundle, opts);
      long t1 = System.nanoTime();
      runtime.start(id);
      long t2 = System.nanoTime();
      int code = Runtime.waitFor(pid);
      long t3 = System.nanoTime();
      checkExit(id, code);
      runtime.delete(id, false);
      long t4 = System.nanoTime();
      long c1 = CPU.getCurrentThreadCpuTime();
      p.add("create", t1 - t0);
      p.add("start", t2 - t1);
      p.add("wait", t3 - t2);
      p.add("delete", t4 - t3);
      p.add("total", t4 - t0);
      p.add(JAVA_CPU, c1 - c0);
    } catch (RuntimeException e) {
      cleanUp(id, e);
      throw e;
    }
  }

  /** run, waitFor, delete; timed as {@link #createStart} is. */
  void run(Phases p, boolean measured) {
    String id = idPrefix + seq++;
    if (measured) {
      pause();
    }
    try {
      long c0 = CPU.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      int pid = runtime.run(id, bundle, opts);
      long t1 = System.nanoTime();
      int code = Runtime.waitFor(pid);
      long t2 = System.nanoTime();
      checkExit(id, code);
      runtime.delete(id, false);
      long t3 = System.nanoTime();
      long c1 = CPU.getCurrentThreadCpuTime();
      p.add("run", t1 - t0);
      p.add("wait", t2 - t1);
      p.add("delete", t3 - t2);
      p.add("total", t3 - t0);
      p.add(JAVA_CPU, c1 - c0);
    } catch (RuntimeException e) {
      cleanUp(id, e);
      throw e;
    }
  }

  /**
   * Idles before a container when asked to. Moving a process into a v1 cgroup waits for an RCU
   * grace period unless another move happened just before (the kernel keeps the threadgroup
   * lock's fast path off for a while), so back-to-back containers can be cheaper than a lone one.
   */
  private void pause() {
    if (pauseMs > 0) {
      try {
        Thread.sleep(pauseMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static void checkExit(String id, int code) {
    if (code != 0) {
      throw new IllegalStateException(
          "container " + id + " exited with " + code + "; the bundle's process must succeed (e.g. /bin/true)");
    }
  }

  private void cleanUp(String id, RuntimeException cause) {
    try {
      runtime.delete(id, true);
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }
}
