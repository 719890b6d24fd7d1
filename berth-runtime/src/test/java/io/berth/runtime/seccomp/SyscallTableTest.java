package io.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class SyscallTableTest {

  /** Numbers from the kernel's syscall tables (arch/x86/entry/syscalls, include/uapi/asm-generic). */
  @ParameterizedTest
  @CsvSource({
    "X86_64, read, 0", "X86_64, clone, 56", "X86_64, kexec_load, 246", "X86_64, openat, 257",
    "X86_64, clone3, 435", "X86_64, arch_prctl, 158",
    "X86, read, 3", "X86, socketcall, 102", "X86, clone, 120", "X86, restart_syscall, 0",
    "X32, read, 1073741824", "X32, rt_sigaction, 1073742336", "X32, clone, 1073741880",
    "AARCH64, read, 63", "AARCH64, openat, 56", "AARCH64, clone, 220", "AARCH64, mmap, 222",
    "AARCH64, fstat, 80", "AARCH64, renameat, 38", "AARCH64, clone3, 435",
  })
  void knownNumbers(Architecture arch, String name, int nr) {
    assertEquals(OptionalInt.of(nr), SyscallTable.of(arch).number(name));
  }

  @Test
  void legacySyscallsAreAbsentOnAarch64() {
    SyscallTable table = SyscallTable.of(Architecture.AARCH64);
    for (String name : new String[] {"open", "fork", "stat", "select", "arch_prctl", "fcntl64"}) {
      assertTrue(table.number(name).isEmpty(), name);
    }
  }

  @Test
  void x32NumbersCarryTheX32BitAndOthersDoNot() {
    for (Architecture arch : Architecture.values()) {
      for (String name : SyscallTable.of(arch).names()) {
        int nr = SyscallTable.of(arch).number(name).orElseThrow();
        assertEquals(arch == Architecture.X32, (nr & 0x40000000) != 0, arch + " " + name);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Architecture.class)
  void numbersAreUniqueAndTablesAreComplete(Architecture arch) {
    SyscallTable table = SyscallTable.of(arch);
    Set<Integer> seen = new HashSet<>();
    for (String name : table.names()) {
      assertTrue(seen.add(table.number(name).orElseThrow()), "duplicate number for " + name);
    }
    assertTrue(table.names().size() > 280, arch + " has only " + table.names().size() + " syscalls");
  }
}
