package io.berth.runtime.seccomp;

import io.berth.oci.Seccomp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The profile a container gets when its config names none: deny by default with EPERM, allow the
 * ordinary syscalls, and allow clone, socket and personality only with arguments that cannot
 * create namespaces, open vsock sockets or switch to exotic personalities. It assumes the default
 * capability set; it does not widen itself for CAP_SYS_ADMIN and friends as Docker's does.
 */
public final class DefaultSeccompProfile {
  private static final String ALLOWED = "default-allowed-syscalls.txt";
  private static final String ALLOW = "SCMP_ACT_ALLOW";
  private static final int ENOSYS = 38;
  private static final long AF_VSOCK = 40;
  // CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
  private static final long CLONE_NAMESPACE_FLAGS = 0x7E020000L;
  // PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32|UNAME26, and 0xffffffff which only queries.
  private static final long[] PERSONALITIES = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffL};

  private static volatile Seccomp hostProfile;

  private DefaultSeccompProfile() {}

  /** The profile for the host's architecture family (x86_64 lists i386 and x32 too). */
  public static Seccomp get() {
    Seccomp profile = hostProfile;
    if (profile == null) {
      hostProfile = profile = build(Architecture.host());
    }
    return profile;
  }

  static Seccomp build(Architecture nativeArch) {
    List<Seccomp.Syscall> rules = new ArrayList<>();
    rules.add(new Seccomp.Syscall(allowedNames(), ALLOW, null, null));
    rules.add(
        new Seccomp.Syscall(
            List.of("clone"), ALLOW, null, List.of(arg(0, CLONE_NAMESPACE_FLAGS, 0, "SCMP_CMP_MASKED_EQ"))));
    // clone3 passes its flags in memory a filter cannot read; ENOSYS makes libc fall back to clone.
    rules.add(new Seccomp.Syscall(List.of("clone3"), "SCMP_ACT_ERRNO", ENOSYS, null));
    rules.add(new Seccomp.Syscall(List.of("socket"), ALLOW, null, List.of(arg(0, AF_VSOCK, 0, "SCMP_CMP_NE"))));
    for (long persona : PERSONALITIES) {
      rules.add(new Seccomp.Syscall(List.of("personality"), ALLOW, null, List.of(arg(0, persona, 0, "SCMP_CMP_EQ"))));
    }
    return new Seccomp(
        "SCMP_ACT_ERRNO", SeccompAction.EPERM, architectures(nativeArch), null, null, null, List.copyOf(rules));
  }

  private static List<String> architectures(Architecture nativeArch) {
    return switch (nativeArch) {
      case X86_64, X86, X32 -> List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
      case AARCH64 -> List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
    };
  }

  private static Seccomp.Arg arg(int index, long value, long valueTwo, String op) {
    return new Seccomp.Arg(index, BigInteger.valueOf(value), BigInteger.valueOf(valueTwo), op);
  }

  static List<String> allowedNames() {
    try (InputStream in = DefaultSeccompProfile.class.getResourceAsStream(ALLOWED)) {
      if (in == null) {
        throw new IllegalStateException("seccomp: " + ALLOWED + " missing from the classpath");
      }
      List<String> names = new ArrayList<>();
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
      for (String line; (line = reader.readLine()) != null; ) {
        line = line.strip();
        if (!line.isEmpty() && !line.startsWith("#")) {
          names.add(line);
        }
      }
      return List.copyOf(names);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
