package io.berth.cli.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A runtime under test, driven through its command line exactly as a shim or podman would:
 * berth-runtime, or Debian's runc as the reference the tests must also pass against.
 */
final class TestRuntime {
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  final String name;
  final List<String> command;
  final Path root;
  final java.util.Map<String, String> env;

  private TestRuntime(String name, List<String> command, Path root, java.util.Map<String, String> env) {
    this.name = name;
    this.command = command;
    this.root = root;
    this.env = env;
  }

  boolean isBerth() {
    return name.startsWith("berth");
  }

  /**
   * One runtime service for the whole test JVM, on a socket of its own, ended by PID when the
   * JVM exits: the "berth-service" runtime is the same command through it.
   */
  private static final class Service {
    static final Path SOCKET = Path.of("/tmp/berth-conformance-" + ProcessHandle.current().pid() + ".sock");
    static final Process PROCESS = start();

    private static Process start() {
      Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
      try {
        ProcessBuilder pb =
            new ProcessBuilder(home.resolve("bin/berth-runtime").toString(), "--serve", SOCKET.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("BERTH_RUNTIME_DIRECT", "1");
        pb.environment().put("BERTH_RUNTIME_IDLE_SECONDS", "600");
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          p.destroy();
          try {
            Files.deleteIfExists(SOCKET);
          } catch (IOException e) {
            // The socket goes with /tmp's next clean-up.
          }
        }));
        for (int i = 0; i < 300 && !Files.exists(SOCKET); i++) {
          Thread.sleep(20);
        }
        if (!Files.exists(SOCKET)) {
          throw new AssertionError("the runtime service did not start");
        }
        return p;
      } catch (IOException e) {
        throw new AssertionError(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static List<TestRuntime> available(Path tmp) {
    List<TestRuntime> all = new ArrayList<>();
    Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
    String bin = home.resolve("bin/berth-runtime").toString();
    all.add(new TestRuntime("berth", List.of(bin), tmp.resolve("berth-state"), java.util.Map.of("BERTH_RUNTIME_DIRECT", "1")));
    if (!"false".equals(System.getProperty("berth.conformance.service"))) {
      all.add(new TestRuntime("berth-service", List.of(bin), tmp.resolve("berth-state"),
          java.util.Map.of("BERTH_RUNTIME_SOCKET", Service.SOCKET.toString())));
    }
    String only = System.getProperty("berth.conformance.only");
    if (Files.isExecutable(Path.of("/usr/sbin/runc"))) {
      all.add(new TestRuntime("runc", List.of("/usr/sbin/runc"), tmp.resolve("runc-state"), java.util.Map.of()));
    }
    if (only != null && !only.isEmpty()) {
      all.removeIf(r -> !r.name.equals(only));
    }
    return all;
  }

  List<String> argv(String... args) {
    List<String> cmd = new ArrayList<>(command);
    cmd.add("--root");
    cmd.add(root.toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Runs one command; stdout and stderr go to files, since a container may keep them open. */
  Result run(Path workDir, String... args) {
    return exec(workDir, argv(args));
  }

  /** Runs a shell script with $RT set to this runtime's command (for fd inheritance tests). */
  Result shell(Path workDir, String script) {
    String rt = String.join(" ", argv());
    return exec(workDir, List.of("/bin/sh", "-c", "RT='" + rt + "'; " + script));
  }

  Result exec(Path workDir, List<String> cmd) {
    try {
      Path out = Files.createTempFile(workDir, "out", ".txt");
      Path err = Files.createTempFile(workDir, "err", ".txt");
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().putAll(env);
      if (name.equals("berth-service")) {
        Service.PROCESS.pid(); // started before the first command
      }
      Process p =
          pb
              .directory(workDir.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + cmd);
      }
      Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
      Files.delete(out);
      Files.delete(err);
      return r;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
