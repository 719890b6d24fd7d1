package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.SeccompException.quote;

import java.util.List;
import java.util.Map;

/** The {@code flags} argument of seccomp(2), from the OCI flag names and the actions used. */
final class FilterFlags {
  static final int TSYNC = 1;
  static final int LOG = 2;
  static final int SPEC_ALLOW = 4;
  static final int NEW_LISTENER = 8;
  static final int TSYNC_ESRCH = 16;
  static final int WAIT_KILLABLE_RECV = 32;

  private static final Map<String, Integer> BY_NAME =
      Map.of(
          "SECCOMP_FILTER_FLAG_TSYNC", TSYNC,
          "SECCOMP_FILTER_FLAG_LOG", LOG,
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SPEC_ALLOW,
          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", WAIT_KILLABLE_RECV);

  private FilterFlags() {}

  static int of(List<String> names, boolean notifies) {
    int flags = 0;
    for (String name : names == null ? List.<String>of() : names) {
      Integer bit = BY_NAME.get(name);
      if (bit == null) {
        throw new SeccompException(
            "seccomp: unknown flag " + quote(name) + "; known flags are " + String.join(", ", BY_NAME.keySet().stream().sorted().toList()));
      }
      flags |= bit;
    }
    if (notifies) {
      flags |= NEW_LISTENER;
      if ((flags & TSYNC) != 0) {
        // Both would return a positive int from seccomp(2); the kernel only accepts the pair when
        // a TSYNC failure is reported as ESRCH instead of a thread id.
        flags |= TSYNC_ESRCH;
      }
    } else if ((flags & WAIT_KILLABLE_RECV) != 0) {
      throw new SeccompException(
          "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)");
    }
    return flags;
  }
}
