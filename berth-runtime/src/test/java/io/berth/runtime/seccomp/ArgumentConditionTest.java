package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Configs.EPERM;
import static io.berth.runtime.seccomp.Configs.RET_ALLOW;
import static io.berth.runtime.seccomp.Configs.arg;
import static io.berth.runtime.seccomp.Configs.argRule;
import static io.berth.runtime.seccomp.Configs.config;
import static io.berth.runtime.seccomp.Configs.errno;
import static io.berth.runtime.seccomp.Configs.masked;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.oci.Seccomp;
import java.util.List;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArgumentConditionTest {
  private static final int WRITE = 1;
  private static final int DENIED = errno(EPERM);

  /** High words that differ while low words agree (and the reverse) catch a compare of one half. */
  private static final long[] VALUES = {
    0L, 1L, 5L, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x1_00000000L, 0x1_00000001L, 0x1_00000005L,
    0x2_00000000L, 0x2_00000005L, 0xffffffff_00000000L, 0xffffffff_00000005L, 0x80000000_00000000L,
    0x7fffffff_ffffffffL, -1L,
  };

  private static BiPredicate<Long, Long> expectation(String op) {
    return switch (op) {
      case "SCMP_CMP_EQ" -> (a, v) -> a.longValue() == v.longValue();
      case "SCMP_CMP_NE" -> (a, v) -> a.longValue() != v.longValue();
      case "SCMP_CMP_LT" -> (a, v) -> Long.compareUnsigned(a, v) < 0;
      case "SCMP_CMP_LE" -> (a, v) -> Long.compareUnsigned(a, v) <= 0;
      case "SCMP_CMP_GT" -> (a, v) -> Long.compareUnsigned(a, v) > 0;
      case "SCMP_CMP_GE" -> (a, v) -> Long.compareUnsigned(a, v) >= 0;
      default -> throw new IllegalArgumentException(op);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE"})
  void orderingOperatorsCompareAllSixtyFourBitsUnsigned(String op) {
    BiPredicate<Long, Long> holds = expectation(op);
    for (int index : new int[] {0, 3, 5}) {
      for (long value : VALUES) {
        Seccomp c = config("SCMP_ACT_ERRNO", argRule("SCMP_ACT_ALLOW", null, List.of(arg(index, op, value)), "write"));
        byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64").filter();
        for (long a : VALUES) {
          long[] args = {0x1111L, 0x2222L, 0x3333L, 0x4444L, 0x5555L, 0x6666L};
          args[index] = a;
          int expected = holds.test(a, value) ? RET_ALLOW : DENIED;
          assertEquals(
              expected,
              BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, args)),
              () -> "args[" + index + "]=0x" + Long.toHexString(a) + " " + op + " 0x" + Long.toHexString(value));
        }
      }
    }
  }

  @Test
  void maskedEqualityUsesValueAsMaskAndValueTwoAsDatum() {
    long[][] maskDatum = {
      {0x7E020000L, 0},
      {0xffffffff_ffffffffL, 0x12345678_9abcdef0L},
      {0xff000000_000000ffL, 0x12000000_00000034L},
      {0x00000001_00000000L, 0x00000001_00000000L},
      {0x0L, 0x0L},
      {0x0000ffffL, 0x00010000L}, // datum outside the mask: never equal
    };
    long[] args = {
      0, 17, 0x10000011L, 0x7E020000L, 0x12345678_9abcdef0L, 0x12345678_9abcdef1L, 0x12ffffff_ffffff34L,
      0x13000000_00000034L, 0x00000001_00000000L, 0xfffffffe_ffffffffL, 0xffffffff_00000000L, -1L,
    };
    for (long[] md : maskDatum) {
      Seccomp c = config("SCMP_ACT_ERRNO", argRule("SCMP_ACT_ALLOW", null, List.of(masked(2, md[0], md[1])), "write"));
      byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64").filter();
      for (long a : args) {
        int expected = (a & md[0]) == md[1] ? RET_ALLOW : DENIED;
        assertEquals(
            expected,
            BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0, 0, a)),
            () -> "(0x" + Long.toHexString(a) + " & 0x" + Long.toHexString(md[0]) + ") == 0x" + Long.toHexString(md[1]));
      }
    }
  }

  @Test
  void conditionsOfOneRuleAreAllRequired() {
    Seccomp c =
        config(
            "SCMP_ACT_ERRNO",
            argRule(
                "SCMP_ACT_ALLOW",
                null,
                List.of(
                    arg(0, "SCMP_CMP_EQ", 1),
                    arg(1, "SCMP_CMP_GT", 0x1_00000000L),
                    arg(3, "SCMP_CMP_GE", 10),
                    arg(3, "SCMP_CMP_LE", 20),
                    masked(4, 0xf0, 0x30)),
                "write"));
    byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64").filter();
    long[] a0 = {1, 2, 0x1_00000001L};
    long[] a1 = {0x1_00000001L, 0x1_00000000L, 0x2L};
    long[] a3 = {10, 15, 20, 9, 21, 0x1_0000000fL};
    long[] a4 = {0x35, 0x3f, 0x45, 0x1_00000030L};
    for (long x0 : a0) {
      for (long x1 : a1) {
        for (long x3 : a3) {
          for (long x4 : a4) {
            boolean all =
                x0 == 1 && Long.compareUnsigned(x1, 0x1_00000000L) > 0 && x3 >= 10 && x3 <= 20 && (x4 & 0xf0) == 0x30;
            assertEquals(
                all ? RET_ALLOW : DENIED,
                BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, x0, x1, 0, x3, x4)),
                () -> List.of(x0, x1, x3, x4).toString());
          }
        }
      }
    }
  }

  /**
   * i386 passes 32-bit registers the kernel zero-extends; as in libseccomp only the low word of the
   * configured value counts there, so -1 written as a 64-bit number still matches a 32-bit -1.
   */
  @Test
  void thirtyTwoBitArchitectureComparesTheLowWord() {
    Seccomp c =
        Configs.withArchitectures(
            config(
                "SCMP_ACT_ERRNO",
                argRule("SCMP_ACT_ALLOW", null, List.of(arg(0, "SCMP_CMP_EQ", -1L)), "write"),
                argRule("SCMP_ACT_LOG", null, List.of(arg(0, "SCMP_CMP_GT", 0x1_00000010L)), "write")),
            "SCMP_ARCH_X86");
    byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64").filter();
    int i386Write = 4;
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.i386(i386Write, 0xffffffffL)));
    assertEquals(Configs.RET_LOG, BpfInterpreter.run(filter, SeccompData.i386(i386Write, 0x11)));
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.i386(i386Write, 0x10)));
    // The same rules on x86_64 see all 64 bits.
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0xffffffffL)));
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, -1L)));
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0x11)));
    assertEquals(Configs.RET_LOG, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0x1_00000011L)));
  }

  @Test
  void missingValueTwoMeansZero() {
    Seccomp c =
        config(
            "SCMP_ACT_ERRNO",
            argRule("SCMP_ACT_ALLOW", null, List.of(new Seccomp.Arg(0, Configs.unsigned(0xff), null, "SCMP_CMP_MASKED_EQ")), "write"));
    byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64").filter();
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0x100)));
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.x86_64(WRITE, 0x101)));
  }
}
