package io.berth.cli;

import java.io.PrintStream;

/**
 * The workload recorded into the CLI's AOT cache at build time: it parses and runs the commands
 * that touch the most classes (JSON, picocli, FFM) without needing a container.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("berth-aot");
    try {
      RuntimeCli.execute("features");
      RuntimeCli.execute("spec", "--bundle", dir.toString());
      RuntimeCli.execute("--root", dir.resolve("state").toString(), "list", "--format", "json");
      RuntimeCli.execute("--root", dir.resolve("state").toString(), "state", "nonexistent");
      io.berth.oci.SpecJson.readConfig(dir.resolve("config.json"));
      int[] p = io.berth.sys.Libc.socketpair(io.berth.sys.Libc.SOCK_SEQPACKET);
      io.berth.sys.Libc.close(p[0]);
      io.berth.sys.Libc.close(p[1]);
    } finally {
      try (var s = java.nio.file.Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      System.setOut(out);
    }
  }
}
