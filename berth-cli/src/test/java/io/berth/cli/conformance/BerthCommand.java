package io.berth.cli.conformance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs bin/berth as a user would, with files for its stdio, and returns what it said. */
final class BerthCommand {
  record Result(int code, String out, String err) {}

  private BerthCommand() {}

  static Result run(Path scratch, Path root, Map<String, String> env, String stdin, String... args) throws Exception {
    Path home = Path.of(System.getProperty("berth.home", "..")).toAbsolutePath().normalize();
    List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/berth").toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(scratch, "out", ".txt");
    Path err = Files.createTempFile(scratch, "err", ".txt");
    Path in = Files.writeString(Files.createTempFile(scratch, "in", ".txt"), stdin);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
