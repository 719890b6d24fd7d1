package io.berth.cli.conformance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives a command through a real pseudo-terminal, as a user at a terminal would: python3's pty
 * module allocates it (the JVM cannot), and a script of steps (expect text, send keys, pause)
 * runs against it. The transcript is what the terminal showed.
 */
final class Pty {
  record Session(int code, String transcript, String error) {}

  private static final String DRIVER = """
      import os, pty, select, sys, time
      steps, argv = sys.argv[1], sys.argv[2:]
      pid, fd = pty.fork()
      if pid == 0:
          os.execv(argv[0], argv)
      buf = b""
      def pump(t):
          global buf
          r, _, _ = select.select([fd], [], [], t)
          if r:
              try:
                  d = os.read(fd, 4096)
              except OSError:
                  return False
              if not d:
                  return False
              buf += d
          return True
      seen = 0
      for step in steps.split("\\x1e"):
          kind, _, arg = step.partition(":")
          if kind == "expect":
              want = arg.encode()
              end = time.time() + 20
              while want not in buf[seen:] and time.time() < end:
                  if not pump(0.1):
                      break
              if want not in buf[seen:]:
                  sys.stdout.write(buf.decode(errors="replace"))
                  sys.stderr.write("expected %r\\n" % arg)
                  os.kill(pid, 9)
                  sys.exit(99)
              seen = buf.index(want, seen) + len(want)
          elif kind == "send":
              os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
          elif kind == "sleep":
              end = time.time() + float(arg)
              while time.time() < end:
                  pump(0.05)
      end = time.time() + 30
      done = None
      while time.time() < end:
          got, st = os.waitpid(pid, os.WNOHANG)
          if got:
              done = st
              break
          pump(0.05)
      while pump(0.05):
          pass
      sys.stdout.write(buf.decode(errors="replace"))
      if done is None:
          os.kill(pid, 9)
          sys.stderr.write("still running after 30 s\\n")
          sys.exit(98)
      sys.exit(os.waitstatus_to_exitcode(done))
      """;

  private Pty() {}

  /** Steps: "expect:TEXT", "send:KEYS" (Python escapes: \\r, \\x10), "sleep:SECONDS". */
  static Session run(Path scratch, List<String> command, String... steps) throws Exception {
    Path script = scratch.resolve("pty-driver.py");
    if (!Files.exists(script)) {
      Files.writeString(script, DRIVER);
    }
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), String.join("\u001e", steps)));
    cmd.addAll(command);
    Path out = Files.createTempFile(scratch, "pty", ".out");
    Path err = Files.createTempFile(scratch, "pty", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the pty driver hung: " + cmd);
    }
    return new Session(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
  }
}
