package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.Configs.EPERM;
import static io.berth.runtime.seccomp.Configs.RET_ALLOW;
import static io.berth.runtime.seccomp.Configs.errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Seccomp;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DefaultSeccompProfileTest {
  private static final int DENIED = errno(EPERM);
  private static final long SIGCHLD = 17;
  private static final long CLONE_NEWUSER = 0x10000000L;
  private static final long CLONE_NEWNET = 0x40000000L;
  private static final long CLONE_NEWNS = 0x00020000L;
  // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID
  private static final long PTHREAD_CREATE_FLAGS = 0x3d0f00L;

  private static byte[] x86Filter;

  @BeforeAll
  static void compile() {
    x86Filter = SeccompCompiler.compile(DefaultSeccompProfile.build(Architecture.X86_64), "SCMP_ARCH_X86_64").filter();
  }

  private static int x86_64(int nr, long... args) {
    return BpfInterpreter.run(x86Filter, SeccompData.x86_64(nr, args));
  }

  @ParameterizedTest
  @CsvSource({
    "read, 0", "write, 1", "openat, 257", "mmap, 9", "execve, 59", "exit_group, 231", "futex, 202",
    "epoll_wait, 232", "arch_prctl, 158", "getpid, 39", "ptrace, 101", "io_uring_setup, 425",
  })
  void ordinarySyscallsAreAllowed(String name, int nr) {
    assertEquals(RET_ALLOW, x86_64(nr), name);
  }

  @ParameterizedTest
  @CsvSource({
    "kexec_load, 246", "kexec_file_load, 320", "init_module, 175", "finit_module, 313", "delete_module, 176",
    "mount, 165", "umount2, 166", "pivot_root, 155", "reboot, 169", "keyctl, 250", "add_key, 248",
    "request_key, 249", "bpf, 321", "perf_event_open, 298", "unshare, 272", "setns, 308", "swapon, 167",
    "acct, 163", "open_by_handle_at, 304", "userfaultfd, 323", "settimeofday, 164", "fsopen, 430",
  })
  void privilegedSyscallsGetEperm(String name, int nr) {
    assertEquals(DENIED, x86_64(nr), name);
  }

  @Test
  void cloneOnlyWithoutNamespaceFlags() {
    int clone = 56;
    assertEquals(RET_ALLOW, x86_64(clone, SIGCHLD), "fork-like clone");
    assertEquals(RET_ALLOW, x86_64(clone, PTHREAD_CREATE_FLAGS), "thread creation");
    assertEquals(RET_ALLOW, x86_64(clone, 0xffffffff_00000000L | SIGCHLD), "bits above 32 are not namespace flags");
    assertEquals(DENIED, x86_64(clone, CLONE_NEWUSER | SIGCHLD));
    assertEquals(DENIED, x86_64(clone, CLONE_NEWNET));
    assertEquals(DENIED, x86_64(clone, CLONE_NEWNS | PTHREAD_CREATE_FLAGS));
  }

  @Test
  void clone3ReportsEnosysSoLibcFallsBackToClone() {
    assertEquals(errno(38), x86_64(435));
  }

  @Test
  void socketExceptVsock() {
    int socket = 41;
    assertEquals(RET_ALLOW, x86_64(socket, 2, 1, 0), "AF_INET");
    assertEquals(RET_ALLOW, x86_64(socket, 1, 1, 0), "AF_UNIX");
    assertEquals(DENIED, x86_64(socket, 40, 1, 0), "AF_VSOCK");
  }

  @Test
  void personalityOnlyForTheUsualPersonas() {
    int personality = 135;
    for (long allowed : new long[] {0, 8, 0x20000, 0x20008, 0xffffffffL}) {
      assertEquals(RET_ALLOW, x86_64(personality, allowed), Long.toHexString(allowed));
    }
    assertEquals(DENIED, x86_64(personality, 0x0400000), "READ_IMPLIES_EXEC");
    assertEquals(DENIED, x86_64(personality, 0x0040000), "ADDR_NO_RANDOMIZE");
  }

  @Test
  void compatAbisAreFilteredToo() {
    assertEquals(RET_ALLOW, BpfInterpreter.run(x86Filter, SeccompData.i386(3)), "i386 read");
    assertEquals(RET_ALLOW, BpfInterpreter.run(x86Filter, SeccompData.i386(102)), "i386 socketcall");
    assertEquals(DENIED, BpfInterpreter.run(x86Filter, SeccompData.i386(21)), "i386 mount");
    assertEquals(DENIED, BpfInterpreter.run(x86Filter, SeccompData.i386(120, CLONE_NEWUSER)), "i386 clone");
    assertEquals(RET_ALLOW, BpfInterpreter.run(x86Filter, SeccompData.i386(120, SIGCHLD)), "i386 clone");
    assertEquals(RET_ALLOW, BpfInterpreter.run(x86Filter, SeccompData.x86_64(0x40000000)), "x32 read");
    assertEquals(DENIED, BpfInterpreter.run(x86Filter, SeccompData.x86_64(0x40000000 | 165)), "x32 mount");
    assertEquals(0x80000000, BpfInterpreter.run(x86Filter, SeccompData.aarch64(63)), "aarch64 is not listed on x86_64: killed");
  }

  @Test
  void aarch64Profile() {
    Seccomp profile = DefaultSeccompProfile.build(Architecture.AARCH64);
    assertEquals(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"), profile.architectures());
    byte[] filter = SeccompCompiler.compile(profile, "SCMP_ARCH_AARCH64").filter();
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.aarch64(63)), "read");
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.aarch64(56)), "openat");
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.aarch64(40)), "mount");
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.aarch64(104)), "kexec_load");
    assertEquals(RET_ALLOW, BpfInterpreter.run(filter, SeccompData.aarch64(220, SIGCHLD)), "clone");
    assertEquals(DENIED, BpfInterpreter.run(filter, SeccompData.aarch64(220, CLONE_NEWUSER)), "clone NEWUSER");
  }

  /** Every number of every x86 ABI, against the allow list read directly from the resource. */
  @ParameterizedTest
  @CsvSource({"syscalls-x86_64.txt, X86_64", "syscalls-x86.txt, I386", "syscalls-x32.txt, X32"})
  void everySyscallFollowsTheAllowList(String table, String abi) throws java.io.IOException {
    java.util.Set<String> allowed = new java.util.HashSet<>(DefaultSeccompProfile.allowedNames());
    java.util.Set<String> conditional = java.util.Set.of("clone", "clone3", "socket", "personality");
    java.util.Map<String, Integer> numbers = LargeProfileTest.table(table);
    java.util.Set<Integer> used = new java.util.HashSet<>(numbers.values());
    int base = abi.equals("X32") ? 0x40000000 : 0;
    for (var e : numbers.entrySet()) {
      if (!conditional.contains(e.getKey())) {
        int expected = allowed.contains(e.getKey()) ? RET_ALLOW : DENIED;
        assertEquals(expected, BpfInterpreter.run(x86Filter, data(abi, e.getValue())), abi + " " + e.getKey());
      }
    }
    for (int nr = base; nr < base + 1024; nr++) {
      if (!used.contains(nr)) {
        assertEquals(DENIED, BpfInterpreter.run(x86Filter, data(abi, nr)), abi + " unassigned " + nr);
      }
    }
    assertEquals(DENIED, BpfInterpreter.run(x86Filter, data(abi, -1)));
  }

  private static SeccompData data(String abi, int nr) {
    return abi.equals("I386") ? SeccompData.i386(nr) : SeccompData.x86_64(nr);
  }

  @Test
  void everyAllowedNameExistsSomewhere() {
    for (String name : DefaultSeccompProfile.allowedNames()) {
      boolean known = false;
      for (Architecture arch : Architecture.values()) {
        known |= SyscallTable.of(arch).number(name).isPresent();
      }
      assertTrue(known, name);
    }
    assertTrue(DefaultSeccompProfile.allowedNames().size() > 300);
  }

  @Test
  void hostProfileMatchesTheHost() {
    assertTrue(System.getProperty("os.arch").equals("amd64"));
    Seccomp profile = DefaultSeccompProfile.get();
    assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), profile.architectures());
    assertEquals("SCMP_ACT_ERRNO", profile.defaultAction());
    SeccompProgram p = SeccompCompiler.compile(profile);
    assertEquals(0, p.flags());
    assertTrue(p.instructionCount() < 4096);
  }
}
