package io.berth.runtime.seccomp;

import io.berth.oci.Seccomp;
import java.math.BigInteger;
import java.util.List;

/** Small builders for seccomp configs in tests, and the kernel return values spelled out. */
final class Configs {
  static final int RET_KILL_THREAD = 0x00000000;
  static final int RET_KILL_PROCESS = 0x80000000;
  static final int RET_TRAP = 0x00030000;
  static final int RET_USER_NOTIF = 0x7fc00000;
  static final int RET_LOG = 0x7ffc0000;
  static final int RET_ALLOW = 0x7fff0000;
  static final int EPERM = 1;

  private Configs() {}

  static int errno(int errno) {
    return 0x00050000 | errno;
  }

  static int trace(int message) {
    return 0x7ff00000 | message;
  }

  static Seccomp config(String defaultAction, Seccomp.Syscall... rules) {
    return new Seccomp(defaultAction, null, null, null, null, null, List.of(rules));
  }

  static Seccomp withArchitectures(Seccomp c, String... archs) {
    return new Seccomp(c.defaultAction(), c.defaultErrnoRet(), List.of(archs), c.flags(), c.listenerPath(), c.listenerMetadata(), c.syscalls());
  }

  static Seccomp withFlags(Seccomp c, String... flags) {
    return new Seccomp(c.defaultAction(), c.defaultErrnoRet(), c.architectures(), List.of(flags), c.listenerPath(), c.listenerMetadata(), c.syscalls());
  }

  static Seccomp withListener(Seccomp c, String path) {
    return new Seccomp(c.defaultAction(), c.defaultErrnoRet(), c.architectures(), c.flags(), path, c.listenerMetadata(), c.syscalls());
  }

  static Seccomp.Syscall rule(String action, String... names) {
    return new Seccomp.Syscall(List.of(names), action, null, null);
  }

  static Seccomp.Syscall errnoRule(int errno, String... names) {
    return new Seccomp.Syscall(List.of(names), "SCMP_ACT_ERRNO", errno, null);
  }

  static Seccomp.Syscall argRule(String action, Integer errnoRet, List<Seccomp.Arg> args, String... names) {
    return new Seccomp.Syscall(List.of(names), action, errnoRet, args);
  }

  static Seccomp.Arg arg(int index, String op, long value) {
    return new Seccomp.Arg(index, unsigned(value), null, op);
  }

  static Seccomp.Arg masked(int index, long mask, long datum) {
    return new Seccomp.Arg(index, unsigned(mask), unsigned(datum), "SCMP_CMP_MASKED_EQ");
  }

  static BigInteger unsigned(long value) {
    return new BigInteger(Long.toUnsignedString(value));
  }

  static int runX86_64(Seccomp config, SeccompData data) {
    return BpfInterpreter.run(SeccompCompiler.compile(config, "SCMP_ARCH_X86_64").filter(), data);
  }
}
