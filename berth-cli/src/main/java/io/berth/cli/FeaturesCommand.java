package io.berth.cli;

import io.berth.oci.DefaultSpec;
import io.berth.oci.LinuxNames;
import io.berth.oci.SpecJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code features}: what this runtime implements, as the features.md document. */
final class FeaturesCommand {
  static final List<String> MOUNT_OPTIONS =
      List.of(
          "async", "atime", "bind", "dev", "diratime", "dirsync", "exec", "lazytime", "loud",
          "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime", "nomand",
          "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime",
          "remount", "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared",
          "silent", "slave", "strictatime", "suid", "symfollow", "sync", "unbindable");

  private FeaturesCommand() {}

  static int run(java.io.PrintStream out) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("ociVersionMin", "1.0.0");
    doc.put("ociVersionMax", DefaultSpec.OCI_VERSION);
    doc.put(
        "hooks",
        List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"));
    doc.put("mountOptions", MOUNT_OPTIONS);
    Map<String, Object> linux = new LinkedHashMap<>();
    linux.put(
        "namespaces",
        java.util.Arrays.stream(LinuxNames.NamespaceType.values()).map(t -> t.specName).sorted().toList());
    linux.put("capabilities", LinuxNames.CAPABILITIES);
    linux.put(
        "cgroup",
        Map.of("v1", true, "v2", true, "systemd", false, "systemdUser", false, "rdma", false));
    Map<String, Object> seccomp = new LinkedHashMap<>();
    seccomp.put("enabled", true);
    seccomp.put(
        "actions",
        List.of(
            "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"));
    seccomp.put(
        "operators",
        List.of(
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
            "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"));
    seccomp.put("archs", List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"));
    List<String> flags =
        List.of(
            "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
    seccomp.put("knownFlags", flags);
    seccomp.put("supportedFlags", flags);
    linux.put("seccomp", seccomp);
    linux.put("apparmor", Map.of("enabled", Files.exists(Path.of("/sys/kernel/security/apparmor"))));
    linux.put("selinux", Map.of("enabled", Files.exists(Path.of("/sys/fs/selinux/enforce"))));
    linux.put("intelRdt", Map.of("enabled", false));
    linux.put("mountExtensions", Map.of("idmap", Map.of("enabled", false)));
    doc.put("linux", linux);
    doc.put("annotations", Map.of("io.berth.runtime.version", "0.1.0"));
    out.println(SpecJson.toPrettyString(doc));
    return 0;
  }
}
