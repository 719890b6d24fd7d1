package io.berth.runtime.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.berth.sys.Libc;
import io.berth.sys.WaitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shims a test started and their cleanup: each is killed and reaped by its pid (this JVM is
 * a subreaper, so daemonized shims come back to it), and so is each process still under it.
 */
final class ShimProcesses {
  private final List<Integer> shims = new ArrayList<>();

  void add(int shimPid) {
    shims.add(shimPid);
  }

  static int readPid(Path dir) throws IOException {
    return Integer.parseInt(Files.readString(dir.resolve("shim.pid")).trim());
  }

  static ExitStatus awaitExit(Path dir) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      var st = ExitStatus.read(dir);
      if (st.isPresent()) {
        return st.get();
      }
      Thread.sleep(20);
    }
    return fail("no exit.json in " + dir);
  }

  /** Waits for a shim that has written exit.json to end, and reaps it. */
  static void reapEnded(int shimPid) {
    WaitStatus st = Libc.waitpid(shimPid, 0);
    if (st != null) {
      assertEquals(0, st.shellCode(), "shim exit status");
    }
  }

  static boolean alive(int pid) {
    return Files.exists(Path.of("/proc/" + pid));
  }

  static List<Integer> children(int pid) {
    List<Integer> out = new ArrayList<>();
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
      for (String p : s.split("\\s+")) {
        if (!p.isEmpty()) {
          out.add(Integer.parseInt(p));
        }
      }
    } catch (IOException e) {
      // Gone already.
    }
    return out;
  }

  void cleanup() {
    for (int shim : shims) {
      List<Integer> kids = children(shim);
      for (int kid : kids) {
        Libc.kill(kid, Libc.SIGKILL);
      }
      if (alive(shim)) {
        Libc.kill(shim, Libc.SIGKILL);
      }
      Libc.waitpid(shim, 0);
      for (int kid : kids) {
        Libc.waitpid(kid, Libc.WNOHANG); // adopted by us if the shim went first
      }
    }
    shims.clear();
  }
}
