package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Configs.EPERM;
import static io.berth.runtime.seccomp.Configs.RET_ALLOW;
import static io.berth.runtime.seccomp.Configs.arg;
import static io.berth.runtime.seccomp.Configs.argRule;
import static io.berth.runtime.seccomp.Configs.errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Seccomp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LargeProfileTest {
  private static final int DENIED = errno(EPERM);
  private static final int IOCTL = 16;

  /** 400 rules on one syscall plus an allow list: conditional jumps must be bridged. */
  @Test
  void fourHundredRulesOnOneSyscall() throws IOException {
    Map<String, Integer> x86_64 = table("syscalls-x86_64.txt");
    List<Seccomp.Syscall> rules = new ArrayList<>();
    List<String> allowed = x86_64.keySet().stream().filter(n -> !n.equals("ioctl")).sorted().limit(150).toList();
    rules.add(Configs.rule("SCMP_ACT_ALLOW", allowed.toArray(String[]::new)));
    for (int i = 0; i < 400; i++) {
      rules.add(argRule("SCMP_ACT_ERRNO", i + 1, List.of(arg(1, "SCMP_CMP_EQ", 0x5400_0000_0000L + i)), "ioctl"));
    }
    Seccomp c = new Seccomp("SCMP_ACT_ERRNO", null, null, null, null, null, rules);
    SeccompProgram p = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64");

    assertTrue(p.instructionCount() > 1000, "the block for ioctl alone spans " + p.instructionCount());
    for (int i = 0; i < 400; i++) {
      assertEquals(errno(i + 1), BpfInterpreter.run(p.filter(), SeccompData.x86_64(IOCTL, 3, 0x5400_0000_0000L + i)));
    }
    assertEquals(DENIED, BpfInterpreter.run(p.filter(), SeccompData.x86_64(IOCTL, 3, 400)));
    assertEquals(DENIED, BpfInterpreter.run(p.filter(), SeccompData.x86_64(IOCTL, 3, 0x5401_0000_0000L)));
    for (String name : allowed) {
      assertEquals(RET_ALLOW, BpfInterpreter.run(p.filter(), SeccompData.x86_64(x86_64.get(name))), name);
    }
    assertEquals(0x80000000, BpfInterpreter.run(p.filter(), SeccompData.i386(3)), "unlisted i386: killed");
  }

  /** 400 rules over 100 syscalls: most blocks lie far behind the search tree that enters them. */
  @Test
  void fourHundredRulesOverManySyscalls() throws IOException {
    Map<String, Integer> x86_64 = table("syscalls-x86_64.txt");
    List<String> names = x86_64.keySet().stream().sorted().toList();
    List<String> tested = names.subList(0, 100);
    List<String> allowed = names.subList(100, 250);
    List<Seccomp.Syscall> rules = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      rules.add(argRule("SCMP_ACT_ERRNO", i + 1, List.of(arg(1, "SCMP_CMP_EQ", 0x5400_0000_0000L + i)), tested.get(i % 100)));
    }
    rules.add(Configs.rule("SCMP_ACT_ALLOW", allowed.toArray(String[]::new)));
    Seccomp c = new Seccomp("SCMP_ACT_ERRNO", null, null, null, null, null, rules);
    SeccompProgram p = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64");

    assertTrue(BpfInterpreter.count(p.filter(), BpfAssembler.JMP_JA) > 0, "far jumps go through ja");
    for (int i = 0; i < 400; i++) {
      int nr = x86_64.get(tested.get(i % 100));
      assertEquals(errno(i + 1), BpfInterpreter.run(p.filter(), SeccompData.x86_64(nr, 0, 0x5400_0000_0000L + i)), "rule " + i);
      assertEquals(DENIED, BpfInterpreter.run(p.filter(), SeccompData.x86_64(nr, 0, 0x5400_0000_0000L + i + 0x1_00000000L)));
    }
    for (String name : allowed) {
      assertEquals(RET_ALLOW, BpfInterpreter.run(p.filter(), SeccompData.x86_64(x86_64.get(name))), name);
    }
    for (String name : names.subList(250, names.size())) {
      assertEquals(DENIED, BpfInterpreter.run(p.filter(), SeccompData.x86_64(x86_64.get(name), 0, 0x5400_0000_0000L)), name);
    }
  }

  /** One conditional rule for every x86_64 syscall: the search tree itself jumps far. */
  @Test
  void aConditionalRuleForEverySyscall() throws IOException {
    Map<String, Integer> x86_64 = table("syscalls-x86_64.txt");
    List<Seccomp.Syscall> rules = new ArrayList<>();
    x86_64.forEach((name, nr) -> rules.add(argRule("SCMP_ACT_ERRNO", nr % 4000 + 2, List.of(arg(0, "SCMP_CMP_EQ", nr)), name)));
    Seccomp c = new Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, rules);
    SeccompProgram p = SeccompCompiler.compile(c, "SCMP_ARCH_X86_64");

    assertTrue(x86_64.size() > 350);
    for (int nr : x86_64.values()) {
      assertEquals(errno(nr % 4000 + 2), BpfInterpreter.run(p.filter(), SeccompData.x86_64(nr, nr)), "nr " + nr);
      assertEquals(RET_ALLOW, BpfInterpreter.run(p.filter(), SeccompData.x86_64(nr, nr + 0x1_00000000L)), "nr " + nr);
    }
    assertEquals(RET_ALLOW, BpfInterpreter.run(p.filter(), SeccompData.x86_64(5000, 5000)), "number without rules");
  }

  @Test
  void programAboveFourThousandNinetySixInstructionsIsRefused() {
    List<Seccomp.Syscall> rules = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      rules.add(argRule("SCMP_ACT_ALLOW", null, List.of(arg(0, "SCMP_CMP_EQ", i)), "read"));
    }
    Seccomp c = new Seccomp("SCMP_ACT_ERRNO", null, null, null, null, null, rules);
    SeccompException e = assertThrows(SeccompException.class, () -> SeccompCompiler.compile(c, "SCMP_ARCH_X86_64"));
    assertTrue(e.getMessage().startsWith("seccomp: the filter needs "), e.getMessage());
    assertTrue(e.getMessage().contains("4096"), e.getMessage());
  }

  /** Read independently of SyscallTable so a parsing bug there cannot hide here. */
  static Map<String, Integer> table(String resource) throws IOException {
    Map<String, Integer> numbers = new LinkedHashMap<>();
    try (var in = new BufferedReader(new InputStreamReader(LargeProfileTest.class.getResourceAsStream(resource), StandardCharsets.US_ASCII))) {
      in.lines()
          .filter(l -> !l.startsWith("#") && !l.isBlank())
          .forEach(l -> numbers.put(l.substring(0, l.indexOf(' ')), Integer.valueOf(l.substring(l.indexOf(' ') + 1).trim())));
    }
    return numbers;
  }
}
