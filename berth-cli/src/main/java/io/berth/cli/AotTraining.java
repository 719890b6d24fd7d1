package io.berth.cli;

import java.io.PrintStream;

/**
 * The workload recorded into the CLI's AOT cache at build time: it parses and runs the commands
 * that touch the most classes (JSON, FFM, the runtime) without needing a container.
 */
public final class AotTraining {
  private AotTraining() {}

  /**
   * When the build runs as root on a host with busybox (scripts/setup, CI), the hot path itself
   * is recorded: create, start, state, delete and run of a /bin/true container.
   */
  private static void trainWithContainers(java.nio.file.Path dir, PrintStream err) throws Exception {
    java.nio.file.Path busybox = java.nio.file.Path.of("/bin/busybox");
    long uid = ((Number) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid")).longValue();
    if (uid != 0 || !java.nio.file.Files.isExecutable(busybox)) {
      return;
    }
    java.nio.file.Path bin = java.nio.file.Files.createDirectories(dir.resolve("rootfs/bin"));
    java.nio.file.Files.copy(busybox, bin.resolve("busybox"));
    java.nio.file.Files.createSymbolicLink(bin.resolve("true"), java.nio.file.Path.of("busybox"));
    // The default config, with /bin/true and no terminal: edited as records, not as text.
    io.berth.oci.Spec d = io.berth.oci.SpecJson.readConfig(dir.resolve("config.json"));
    io.berth.oci.Spec.Process p = d.process();
    io.berth.oci.Spec spec = new io.berth.oci.Spec(d.ociVersion(), d.root(), d.mounts(),
        new io.berth.oci.Spec.Process(false, null, p.user(), java.util.List.of("true"), null, p.env(), p.cwd(),
            p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null, null),
        d.hostname(), d.domainname(), d.hooks(), d.annotations(), d.linux());
    java.nio.file.Files.write(dir.resolve("config.json"), io.berth.oci.SpecJson.toBytes(spec));
    String root = dir.resolve("state").toString();
    String b = dir.toString();
    for (int i = 0; i < 3; i++) {
      String id = "aot-training-" + ProcessHandle.current().pid() + "-" + i;
      RuntimeCli.execute("--root", root, "create", "--bundle", b, id);
      RuntimeCli.execute("--root", root, "state", id);
      RuntimeCli.execute("--root", root, "start", id);
      RuntimeCli.execute("--root", root, "list");
      RuntimeCli.execute("--root", root, "delete", "--force", id);
      if (RuntimeCli.execute("--root", root, "run", "--bundle", b, id + "-run") != 0) {
        err.println("AOT training: the training container did not run; the cache covers less");
      }
    }
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    // The training's own output (and its expected errors) would only confuse a build log.
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    System.setOut(quiet);
    System.setErr(quiet);
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("berth-aot");
    try {
      RuntimeCli.execute("features");
      RuntimeCli.execute("spec", "--bundle", dir.toString());
      RuntimeCli.execute("--root", dir.resolve("state").toString(), "list", "--format", "json");
      RuntimeCli.execute("--root", dir.resolve("state").toString(), "state", "nonexistent");
      io.berth.oci.SpecJson.readConfig(dir.resolve("config.json"));
      trainWithContainers(dir, err);
      int[] p = io.berth.sys.Libc.socketpair(io.berth.sys.Libc.SOCK_SEQPACKET);
      io.berth.sys.Libc.close(p[0]);
      io.berth.sys.Libc.close(p[1]);
    } finally {
      try (var s = java.nio.file.Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      System.setOut(out);
      System.setErr(err);
    }
  }
}
