package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code berth run -it}, detach keys, attach and {@code exec -it}, typed at a real pty. */
class ContainerTerminalTest {
  static ContainerFixture fx;

  @BeforeAll
  static void image() throws Exception {
    fx = new ContainerFixture();
    assertEquals(0, fx.berth("run", "--rm", "busybox", "true").code());
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  static Pty.Session typed(List<String> cmd, String... steps) throws Exception {
    return Pty.run(fx.dir.resolve("scratch"), cmd, steps);
  }

  @Test
  void interactiveShell() throws Exception {
    Pty.Session s = typed(fx.command("run", "-it", "--rm", "--name", "tty1", "busybox", "sh"),
        "expect:# ", "send:tty; echo $((6*7)); exit 5\\r");
    assertEquals(5, s.code(), s.transcript() + s.error());
    assertTrue(s.transcript().contains("/dev/pts/0\r\n"), s.transcript());
    assertTrue(s.transcript().contains("\r\n42\r\n"), "the shell computed it: " + s.transcript());
    assertEquals("", fx.ok("ps", "-a", "-q", "--filter", "name=^tty1$"));
  }

  @Test
  void detachKeysAndAttach() throws Exception {
    try {
      Pty.Session d = typed(fx.command("run", "-it", "--name", "tty2", "busybox", "sh"),
          "expect:# ", "send:echo $((40+2))\\r", "expect:42", "send:\\x10\\x11");
      assertEquals(0, d.code(), d.transcript() + d.error());
      assertTrue(fx.ok("ps", "--filter", "name=^tty2$", "--format", "{{.Status}}").startsWith("Up "),
          "ctrl-p ctrl-q leaves it running");

      Pty.Session a = typed(fx.command("attach", "tty2"),
          "sleep:0.5", "send:echo back $((6*7)); exit 4\\r");
      assertEquals(4, a.code(), a.transcript() + a.error());
      assertTrue(a.transcript().contains("back 42"), a.transcript());
      assertEquals("4\n", fx.ok("inspect", "--format", "{{.State.ExitCode}}", "tty2"));

      Pty.Session custom = typed(fx.command("run", "-it", "--detach-keys", "ctrl-x", "--name", "tty3", "busybox", "sh"),
          "expect:# ", "send:\\x18");
      assertEquals(0, custom.code(), custom.transcript() + custom.error());
      assertTrue(fx.ok("ps", "--filter", "name=^tty3$", "--format", "{{.Status}}").startsWith("Up "));
    } finally {
      fx.berth("rm", "-f", "tty2");
      fx.berth("rm", "-f", "tty3");
    }
  }

  @Test
  void execWithATerminal() throws Exception {
    String id = fx.ok("run", "-d", "--name", "tty4", "busybox", "sleep", "60").strip();
    try {
      Pty.Session s = typed(fx.command("exec", "-it", "tty4", "sh"),
          "expect:# ", "send:tty; echo $((7*6)); exit 3\\r");
      assertEquals(3, s.code(), s.transcript() + s.error());
      assertTrue(s.transcript().contains("\r\n42\r\n"), s.transcript());
      assertTrue(s.transcript().matches("(?s).*/dev/pts/\\d+\r\n.*"), s.transcript());
    } finally {
      fx.ok("rm", "-f", id);
    }
  }
}
