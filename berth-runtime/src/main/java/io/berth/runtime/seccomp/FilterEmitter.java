package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.BpfAssembler.JMP_JEQ_K;
import static io.berth.runtime.seccomp.BpfAssembler.JMP_JGE_K;
import static io.berth.runtime.seccomp.BpfAssembler.JMP_JGT_K;

import io.berth.runtime.seccomp.BpfAssembler.Label;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Lays out the filter: dispatch on {@code seccomp_data.arch}; per audit architecture a binary
 * search that splits the 32-bit syscall number space into intervals with one outcome each,
 * followed by that architecture's pool of {@code ret} instructions; then one block per distinct
 * list of argument-testing rules.
 *
 * <p>Intervals rather than single numbers because allowed syscalls come in long runs: Docker's
 * profile needs far fewer comparisons as ranges, and numbers no rule names fall into the default
 * intervals without any code. x86_64 and x32 share an audit value; x32 numbers carry bit 30, so
 * one search over both keeps them apart, and when x32 is not accepted that half of the space is
 * simply a default interval.
 */
final class FilterEmitter {
  private static final int NR = 0;
  private static final int ARCH = 4;
  private static final int ARGS = 16;
  private static final long NR_LIMIT = 1L << 32;

  /** The rules for one architecture, keyed by syscall number, each list in evaluation order. */
  record ArchRules(Architecture arch, SortedMap<Integer, List<Rule>> bySyscall) {}

  private sealed interface Outcome permits Returns, Tests {}

  private record Returns(int value) implements Outcome {}

  /** Equal rule lists (x86_64 and x32 usually agree) share one block. */
  private record Tests(List<Rule> rules, boolean narrowArgs) implements Outcome {}

  private record Interval(long start, Outcome outcome) {}

  private final BpfAssembler asm = new BpfAssembler();
  private final int defaultRet;
  private final Map<Tests, Label> blocks = new LinkedHashMap<>();

  private FilterEmitter(int defaultRet) {
    this.defaultRet = defaultRet;
  }

  /** @param archs the accepted architectures, most frequent (native) first */
  static byte[] emit(int defaultRet, List<ArchRules> archs) {
    return new FilterEmitter(defaultRet).program(archs);
  }

  static final int RET_KILL_PROCESS = 0x80000000;

  private byte[] program(List<ArchRules> archs) {
    Map<Integer, SortedMap<Integer, Outcome>> families = new LinkedHashMap<>();
    for (ArchRules ar : archs) {
      SortedMap<Integer, Outcome> family = families.computeIfAbsent(ar.arch().auditArch, a -> new TreeMap<>());
      ar.bySyscall().forEach((nr, rules) -> family.put(nr, outcome(rules, ar.arch().narrowArgs)));
    }
    Map<Integer, Label> starts = new LinkedHashMap<>();
    asm.load(ARCH);
    for (int auditArch : families.keySet()) {
      Label start = asm.label();
      Label next = asm.label();
      starts.put(auditArch, start);
      asm.branch(JMP_JEQ_K, auditArch, start, next);
      asm.bind(next);
    }
    // A syscall from an architecture the profile does not cover kills the process, as
    // libseccomp's bad-arch action does: an allow-by-default profile must not let it through.
    asm.ret(RET_KILL_PROCESS);
    families.forEach((auditArch, family) -> {
      asm.bind(starts.get(auditArch));
      asm.load(NR);
      search(intervals(family));
    });
    blocks.forEach((tests, start) -> block(start, tests));
    return asm.assemble();
  }

  private Outcome outcome(List<Rule> rules, boolean narrowArgs) {
    if (rules.size() == 1 && rules.getFirst().unconditional()) {
      return new Returns(rules.getFirst().ret());
    }
    return new Tests(List.copyOf(rules), narrowArgs);
  }

  /** Ascending, covering 0 to 2^32-1, neighbours always differ. */
  private List<Interval> intervals(SortedMap<Integer, Outcome> byNr) {
    Outcome otherwise = new Returns(defaultRet);
    List<Interval> intervals = new ArrayList<>();
    long covered = 0;
    for (var e : byNr.entrySet()) {
      long nr = Integer.toUnsignedLong(e.getKey());
      if (nr > covered) {
        append(intervals, covered, otherwise);
      }
      append(intervals, nr, e.getValue());
      covered = nr + 1;
    }
    if (covered < NR_LIMIT) {
      append(intervals, covered, otherwise);
    }
    return intervals;
  }

  private static void append(List<Interval> intervals, long start, Outcome outcome) {
    if (intervals.isEmpty() || !intervals.getLast().outcome().equals(outcome)) {
      intervals.add(new Interval(start, outcome));
    }
  }

  /**
   * A balanced tree of {@code jge} over interval starts; A holds nr throughout. The returns its
   * leaves need follow right behind, so most leaf jumps stay short.
   */
  private void search(List<Interval> intervals) {
    Map<Integer, Label> pool = new LinkedHashMap<>();
    if (intervals.size() == 1) {
      asm.jump(label(intervals.getFirst().outcome(), pool));
    } else {
      Label root = asm.label();
      node(root, intervals, 0, intervals.size(), pool);
    }
    pool.forEach((value, label) -> {
      asm.bind(label);
      asm.ret(value);
    });
  }

  private void node(Label self, List<Interval> intervals, int from, int to, Map<Integer, Label> pool) {
    asm.bind(self);
    int mid = (from + to) >>> 1;
    Label lower = mid - from == 1 ? label(intervals.get(from).outcome(), pool) : asm.label();
    Label upper = to - mid == 1 ? label(intervals.get(mid).outcome(), pool) : asm.label();
    asm.branch(JMP_JGE_K, (int) intervals.get(mid).start(), upper, lower);
    if (mid - from > 1) {
      node(lower, intervals, from, mid, pool);
    }
    if (to - mid > 1) {
      node(upper, intervals, mid, to, pool);
    }
  }

  private Label label(Outcome outcome, Map<Integer, Label> pool) {
    return switch (outcome) {
      case Returns(int value) -> pool.computeIfAbsent(value, v -> asm.label());
      case Tests tests -> blocks.computeIfAbsent(tests, t -> asm.label());
    };
  }

  private void block(Label start, Tests tests) {
    asm.bind(start);
    for (Rule rule : tests.rules()) {
      if (rule.unconditional()) {
        asm.ret(rule.ret());
        return;
      }
      Label nextRule = asm.label();
      for (ArgCondition c : rule.conditions()) {
        condition(c, nextRule, tests.narrowArgs());
      }
      asm.ret(rule.ret());
      asm.bind(nextRule);
    }
    asm.ret(defaultRet);
  }

  /**
   * Falls through when the condition holds, jumps to {@code fail} otherwise. A 64-bit argument is
   * two words (low word first, little-endian): for an ordering the high word decides unless it is
   * equal, then the low word does.
   */
  private void condition(ArgCondition c, Label fail, boolean narrowArgs) {
    int low = ARGS + 8 * c.index();
    int high = low + 4;
    Label pass = asm.label();
    if (c.op() == CompareOp.MASKED_EQ) {
      if (!narrowArgs) {
        maskedWord(high, (int) (c.value() >>> 32), (int) (c.datum() >>> 32), fail);
      }
      maskedWord(low, (int) c.value(), (int) c.datum(), fail);
    } else {
      if (!narrowArgs) {
        highWord(c.op(), high, (int) (c.value() >>> 32), pass, fail);
      }
      asm.load(low);
      lowWord(c.op(), (int) c.value(), pass, fail);
    }
    asm.bind(pass);
  }

  private void maskedWord(int offset, int mask, int datum, Label fail) {
    if (mask == 0) {
      if (datum != 0) {
        asm.jump(fail);
      }
      return;
    }
    asm.load(offset);
    if (mask != -1) {
      asm.and(mask);
    }
    Label next = asm.label();
    asm.branch(JMP_JEQ_K, datum, next, fail);
    asm.bind(next);
  }

  private void highWord(CompareOp op, int offset, int value, Label pass, Label fail) {
    asm.load(offset);
    Label equal = asm.label();
    switch (op) {
      case EQ -> asm.branch(JMP_JEQ_K, value, equal, fail);
      case NE -> asm.branch(JMP_JEQ_K, value, equal, pass);
      case GT, GE -> {
        Label notAbove = asm.label();
        asm.branch(JMP_JGT_K, value, pass, notAbove);
        asm.bind(notAbove);
        asm.branch(JMP_JEQ_K, value, equal, fail);
      }
      case LT, LE -> {
        Label notBelow = asm.label();
        asm.branch(JMP_JGE_K, value, notBelow, pass);
        asm.bind(notBelow);
        asm.branch(JMP_JEQ_K, value, equal, fail);
      }
      case MASKED_EQ -> throw new IllegalArgumentException("MASKED_EQ has its own path");
    }
    asm.bind(equal);
  }

  private void lowWord(CompareOp op, int value, Label pass, Label fail) {
    switch (op) {
      case EQ -> asm.branch(JMP_JEQ_K, value, pass, fail);
      case NE -> asm.branch(JMP_JEQ_K, value, fail, pass);
      case GT -> asm.branch(JMP_JGT_K, value, pass, fail);
      case GE -> asm.branch(JMP_JGE_K, value, pass, fail);
      case LT -> asm.branch(JMP_JGE_K, value, fail, pass);
      case LE -> asm.branch(JMP_JGT_K, value, fail, pass);
      case MASKED_EQ -> throw new IllegalArgumentException("MASKED_EQ has its own path");
    }
  }
}
