package io.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.runtime.seccomp.BpfAssembler.Label;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfAssemblerTest {

  @Test
  void nearJumpsUseEightBitOffsets() {
    BpfAssembler asm = new BpfAssembler();
    Label yes = asm.label();
    Label no = asm.label();
    asm.load(0);
    asm.branch(BpfAssembler.JMP_JEQ_K, 7, yes, no);
    asm.bind(no);
    asm.ret(2);
    asm.bind(yes);
    asm.ret(1);
    byte[] expected = {
      0x20, 0, 0, 0, 0, 0, 0, 0, // ld [0]
      0x15, 0, 1, 0, 7, 0, 0, 0, // jeq #7, jt 1, jf 0
      0x06, 0, 0, 0, 2, 0, 0, 0, // ret #2
      0x06, 0, 0, 0, 1, 0, 0, 0, // ret #1
    };
    assertArrayEquals(expected, asm.assemble());
  }

  @Test
  void farTargetsAreReachedThroughJa() {
    BpfAssembler asm = new BpfAssembler();
    Label far = asm.label();
    Label alsoFar = asm.label();
    asm.load(0);
    asm.branch(BpfAssembler.JMP_JEQ_K, 1, far, alsoFar);
    for (int i = 0; i < 300; i++) {
      asm.ret(1000 + i);
    }
    asm.bind(far);
    asm.ret(1);
    for (int i = 0; i < 300; i++) {
      asm.ret(2000 + i);
    }
    asm.bind(alsoFar);
    asm.ret(2);
    byte[] filter = asm.assemble();

    assertEquals(2, BpfInterpreter.count(filter, BpfAssembler.JMP_JA), "one trampoline per far side");
    assertEquals(1, BpfInterpreter.run(filter, SeccompData.x86_64(1)));
    assertEquals(2, BpfInterpreter.run(filter, SeccompData.x86_64(0)));
  }

  /** Every trampoline pushes the following targets further away, so layout must iterate. */
  @Test
  void cascadingTrampolinesKeepEveryTarget() {
    BpfAssembler asm = new BpfAssembler();
    int n = 300;
    List<Label> targets = new ArrayList<>();
    asm.load(0);
    for (int i = 0; i < n; i++) {
      Label target = asm.label();
      Label next = asm.label();
      targets.add(target);
      asm.branch(BpfAssembler.JMP_JEQ_K, i, target, next);
      asm.bind(next);
    }
    asm.ret(-1);
    for (int i = 0; i < n; i++) {
      asm.bind(targets.get(i));
      asm.ret(i);
    }
    byte[] filter = asm.assemble();

    assertTrue(BpfInterpreter.count(filter, BpfAssembler.JMP_JA) > 0);
    for (int i = 0; i < n; i++) {
      assertEquals(i, BpfInterpreter.run(filter, SeccompData.x86_64(i)));
    }
    assertEquals(-1, BpfInterpreter.run(filter, SeccompData.x86_64(n)));
  }

  @Test
  void programAboveTheKernelLimitIsRefused() {
    BpfAssembler asm = new BpfAssembler();
    for (int i = 0; i < 4097; i++) {
      asm.ret(0);
    }
    SeccompException e = assertThrows(SeccompException.class, asm::assemble);
    assertTrue(e.getMessage().contains("4097") && e.getMessage().contains("4096"), e.getMessage());
  }

  @Test
  void programAtTheKernelLimitIsAccepted() {
    BpfAssembler asm = new BpfAssembler();
    for (int i = 0; i < 4096; i++) {
      asm.ret(i);
    }
    assertEquals(4096 * 8, asm.assemble().length);
  }

  @Test
  void backwardAndDanglingJumpsAreBugs() {
    BpfAssembler backward = new BpfAssembler();
    Label start = backward.label();
    backward.bind(start);
    backward.ret(0);
    backward.jump(start);
    backward.ret(0);
    assertThrows(IllegalStateException.class, backward::assemble);

    BpfAssembler dangling = new BpfAssembler();
    dangling.jump(dangling.label());
    dangling.ret(0);
    assertThrows(IllegalStateException.class, dangling::assemble);
  }
}
