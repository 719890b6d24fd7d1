package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a classic BPF seccomp filter the way the kernel would, after the same static checks the
 * kernel makes when the filter is loaded (length, jump targets inside the program, aligned loads
 * inside seccomp_data, a return as the last instruction). Only the instructions a seccomp
 * filter compiled here may use are known; anything else fails the test.
 */
final class BpfInterpreter {
  private static final int LD_W_ABS = 0x20;
  private static final int ALU_AND_K = 0x54;
  private static final int JA = 0x05;
  private static final int JEQ_K = 0x15;
  private static final int JGT_K = 0x25;
  private static final int JGE_K = 0x35;
  private static final int JSET_K = 0x45;
  private static final int RET_K = 0x06;

  private record Insn(int code, int jt, int jf, int k) {}

  private BpfInterpreter() {}

  static int run(byte[] filter, SeccompData data) {
    Insn[] prog = check(filter);
    ByteBuffer mem = ByteBuffer.wrap(data.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    int a = 0;
    int pc = 0;
    while (true) {
      Insn in = prog[pc];
      switch (in.code()) {
        case LD_W_ABS -> { a = mem.getInt(in.k()); pc++; }
        case ALU_AND_K -> { a &= in.k(); pc++; }
        case JA -> pc += 1 + in.k();
        case JEQ_K -> pc += 1 + (a == in.k() ? in.jt() : in.jf());
        case JGT_K -> pc += 1 + (Integer.compareUnsigned(a, in.k()) > 0 ? in.jt() : in.jf());
        case JGE_K -> pc += 1 + (Integer.compareUnsigned(a, in.k()) >= 0 ? in.jt() : in.jf());
        case JSET_K -> pc += 1 + ((a & in.k()) != 0 ? in.jt() : in.jf());
        case RET_K -> { return in.k(); }
        default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(in.code()) + " at " + pc);
      }
    }
  }

  static Insn[] check(byte[] filter) {
    if (filter.length == 0 || filter.length % 8 != 0) {
      throw new AssertionError("filter length " + filter.length + " is not a whole number of instructions");
    }
    int n = filter.length / 8;
    if (n > 4096) {
      throw new AssertionError(n + " instructions, the kernel accepts at most 4096");
    }
    ByteBuffer b = ByteBuffer.wrap(filter).order(ByteOrder.LITTLE_ENDIAN);
    Insn[] prog = new Insn[n];
    for (int pc = 0; pc < n; pc++) {
      Insn in = new Insn(b.getShort() & 0xffff, b.get() & 0xff, b.get() & 0xff, b.getInt());
      prog[pc] = in;
      switch (in.code()) {
        case LD_W_ABS -> {
          if (in.k() < 0 || in.k() % 4 != 0 || in.k() + 4 > SeccompData.SIZE) {
            throw new AssertionError("load outside seccomp_data at " + pc + ": offset " + in.k());
          }
        }
        case JA -> {
          if (Integer.toUnsignedLong(in.k()) >= n - pc - 1) {
            throw new AssertionError("ja out of the program at " + pc);
          }
        }
        case JEQ_K, JGT_K, JGE_K, JSET_K -> {
          if (pc + 1 + Math.max(in.jt(), in.jf()) >= n) {
            throw new AssertionError("conditional jump out of the program at " + pc);
          }
        }
        case ALU_AND_K, RET_K -> {}
        default -> throw new AssertionError("unexpected opcode 0x" + Integer.toHexString(in.code()) + " at " + pc);
      }
    }
    if (prog[n - 1].code() != RET_K) {
      throw new AssertionError("the last instruction must return");
    }
    return prog;
  }

  static int count(byte[] filter, int code) {
    int found = 0;
    for (Insn in : check(filter)) {
      if (in.code() == code) {
        found++;
      }
    }
    return found;
  }
}
