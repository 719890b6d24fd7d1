package io.berth.oci;

import java.math.BigInteger;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a configuration against the rules of config.md and config-linux.md before anything is
 * created, so that a bad config fails with one clear message and leaves nothing behind.
 */
public final class SpecValidator {
  private static final Pattern SEMVER =
      Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$");
  private static final Set<String> PROPAGATIONS =
      Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable");
  private static final Set<String> SECCOMP_ACTIONS =
      Set.of(
          "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
          "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
  private static final Set<String> DEVICE_TYPES = Set.of("c", "b", "u", "p");

  private SpecValidator() {}

  /**
   * Validates {@code spec}; {@code needProcess} is true for create/run, where the container's
   * process is required.
   */
  public static void validate(Spec spec, boolean needProcess) {
    version(spec.ociVersion());
    if (spec.root() == null || spec.root().path() == null || spec.root().path().isEmpty()) {
      fail("root.path is required");
    }
    if (needProcess && spec.process() == null) {
      fail("process is required to create a container");
    }
    if (spec.process() != null) {
      process(spec.process());
    }
    if (spec.mounts() != null) {
      for (Spec.Mount m : spec.mounts()) {
        if (m.destination() == null || m.destination().isEmpty()) {
          fail("mount without destination");
        }
      }
    }
    if (spec.hooks() != null) {
      hooks(spec.hooks());
    }
    if (spec.linux() != null) {
      linux(spec);
    }
  }

  static void version(String v) {
    if (v == null || v.isEmpty()) {
      fail("ociVersion is required");
    }
    var m = SEMVER.matcher(v);
    if (!m.matches()) {
      fail("ociVersion \"" + v + "\" is not a SemVer version");
    }
    if (!m.group(1).equals("1")) {
      fail("ociVersion \"" + v + "\" is not supported (this runtime implements 1.x)");
    }
  }

  public static void process(Spec.Process p) {
    if (p.args() == null || p.args().isEmpty()) {
      fail("process.args must name at least one argument");
    }
    if (p.cwd() == null || !p.cwd().startsWith("/")) {
      fail("process.cwd must be an absolute path, got " + quote(p.cwd()));
    }
    if (p.user() == null) {
      // uid and gid default to 0; nothing to check.
    } else if (p.user().uid() != null && (p.user().uid() < 0 || p.user().uid() > 0xFFFFFFFFL)) {
      fail("process.user.uid out of range");
    }
    if (p.capabilities() != null) {
      Spec.Capabilities c = p.capabilities();
      for (List<String> set :
          new List[] {c.bounding(), c.effective(), c.inheritable(), c.permitted(), c.ambient()}) {
        if (set == null) {
          continue;
        }
        for (String name : set) {
          if (LinuxNames.capability(name).isEmpty()) {
            fail("unknown capability \"" + name + "\"");
          }
        }
      }
    }
    if (p.rlimits() != null) {
      Set<String> seen = new HashSet<>();
      for (Spec.Rlimit r : p.rlimits()) {
        if (!LinuxNames.RLIMITS.containsKey(r.type())) {
          fail("unknown rlimit \"" + r.type() + "\"");
        }
        if (!seen.add(r.type())) {
          fail("rlimit \"" + r.type() + "\" is given twice");
        }
        BigInteger soft = r.soft() == null ? BigInteger.ZERO : r.soft();
        BigInteger hard = r.hard() == null ? BigInteger.ZERO : r.hard();
        if (soft.signum() < 0 || hard.signum() < 0 || soft.bitLength() > 64 || hard.bitLength() > 64) {
          fail("rlimit \"" + r.type() + "\" out of range");
        }
        if (soft.compareTo(hard) > 0) {
          fail("rlimit \"" + r.type() + "\": soft limit " + soft + " exceeds hard limit " + hard);
        }
      }
    }
    if (p.consoleSize() != null && !p.isTerminal()) {
      // The specification ignores consoleSize without a terminal; nothing to reject.
    }
  }

  static void hooks(Spec.Hooks h) {
    for (List<Spec.Hook> list :
        List.of(
            nz(h.prestart()), nz(h.createRuntime()), nz(h.createContainer()),
            nz(h.startContainer()), nz(h.poststart()), nz(h.poststop()))) {
      for (Spec.Hook hook : list) {
        if (hook.path() == null || !hook.path().startsWith("/")) {
          fail("hook path must be absolute, got " + quote(hook.path()));
        }
        if (hook.timeout() != null && hook.timeout() <= 0) {
          fail("hook timeout must be greater than zero, got " + hook.timeout());
        }
      }
    }
  }

  static void linux(Spec spec) {
    Linux l = spec.linux();
    EnumSet<LinuxNames.NamespaceType> types = EnumSet.noneOf(LinuxNames.NamespaceType.class);
    if (l.namespaces() != null) {
      for (Linux.Namespace ns : l.namespaces()) {
        LinuxNames.NamespaceType t = LinuxNames.NamespaceType.of(ns.type());
        if (!types.add(t)) {
          fail("namespace \"" + ns.type() + "\" is given twice");
        }
        if (ns.path() != null && !ns.path().startsWith("/")) {
          fail("namespace path must be absolute, got " + quote(ns.path()));
        }
      }
    }
    boolean userns = types.contains(LinuxNames.NamespaceType.USER);
    if (!userns && (nz(l.uidMappings()).size() + nz(l.gidMappings()).size()) > 0) {
      fail("uidMappings/gidMappings need a user namespace");
    }
    if (l.timeOffsets() != null && !l.timeOffsets().isEmpty()
        && !types.contains(LinuxNames.NamespaceType.TIME)) {
      fail("timeOffsets need a time namespace");
    }
    if (l.timeOffsets() != null) {
      for (String clock : l.timeOffsets().keySet()) {
        if (!clock.equals("monotonic") && !clock.equals("boottime")) {
          fail("timeOffsets: unknown clock \"" + clock + "\"");
        }
      }
    }
    if (l.rootfsPropagation() != null && !l.rootfsPropagation().isEmpty()
        && !PROPAGATIONS.contains(l.rootfsPropagation())) {
      fail("unknown rootfsPropagation \"" + l.rootfsPropagation() + "\"");
    }
    for (Linux.Device d : nz(l.devices())) {
      if (d.path() == null || !d.path().startsWith("/dev/")) {
        fail("device path must be under /dev, got " + quote(d.path()));
      }
      if (!DEVICE_TYPES.contains(d.type())) {
        fail("device " + d.path() + ": unknown type " + quote(d.type()));
      }
      if (!"p".equals(d.type()) && (d.major() == null || d.minor() == null)) {
        fail("device " + d.path() + ": major and minor are required");
      }
    }
    if (l.sysctl() != null) {
      for (String key : l.sysctl().keySet()) {
        if (key.contains("..") || key.startsWith("/")) {
          fail("sysctl \"" + key + "\" is not a valid key");
        }
      }
    }
    if (l.seccomp() != null) {
      seccomp(l.seccomp());
    }
    if (l.resources() != null && l.resources().devices() != null) {
      for (Resources.DeviceRule r : l.resources().devices()) {
        if (r.type() != null && !Set.of("a", "c", "b").contains(r.type())) {
          fail("device cgroup rule: unknown type " + quote(r.type()));
        }
        if (r.access() != null && !r.access().matches("[rwm]*")) {
          fail("device cgroup rule: bad access " + quote(r.access()));
        }
      }
    }
  }

  static void seccomp(Seccomp s) {
    if (s.defaultAction() == null || !SECCOMP_ACTIONS.contains(s.defaultAction())) {
      fail("seccomp: unknown defaultAction " + quote(s.defaultAction()));
    }
    for (Seccomp.Syscall sc : nz(s.syscalls())) {
      if (sc.names() == null || sc.names().isEmpty()) {
        fail("seccomp: a syscall rule needs names");
      }
      if (sc.action() == null || !SECCOMP_ACTIONS.contains(sc.action())) {
        fail("seccomp: unknown action " + quote(sc.action()));
      }
      for (Seccomp.Arg a : nz(sc.args())) {
        if (a.index() < 0 || a.index() > 5) {
          fail("seccomp: argument index " + a.index() + " out of range 0..5");
        }
      }
    }
  }

  private static <T> List<T> nz(List<T> l) {
    return l == null ? List.of() : l;
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "\"" + s + "\"";
  }

  private static void fail(String message) {
    throw new InvalidSpecException(message);
  }
}
