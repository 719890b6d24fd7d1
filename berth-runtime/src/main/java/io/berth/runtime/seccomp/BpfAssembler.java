package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic BPF with forward labels. A conditional jump has 8-bit offsets, so when its target is
 * more than 255 instructions away the jump lands on an unconditional {@code ja} (32-bit offset)
 * placed right behind it. Growing one jump can push others out of range, so layout repeats until
 * nothing grows; it terminates because jumps only ever grow.
 */
final class BpfAssembler {
  /** BPF_MAXINSNS: the kernel refuses longer filters. */
  static final int MAX_INSTRUCTIONS = 4096;

  static final int LD_W_ABS = 0x20;
  static final int ALU_AND_K = 0x54;
  static final int JMP_JA = 0x05;
  static final int JMP_JEQ_K = 0x15;
  static final int JMP_JGT_K = 0x25;
  static final int JMP_JGE_K = 0x35;
  static final int RET_K = 0x06;

  private static final int MAX_SHORT_JUMP = 0xff;

  /** A position in the program, bound once, before the instruction that follows. */
  static final class Label {
    private int index = -1;
  }

  private sealed interface Insn permits Plain, Goto, Branch {}

  private record Plain(int code, int k) implements Insn {}

  private record Goto(Label target) implements Insn {}

  private static final class Branch implements Insn {
    final int code;
    final int k;
    final Label onTrue;
    final Label onFalse;
    boolean farTrue;
    boolean farFalse;

    Branch(int code, int k, Label onTrue, Label onFalse) {
      this.code = code;
      this.k = k;
      this.onTrue = onTrue;
      this.onFalse = onFalse;
    }

    int size() {
      return 1 + (farTrue ? 1 : 0) + (farFalse ? 1 : 0);
    }
  }

  private final List<Insn> insns = new ArrayList<>();

  Label label() {
    return new Label();
  }

  void bind(Label label) {
    if (label.index >= 0) {
      throw new IllegalStateException("label bound twice");
    }
    label.index = insns.size();
  }

  void load(int offset) {
    insns.add(new Plain(LD_W_ABS, offset));
  }

  void and(int mask) {
    insns.add(new Plain(ALU_AND_K, mask));
  }

  void ret(int value) {
    insns.add(new Plain(RET_K, value));
  }

  void jump(Label target) {
    insns.add(new Goto(target));
  }

  /** {@code code} is one of the JMP_*_K comparisons; they compare A with k, unsigned. */
  void branch(int code, int k, Label onTrue, Label onFalse) {
    insns.add(new Branch(code, k, onTrue, onFalse));
  }

  byte[] assemble() {
    int[] pos = layout();
    int total = pos[insns.size()];
    if (total > MAX_INSTRUCTIONS) {
      throw new SeccompException(
          "seccomp: the filter needs " + total + " instructions, more than the kernel's limit of "
              + MAX_INSTRUCTIONS + "; use fewer rules, argument conditions or architectures");
    }
    ByteBuffer out = ByteBuffer.allocate(total * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < insns.size(); i++) {
      int p = pos[i];
      switch (insns.get(i)) {
        case Plain(int code, int k) -> put(out, code, 0, 0, k);
        case Goto(Label target) -> put(out, JMP_JA, 0, 0, distance(pos, p, target));
        case Branch b -> {
          int trampolines = 0;
          int jt = b.farTrue ? trampolines++ : distance(pos, p, b.onTrue);
          int jf = b.farFalse ? trampolines++ : distance(pos, p, b.onFalse);
          put(out, b.code, jt, jf, b.k);
          if (b.farTrue) {
            put(out, JMP_JA, 0, 0, distance(pos, p + 1 + jt, b.onTrue));
          }
          if (b.farFalse) {
            put(out, JMP_JA, 0, 0, distance(pos, p + 1 + jf, b.onFalse));
          }
        }
      }
    }
    return out.array();
  }

  /** Start of each instruction after trampolines are inserted; the last entry is the length. */
  private int[] layout() {
    while (true) {
      int[] pos = new int[insns.size() + 1];
      for (int i = 0; i < insns.size(); i++) {
        pos[i + 1] = pos[i] + (insns.get(i) instanceof Branch b ? b.size() : 1);
      }
      boolean grew = false;
      for (int i = 0; i < insns.size(); i++) {
        if (insns.get(i) instanceof Branch b) {
          if (!b.farTrue && distance(pos, pos[i], b.onTrue) > MAX_SHORT_JUMP) {
            b.farTrue = grew = true;
          }
          if (!b.farFalse && distance(pos, pos[i], b.onFalse) > MAX_SHORT_JUMP) {
            b.farFalse = grew = true;
          }
        }
      }
      if (!grew) {
        return pos;
      }
    }
  }

  /** Offset from the instruction at {@code from} to the label, counted from the next one. */
  private int distance(int[] pos, int from, Label target) {
    if (target.index < 0 || target.index >= insns.size()) {
      throw new IllegalStateException("jump to a label that is unbound or past the last instruction");
    }
    int offset = pos[target.index] - from - 1;
    if (offset < 0) {
      throw new IllegalStateException("classic BPF jumps only forward");
    }
    return offset;
  }

  private static void put(ByteBuffer out, int code, int jt, int jf, int k) {
    out.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
  }
}
