package io.berth.runtime.seccomp;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The architectures Berth has syscall tables for, with the audit value the kernel reports. */
enum Architecture {
  X86_64("SCMP_ARCH_X86_64", 0xC000003E, false),
  X86("SCMP_ARCH_X86", 0x40000003, true),
  // x32 shares x86_64's audit value; its syscalls are told apart by __X32_SYSCALL_BIT in nr.
  X32("SCMP_ARCH_X32", 0xC000003E, false),
  AARCH64("SCMP_ARCH_AARCH64", 0xC00000B7, false);

  /**
   * Names libseccomp accepts but Berth has no table for. Profiles list them routinely (Docker adds
   * SCMP_ARCH_ARM on arm64), so they are tolerated; their syscalls get the default action exactly
   * like an architecture the profile does not list.
   */
  private static final Set<String> WITHOUT_TABLE =
      Set.of(
          "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPS64",
          "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
          "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
          "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
          "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

  final String scmpName;
  final int auditArch;
  /** A 32-bit ABI: the kernel zero-extends its arguments, so only the low word is compared. */
  final boolean narrowArgs;

  Architecture(String scmpName, int auditArch, boolean narrowArgs) {
    this.scmpName = scmpName;
    this.auditArch = auditArch;
    this.narrowArgs = narrowArgs;
  }

  /** Empty for a known architecture without a table; throws for a name libseccomp does not know. */
  static Optional<Architecture> forName(String name) {
    for (Architecture a : values()) {
      if (a.scmpName.equals(name)) {
        return Optional.of(a);
      }
    }
    if (WITHOUT_TABLE.contains(name)) {
      return Optional.empty();
    }
    throw new SeccompException("seccomp: unknown architecture " + SeccompException.quote(name));
  }

  static Architecture host() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> X86_64;
      case "aarch64", "arm64" -> AARCH64;
      default -> throw new SeccompException("seccomp: no syscall table for host architecture " + SeccompException.quote(arch));
    };
  }

  String tableResource() {
    return "syscalls-" + name().toLowerCase(Locale.ROOT) + ".txt";
  }
}
