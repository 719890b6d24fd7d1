package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Configs.EPERM;
import static io.berth.runtime.seccomp.Configs.RET_ALLOW;
import static io.berth.runtime.seccomp.Configs.argRule;
import static io.berth.runtime.seccomp.Configs.arg;
import static io.berth.runtime.seccomp.Configs.config;
import static io.berth.runtime.seccomp.Configs.errno;
import static io.berth.runtime.seccomp.Configs.errnoRule;
import static io.berth.runtime.seccomp.Configs.rule;
import static io.berth.runtime.seccomp.Configs.runX86_64;
import static io.berth.runtime.seccomp.SeccompData.x86_64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Seccomp;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeccompCompilerTest {
  private static final int READ = 0;
  private static final int WRITE = 1;
  private static final int GETPID = 39;
  private static final int MOUNT = 165;

  @Test
  void unlistedSyscallGetsTheDefaultAction() {
    Seccomp c = config("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "read", "write"));
    assertEquals(errno(EPERM), runX86_64(c, x86_64(MOUNT)));
    assertEquals(errno(EPERM), runX86_64(c, x86_64(GETPID)));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(READ)));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(WRITE)));
  }

  @Test
  void denyListOverAllowDefault() {
    Seccomp c = config("SCMP_ACT_ALLOW", errnoRule(13, "mount"), rule("SCMP_ACT_KILL_PROCESS", "getpid"));
    assertEquals(errno(13), runX86_64(c, x86_64(MOUNT)));
    assertEquals(Configs.RET_KILL_PROCESS, runX86_64(c, x86_64(GETPID)));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(READ)));
  }

  @Test
  void errnoValues() {
    Seccomp c =
        new Seccomp(
            "SCMP_ACT_ERRNO", 38, null, null, null, null,
            List.of(errnoRule(13, "read"), rule("SCMP_ACT_ERRNO", "write"), errnoRule(0, "getpid")));
    assertEquals(errno(13), runX86_64(c, x86_64(READ)));
    assertEquals(errno(EPERM), runX86_64(c, x86_64(WRITE)), "a rule without errnoRet returns EPERM");
    assertEquals(errno(0), runX86_64(c, x86_64(GETPID)), "errnoRet 0 fakes success");
    assertEquals(errno(38), runX86_64(c, x86_64(MOUNT)), "the default uses defaultErrnoRet");

    Seccomp noDefaultErrno = config("SCMP_ACT_ERRNO");
    assertEquals(errno(EPERM), runX86_64(noDefaultErrno, x86_64(MOUNT)));
  }

  @ParameterizedTest
  @CsvSource({
    "SCMP_ACT_KILL, , 0x00000000",
    "SCMP_ACT_KILL_THREAD, , 0x00000000",
    "SCMP_ACT_KILL_PROCESS, , 0x80000000",
    "SCMP_ACT_TRAP, , 0x00030000",
    "SCMP_ACT_ERRNO, , 0x00050001",
    "SCMP_ACT_ERRNO, 4095, 0x00050fff",
    "SCMP_ACT_TRACE, , 0x7ff00001",
    "SCMP_ACT_TRACE, 1234, 0x7ff004d2",
    "SCMP_ACT_ALLOW, , 0x7fff0000",
    "SCMP_ACT_LOG, , 0x7ffc0000",
    "SCMP_ACT_NOTIFY, , 0x7fc00000",
  })
  void actionValues(String action, Integer errnoRet, String expectedHex) {
    int expected = Integer.parseUnsignedInt(expectedHex.substring(2), 16);
    Seccomp c =
        Configs.withListener(
            config("SCMP_ACT_ALLOW", new Seccomp.Syscall(List.of("mount"), action, errnoRet, null)), "/run/agent.sock");
    assertEquals(expected, runX86_64(c, x86_64(MOUNT)));
    if (!action.equals("SCMP_ACT_NOTIFY")) {
      Seccomp asDefault = new Seccomp(action, errnoRet, null, null, null, null, List.of(rule("SCMP_ACT_LOG", "read")));
      assertEquals(expected, runX86_64(asDefault, x86_64(MOUNT)), "as default action");
    }
  }

  @Test
  void firstMatchingRuleWinsInConfigOrder() {
    Seccomp c =
        config(
            "SCMP_ACT_ALLOW",
            argRule("SCMP_ACT_ERRNO", 5, List.of(arg(0, "SCMP_CMP_EQ", 1)), "write"),
            argRule("SCMP_ACT_ERRNO", 6, List.of(arg(0, "SCMP_CMP_LE", 2)), "write"),
            errnoRule(7, "write", "read"),
            errnoRule(8, "write"));
    assertEquals(errno(5), runX86_64(c, x86_64(WRITE, 1)));
    assertEquals(errno(6), runX86_64(c, x86_64(WRITE, 2)));
    assertEquals(errno(6), runX86_64(c, x86_64(WRITE, 0)));
    assertEquals(errno(7), runX86_64(c, x86_64(WRITE, 3)));
    assertEquals(errno(7), runX86_64(c, x86_64(READ, 1)));
  }

  @Test
  void unconditionalRuleHidesLaterConditionalOnes() {
    Seccomp c =
        config(
            "SCMP_ACT_ERRNO",
            rule("SCMP_ACT_ALLOW", "write"),
            argRule("SCMP_ACT_KILL", null, List.of(arg(0, "SCMP_CMP_EQ", 2)), "write"));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(WRITE, 2)));
  }

  @Test
  void ruleThatRepeatsTheDefaultStillShadowsLaterRules() {
    Seccomp c =
        config(
            "SCMP_ACT_ERRNO",
            argRule("SCMP_ACT_ERRNO", null, List.of(arg(0, "SCMP_CMP_EQ", 2)), "write"),
            rule("SCMP_ACT_ALLOW", "write"));
    assertEquals(errno(EPERM), runX86_64(c, x86_64(WRITE, 2)));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(WRITE, 3)));
  }

  @Test
  void unknownSyscallNamesAreSkipped() {
    Seccomp c = config("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "no_such_syscall", "read", "fcntl64"));
    assertEquals(RET_ALLOW, runX86_64(c, x86_64(READ)));
    assertEquals(errno(EPERM), runX86_64(c, x86_64(WRITE)));
  }

  @Test
  void emptyRuleListYieldsOnlyTheDefault() {
    Seccomp c = new Seccomp("SCMP_ACT_LOG", null, null, null, null, null, null);
    assertEquals(Configs.RET_LOG, runX86_64(c, x86_64(READ)));
    assertEquals(0x80000000, runX86_64(c, SeccompData.i386(3)), "an unlisted architecture is killed");
  }

  @Test
  void filterStartsWithTheArchitectureCheck() {
    byte[] filter = SeccompCompiler.compile(config("SCMP_ACT_ALLOW"), "SCMP_ARCH_X86_64").filter();
    assertEquals(0x20, filter[0]);
    assertEquals(4, filter[4], "ld [4] loads seccomp_data.arch");
  }

  @Test
  void hostArchitectureIsTheDefault() {
    assertTrue(System.getProperty("os.arch").equals("amd64"));
    Seccomp c = config("SCMP_ACT_ERRNO", rule("SCMP_ACT_ALLOW", "read"));
    assertEquals(SeccompCompiler.compile(c, "SCMP_ARCH_X86_64"), SeccompCompiler.compile(c));
  }

  @Test
  void flags() {
    Seccomp plain = config("SCMP_ACT_ALLOW");
    assertEquals(0, SeccompCompiler.compile(plain, "SCMP_ARCH_X86_64").flags());
    Seccomp three =
        Configs.withFlags(plain, "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    assertEquals(1 | 2 | 4, SeccompCompiler.compile(three, "SCMP_ARCH_X86_64").flags());
  }

  @Test
  void notifyAddsNewListenerAndTsyncThenNeedsEsrch() {
    Seccomp notify = Configs.withListener(config("SCMP_ACT_ALLOW", rule("SCMP_ACT_NOTIFY", "mount")), "/run/a.sock");
    assertEquals(8, SeccompCompiler.compile(notify, "SCMP_ARCH_X86_64").flags());
    assertEquals(1 | 8 | 16, SeccompCompiler.compile(Configs.withFlags(notify, "SECCOMP_FILTER_FLAG_TSYNC"), "SCMP_ARCH_X86_64").flags());
    assertEquals(
        8 | 32,
        SeccompCompiler.compile(Configs.withFlags(notify, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"), "SCMP_ARCH_X86_64").flags());
  }

  @Test
  void errors() {
    assertError("unknown action \"SCMP_ACT_FOO\"", config("SCMP_ACT_ALLOW", rule("SCMP_ACT_FOO", "read")));
    assertError("unknown action \"SCMP_ACT_NOPE\"", config("SCMP_ACT_NOPE"));
    assertError("defaultAction is required", config(null));
    assertError(
        "unknown argument operator \"SCMP_CMP_XX\"",
        config("SCMP_ACT_ALLOW", argRule("SCMP_ACT_ERRNO", null, List.of(arg(0, "SCMP_CMP_XX", 1)), "read")));
    assertError(
        "unknown argument operator null",
        config("SCMP_ACT_ALLOW", argRule("SCMP_ACT_ERRNO", null, List.of(arg(0, null, 1)), "read")));
    assertError(
        "argument index 6",
        config("SCMP_ACT_ALLOW", argRule("SCMP_ACT_ERRNO", null, List.of(arg(6, "SCMP_CMP_EQ", 1)), "read")));
    assertError(
        "not an unsigned 64-bit number",
        config("SCMP_ACT_ALLOW", argRule("SCMP_ACT_ERRNO", null, List.of(new Seccomp.Arg(0, BigInteger.valueOf(-1), null, "SCMP_CMP_EQ")), "read")));
    assertError(
        "not an unsigned 64-bit number",
        config("SCMP_ACT_ALLOW", argRule("SCMP_ACT_ERRNO", null, List.of(new Seccomp.Arg(0, BigInteger.ONE.shiftLeft(64), null, "SCMP_CMP_EQ")), "read")));
    assertError("unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"", Configs.withFlags(config("SCMP_ACT_ALLOW"), "SECCOMP_FILTER_FLAG_BOGUS"));
    assertError("WAIT_KILLABLE_RECV needs", Configs.withFlags(config("SCMP_ACT_ALLOW"), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
    assertError("SCMP_ACT_NOTIFY needs listenerPath", config("SCMP_ACT_ALLOW", rule("SCMP_ACT_NOTIFY", "mount")));
    assertError("cannot be the defaultAction", Configs.withListener(config("SCMP_ACT_NOTIFY"), "/run/a.sock"));
    assertError("unknown architecture \"SCMP_ARCH_VAX\"", Configs.withArchitectures(config("SCMP_ACT_ALLOW"), "SCMP_ARCH_VAX"));
    assertError("errnoRet 5000", config("SCMP_ACT_ALLOW", errnoRule(5000, "read")));
    assertError("errnoRet -1", config("SCMP_ACT_ALLOW", errnoRule(-1, "read")));
    assertError("a syscall rule needs names", config("SCMP_ACT_ALLOW", new Seccomp.Syscall(List.of(), "SCMP_ACT_ALLOW", null, null)));
  }

  @Test
  void nativeArchitectureMustHaveATable() {
    SeccompException e =
        assertThrows(SeccompException.class, () -> SeccompCompiler.compile(config("SCMP_ACT_ALLOW"), "SCMP_ARCH_ARM"));
    assertTrue(e.getMessage().startsWith("seccomp: no syscall table"), e.getMessage());
  }

  private static void assertError(String expectedPart, Seccomp config) {
    SeccompException e = assertThrows(SeccompException.class, () -> SeccompCompiler.compile(config, "SCMP_ARCH_X86_64"));
    assertTrue(e.getMessage().startsWith("seccomp: "), e.getMessage());
    assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), "one line");
  }
}
