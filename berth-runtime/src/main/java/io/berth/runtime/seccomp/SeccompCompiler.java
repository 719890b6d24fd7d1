package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.SeccompException.quote;

import io.berth.oci.Seccomp;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Compiles {@code linux.seccomp} of an OCI config into a classic BPF program.
 *
 * <p>Semantics: rules naming the same syscall are tried in config order and the first whose
 * argument conditions all hold decides; otherwise the default action applies. Syscall names a
 * table does not know are skipped for that architecture, as runc does, because profiles list
 * names of every architecture. Syscalls of architectures the config does not list (besides the
 * native one) kill the process, as libseccomp's bad-arch action does; x32 syscalls on x86_64,
 * when x32 is not listed, get the default action.
 */
public final class SeccompCompiler {
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final int ARG_COUNT = 6;

  private SeccompCompiler() {}

  /** For the architecture this JVM runs on. */
  public static SeccompProgram compile(Seccomp config) {
    return compile(config, Architecture.host().scmpName);
  }

  /** @param nativeArch the container's architecture, e.g. {@code "SCMP_ARCH_X86_64"} */
  public static SeccompProgram compile(Seccomp config, String nativeArch) {
    Objects.requireNonNull(config, "config");
    Architecture nativeArchitecture =
        Architecture.forName(nativeArch)
            .orElseThrow(() -> new SeccompException("seccomp: no syscall table for native architecture " + quote(nativeArch)));
    if (config.defaultAction() == null) {
      throw new SeccompException("seccomp: defaultAction is required");
    }
    if (SeccompAction.NOTIFY.equals(config.defaultAction())) {
      throw new SeccompException("seccomp: SCMP_ACT_NOTIFY cannot be the defaultAction; use it in syscall rules");
    }
    int defaultRet = SeccompAction.retValue(config.defaultAction(), config.defaultErrnoRet());
    List<NamedRule> rules = rules(config);
    boolean notifies = rules.stream().anyMatch(r -> r.notifies);
    if (notifies && (config.listenerPath() == null || config.listenerPath().isBlank())) {
      throw new SeccompException("seccomp: SCMP_ACT_NOTIFY needs listenerPath, the socket the listener fd is sent to");
    }
    int flags = FilterFlags.of(config.flags(), notifies);

    List<FilterEmitter.ArchRules> perArch = new ArrayList<>();
    for (Architecture arch : architectures(config, nativeArchitecture)) {
      perArch.add(new FilterEmitter.ArchRules(arch, bySyscall(rules, SyscallTable.of(arch), defaultRet)));
    }
    return new SeccompProgram(FilterEmitter.emit(defaultRet, perArch), flags);
  }

  private record NamedRule(List<String> names, Rule rule, boolean notifies) {}

  private static List<Architecture> architectures(Seccomp config, Architecture nativeArch) {
    Set<Architecture> archs = new LinkedHashSet<>();
    archs.add(nativeArch);
    for (String name : config.architectures() == null ? List.<String>of() : config.architectures()) {
      Architecture.forName(name).ifPresent(archs::add);
    }
    return List.copyOf(archs);
  }

  private static List<NamedRule> rules(Seccomp config) {
    List<NamedRule> rules = new ArrayList<>();
    for (Seccomp.Syscall sc : config.syscalls() == null ? List.<Seccomp.Syscall>of() : config.syscalls()) {
      if (sc.names() == null || sc.names().isEmpty()) {
        throw new SeccompException("seccomp: a syscall rule needs names");
      }
      List<ArgCondition> conditions = new ArrayList<>();
      for (Seccomp.Arg arg : sc.args() == null ? List.<Seccomp.Arg>of() : sc.args()) {
        conditions.add(condition(arg, sc.names()));
      }
      int ret = SeccompAction.retValue(sc.action(), sc.errnoRet());
      rules.add(new NamedRule(sc.names(), new Rule(conditions, ret), SeccompAction.NOTIFY.equals(sc.action())));
    }
    return rules;
  }

  private static ArgCondition condition(Seccomp.Arg arg, List<String> names) {
    if (arg.index() < 0 || arg.index() >= ARG_COUNT) {
      throw new SeccompException("seccomp: argument index " + arg.index() + " of " + names + " is out of range 0..5");
    }
    CompareOp op = CompareOp.forName(arg.op());
    return new ArgCondition(arg.index(), op, uint64(arg.value(), names), uint64(arg.valueTwo(), names));
  }

  /** Absent values are 0, as in runc and crun, whose JSON decoding leaves them zero. */
  private static long uint64(BigInteger value, List<String> names) {
    if (value == null) {
      return 0;
    }
    if (value.signum() < 0 || value.compareTo(UINT64_MAX) > 0) {
      throw new SeccompException("seccomp: argument value " + value + " of " + names + " is not an unsigned 64-bit number");
    }
    return value.longValue();
  }

  private static SortedMap<Integer, List<Rule>> bySyscall(List<NamedRule> rules, SyscallTable table, int defaultRet) {
    SortedMap<Integer, List<Rule>> bySyscall = new TreeMap<>();
    for (NamedRule named : rules) {
      Set<Integer> numbers = new LinkedHashSet<>();
      for (String name : named.names()) {
        table.number(name).ifPresent(numbers::add);
      }
      for (int nr : numbers) {
        bySyscall.computeIfAbsent(nr, k -> new ArrayList<>()).add(named.rule());
      }
    }
    bySyscall.values().forEach(list -> prune(list, defaultRet));
    bySyscall.values().removeIf(List::isEmpty);
    return bySyscall;
  }

  /**
   * Drops rules that cannot change the outcome: those after an unconditional rule (never reached)
   * and a tail that returns the default action anyway. Besides making the filter shorter, a syscall
   * left without rules then needs no code at all.
   */
  private static void prune(List<Rule> rules, int defaultRet) {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).unconditional()) {
        rules.subList(i + 1, rules.size()).clear();
        break;
      }
    }
    while (!rules.isEmpty() && rules.getLast().ret() == defaultRet) {
      rules.removeLast();
    }
  }
}
