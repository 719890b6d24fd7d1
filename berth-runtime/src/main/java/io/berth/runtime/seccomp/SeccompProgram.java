package io.berth.runtime.seccomp;

import java.util.Arrays;

/**
 * A compiled filter ready for {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, &fprog)}.
 *
 * @param filter the {@code struct sock_filter} array: 8 bytes per instruction, little-endian
 *     ({@code u16 code, u8 jt, u8 jf, u32 k})
 * @param flags {@code SECCOMP_FILTER_FLAG_*} bits
 */
public record SeccompProgram(byte[] filter, int flags) {
  public SeccompProgram {
    if (filter.length == 0 || filter.length % 8 != 0) {
      throw new IllegalArgumentException("filter length " + filter.length + " is not a whole number of instructions");
    }
    filter = filter.clone();
  }

  /** A copy, so a program handed to several containers cannot be altered by one of them. */
  @Override
  public byte[] filter() {
    return filter.clone();
  }

  public int instructionCount() {
    return filter.length / 8;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeccompProgram p && flags == p.flags && Arrays.equals(filter, p.filter);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(filter) + flags;
  }

  @Override
  public String toString() {
    return "SeccompProgram[" + instructionCount() + " instructions, flags=0x" + Integer.toHexString(flags) + "]";
  }
}
