package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.sys.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The terminal through --console-socket, --preserve-fds, and no host fd leaking inside. */
class ConsoleAndFdsTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void terminalMasterArrivesOnTheConsoleSocket(TestRuntime rt) throws Exception {
    Path sock = tmp.resolve("console.sock");
    int listen = Libc.listenUnix(sock.toString());
    onCleanup(() -> Libc.closeQuietly(listen));
    Bundle b = bundle().script("test -t 0 && test -t 1 && echo is-a-tty; echo size $(stty size); sleep 1");
    b.process().put("terminal", true);
    b.process().putObject("consoleSize").put("height", 33).put("width", 111);
    b.write();
    CompletableFuture<Libc.FdMessage> received =
        CompletableFuture.supplyAsync(
            () -> {
              int conn = Libc.accept(listen);
              try {
                return Libc.recvFd(conn, 4096);
              } finally {
                Libc.closeQuietly(conn);
              }
            });
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), "--console-socket", sock.toString(), id));
    Libc.FdMessage msg = received.get(10, TimeUnit.SECONDS);
    assertTrue(msg.fd() >= 0, "an fd came with the message");
    onCleanup(() -> Libc.closeQuietly(msg.fd()));
    ok(rt.run(tmp, "start", id));
    StringBuilder out = new StringBuilder();
    byte[] buf = new byte[4096];
    long end = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < end && !out.toString().contains("size 33 111")) {
      if (Libc.poll(msg.fd(), Libc.POLLIN, 200) == 0) {
        continue;
      }
      int n;
      try {
        n = Libc.read(msg.fd(), buf, 0, buf.length);
      } catch (RuntimeException e) {
        break; // EIO: the slave side closed
      }
      if (n <= 0) {
        break;
      }
      out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
    String text = out.toString().replace("\r", "");
    assertTrue(text.contains("is-a-tty"), text);
    assertTrue(text.contains("size 33 111"), "consoleSize rows and columns: " + text);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void onlyStdioAndPreservedFdsReachTheContainer(TestRuntime rt) {
    Bundle b = bundle().script("ls /proc/self/fd | tr '\\n' ' '; echo; cat <&3");
    b.write();
    String id = id(rt);
    // fd 3 is preserved; fd 7 is open in the caller too but must not reach the container.
    var r = rt.shell(tmp, "echo preserved-data > " + tmp.resolve("p.txt") + "; exec 3<" + tmp.resolve("p.txt")
        + "; exec 7</etc/hostname; $RT run --preserve-fds 1 --bundle " + b.dir + " " + id);
    ok(r);
    String[] lines = r.out().split("\n");
    // ls holds one more fd for the directory it reads.
    assertEquals("0 1 2 3 4 ", lines[0]);
    assertEquals("preserved-data", lines[1]);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void withoutPreserveFdsNothingButStdio(TestRuntime rt) {
    Bundle b = bundle().script("ls /proc/self/fd | tr '\\n' ' '");
    b.write();
    String id = id(rt);
    var r = ok(rt.shell(tmp, "exec 3</etc/hostname; exec 9</etc/hostname; $RT run --bundle " + b.dir + " " + id));
    assertEquals("0 1 2 3 ", r.out());
  }

  // runc 1.1.5 needs a controlling terminal of its own (it opens /dev/tty); a test has none
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void foregroundRunWithATerminalProxiesIt(TestRuntime rt) {
    Bundle b = bundle().script("test -t 1 && echo tty-out; exit 6");
    b.process().put("terminal", true);
    var r = run(rt, b);
    assertEquals(6, r.code(), r.toString());
    assertTrue(r.out().contains("tty-out"), r.toString());
  }

  // runc 1.1.5 ignores linux.personality (runc 1.2 sets it)
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void personalityLinux32(TestRuntime rt) {
    Bundle b = bundle().script("cat /proc/self/personality");
    b.linux().putObject("personality").put("domain", "LINUX32");
    var r = ok(run(rt, b));
    assertEquals("00000008", r.out().trim());
  }
}
