package io.berth.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The workload recorded into bin/berth's AOT cache at build time: the container commands a user
 * runs most, on a scratch root. As root with busybox-static at hand (scripts/setup, CI) it runs
 * real containers of the local busybox image, so that the cache holds the classes of the whole
 * path (SQLite, Jackson, the engine, the runtime, the shim launcher).
 */
public final class BerthAotTraining {
  private BerthAotTraining() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    System.setOut(quiet);
    System.setErr(quiet);
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "baot");
    String[] g = {"--root", dir.resolve("r").toString(), "--run-root", dir.resolve("x").toString()};
    try {
      run(g, "--help");
      run(g, "images");
      run(g, "ps", "-a");
      run(g, "volume", "ls");
      run(g, "inspect", "nonexistent");
      long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
      if (uid == 0 && Files.isExecutable(Path.of("/bin/busybox"))) {
        try (io.berth.engine.Engine e = io.berth.engine.Engine.open(
            io.berth.engine.Engine.Config.of(dir.resolve("r"), dir.resolve("x")))) {
          io.berth.engine.LocalImages.busybox(e.images());
        }
        // A network of its own (its own bridge and a free subnet), never the default one: the
        // build may run beside a Berth whose containers use the default network's bridge.
        run(g, "network", "create", "aot-training");
        run(g, "network", "ls");
        for (int i = 0; i < 2; i++) {
          if (run(g, "run", "--rm", "--network", "aot-training", "busybox", "true") != 0) {
            err.println("AOT training: the training container did not run; the cache covers less");
          }
          run(g, "run", "-d", "--name", "aot" + i, "--network", i == 0 ? "aot-training" : "none", "busybox", "sleep", "30");
          run(g, "ps");
          run(g, "inspect", "aot" + i);
          run(g, "exec", "aot" + i, "true");
          run(g, "logs", "aot" + i);
          run(g, "stop", "-t", "0", "aot" + i);
          run(g, "rm", "-f", "aot" + i);
        }
        run(g, "events", "--stream=false");
      }
    } finally {
      run(g, "rm", "-f", "aot0", "aot1");
      run(g, "network", "rm", "aot-training");
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        // a scratch directory left in /tmp is harmless
      }
      System.setOut(out);
      System.setErr(err);
    }
  }

  private static int run(String[] global, String... args) {
    String[] all = new String[global.length + args.length];
    System.arraycopy(global, 0, all, 0, global.length);
    System.arraycopy(args, 0, all, global.length, args.length);
    try {
      return BerthCli.execute(all);
    } catch (RuntimeException e) {
      return 125;
    }
  }
}
