package io.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** {@code struct seccomp_data} as the kernel hands it to a filter on a little-endian machine. */
record SeccompData(int nr, int arch, long instructionPointer, long[] args) {
  static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  static final int AUDIT_ARCH_I386 = 0x40000003;
  static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
  static final int SIZE = 64;

  SeccompData {
    if (args.length > 6) {
      throw new IllegalArgumentException("at most 6 arguments");
    }
    args = java.util.Arrays.copyOf(args, 6);
  }

  static SeccompData x86_64(int nr, long... args) {
    return new SeccompData(nr, AUDIT_ARCH_X86_64, 0x401000L, args);
  }

  static SeccompData i386(int nr, long... args) {
    return new SeccompData(nr, AUDIT_ARCH_I386, 0x8048000L, args);
  }

  static SeccompData aarch64(int nr, long... args) {
    return new SeccompData(nr, AUDIT_ARCH_AARCH64, 0x400000L, args);
  }

  byte[] bytes() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(nr).putInt(arch).putLong(instructionPointer);
    for (long arg : args) {
      b.putLong(arg);
    }
    return b.array();
  }
}
