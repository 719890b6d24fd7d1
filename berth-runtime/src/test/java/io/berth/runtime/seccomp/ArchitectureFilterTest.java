package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Configs.EPERM;
import static io.berth.runtime.seccomp.Configs.RET_ALLOW;
import static io.berth.runtime.seccomp.Configs.arg;
import static io.berth.runtime.seccomp.Configs.argRule;
import static io.berth.runtime.seccomp.Configs.config;
import static io.berth.runtime.seccomp.Configs.errno;
import static io.berth.runtime.seccomp.Configs.rule;
import static io.berth.runtime.seccomp.Configs.withArchitectures;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.oci.Seccomp;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchitectureFilterTest {
  private static final int DENIED = errno(EPERM);
  private static final int X32_BIT = 0x40000000;
  private static final Seccomp READ_ONLY = config("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "read", "rt_sigaction"));

  private static int run(Seccomp c, SeccompData d) {
    return Configs.runX86_64(c, d);
  }

  @Test
  void unlistedArchitecturesAreKilled() {
    int kill = 0x80000000;
    assertEquals(RET_ALLOW, run(READ_ONLY, SeccompData.x86_64(0)));
    assertEquals(kill, run(READ_ONLY, SeccompData.i386(3)), "i386 read");
    assertEquals(kill, run(READ_ONLY, SeccompData.i386(0)), "i386 nr 0 is not x86_64 read");
    assertEquals(kill, run(READ_ONLY, SeccompData.aarch64(63)), "aarch64 read");
    assertEquals(kill, run(READ_ONLY, new SeccompData(0, 0x12345678, 0, new long[0])), "unknown audit arch");
  }

  @Test
  void listedArchitecturesUseTheirOwnTable() {
    Seccomp c = withArchitectures(READ_ONLY, "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64");
    assertEquals(RET_ALLOW, run(c, SeccompData.i386(3)));
    assertEquals(DENIED, run(c, SeccompData.i386(0)), "restart_syscall on i386");
    assertEquals(RET_ALLOW, run(c, SeccompData.i386(174)), "i386 rt_sigaction");
    assertEquals(RET_ALLOW, run(c, SeccompData.aarch64(63)));
    assertEquals(RET_ALLOW, run(c, SeccompData.aarch64(134)), "aarch64 rt_sigaction");
    assertEquals(DENIED, run(c, SeccompData.aarch64(0)), "io_setup on aarch64");
  }

  @Test
  void x32SyscallsGetTheDefaultWhenX32IsNotListed() {
    Seccomp allowAll = config("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", SyscallTable.of(Architecture.X86_64).names().toArray(String[]::new)));
    for (Seccomp c : List.of(READ_ONLY, allowAll, withArchitectures(READ_ONLY, "SCMP_ARCH_X86"))) {
      assertEquals(DENIED, run(c, SeccompData.x86_64(X32_BIT)), "x32 read");
      assertEquals(DENIED, run(c, SeccompData.x86_64(X32_BIT | 13)), "x32 nr that is x86_64 rt_sigaction");
      assertEquals(DENIED, run(c, SeccompData.x86_64(X32_BIT | 512)), "x32 rt_sigaction");
    }
    assertEquals(RET_ALLOW, run(allowAll, SeccompData.x86_64(13)));
  }

  @Test
  void x32SyscallsUseTheX32TableWhenListed() {
    Seccomp c = withArchitectures(READ_ONLY, "SCMP_ARCH_X32");
    assertEquals(RET_ALLOW, run(c, SeccompData.x86_64(X32_BIT)), "x32 read");
    assertEquals(RET_ALLOW, run(c, SeccompData.x86_64(X32_BIT | 512)), "x32 rt_sigaction");
    assertEquals(DENIED, run(c, SeccompData.x86_64(X32_BIT | 13)), "13 is not rt_sigaction on x32");
    assertEquals(RET_ALLOW, run(c, SeccompData.x86_64(0)), "native x86_64 still applies");
    assertEquals(RET_ALLOW, run(c, SeccompData.x86_64(13)));
  }

  @Test
  void x32WithoutX86_64WhenNativeIsAarch64() {
    Seccomp c = withArchitectures(READ_ONLY, "SCMP_ARCH_X32");
    byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_AARCH64").filter();
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.aarch64(63)));
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.x86_64(X32_BIT)));
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.x86_64(0)), "x86_64 is not listed");
  }

  @Test
  void x32ArgumentsAreSixtyFourBits() {
    Seccomp c =
        withArchitectures(
            config("SCMP_ACT_ERRNO", argRule("SCMP_ACT_ALLOW", null, List.of(arg(1, "SCMP_CMP_EQ", 0x1_00000000L)), "write")),
            "SCMP_ARCH_X32");
    assertEquals(RET_ALLOW, run(c, SeccompData.x86_64(X32_BIT | 1, 0, 0x1_00000000L)));
    assertEquals(DENIED, run(c, SeccompData.x86_64(X32_BIT | 1, 0, 0)));
  }

  @Test
  void tablelessArchitecturesAreToleratedAndKilled() {
    Seccomp c = withArchitectures(READ_ONLY, "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
    byte[] filter = SeccompCompiler.compile(c, "SCMP_ARCH_AARCH64").filter();
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.aarch64(63)));
    int auditArchArm = 0x40000028;
    assertEquals(0x80000000, BpfInterpreter.run(filter, new SeccompData(3, auditArchArm, 0, new long[0])));
    assertEquals(0x80000000, BpfInterpreter.run(filter, SeccompData.x86_64(0)), "x86_64 is not listed on this aarch64 filter");
  }
}
