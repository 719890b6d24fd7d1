package io.berth.runtime.seccomp;

import java.util.List;

/** A syscall rule after parsing: it returns {@code ret} when all conditions hold. */
record Rule(List<ArgCondition> conditions, int ret) {
  Rule {
    conditions = List.copyOf(conditions);
  }

  boolean unconditional() {
    return conditions.isEmpty();
  }
}
