package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.pull.ImagePuller;
import io.berth.image.spec.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PullProgressTest {
  static final Digest A = Digest.of("a".getBytes(StandardCharsets.UTF_8));
  static final Digest B = Digest.of("b".getBytes(StandardCharsets.UTF_8));

  @Test
  void plainLinesWhenNotATerminal() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PullProgress p = new PullProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), false);
    p.accept(new ImagePuller.Progress(A, "downloading", 10, 100));
    p.accept(new ImagePuller.Progress(A, "done", 100, 100));
    p.accept(new ImagePuller.Progress(B, "exists", 5, 5));
    assertEquals("Copied blob " + A.shortHex() + "\nBlob exists " + B.shortHex() + "\n", buf.toString(StandardCharsets.UTF_8));
  }

  @Test
  void barsRedrawnInPlaceOnATerminal() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PullProgress p = new PullProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), true);
    p.accept(new ImagePuller.Progress(A, "downloading", 50, 100));
    p.accept(new ImagePuller.Progress(B, "done", 5, 5));
    String s = buf.toString(StandardCharsets.UTF_8);
    assertTrue(s.contains("Copying blob " + A.shortHex() + " [" + "=".repeat(15) + " ".repeat(15) + "]"), s);
    assertTrue(s.contains("\033[1A"), "the second frame moves back over the first: " + s);
    assertTrue(s.contains("Copied blob " + B.shortHex()), s);
  }
}
