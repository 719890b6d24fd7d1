package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.SeccompException.quote;

/** Turns an OCI action name into the {@code SECCOMP_RET_*} value a filter returns. */
final class SeccompAction {
  static final String NOTIFY = "SCMP_ACT_NOTIFY";
  static final int EPERM = 1;

  private static final int KILL_THREAD = 0x00000000;
  private static final int KILL_PROCESS = 0x80000000;
  private static final int TRAP = 0x00030000;
  private static final int ERRNO = 0x00050000;
  private static final int USER_NOTIF = 0x7fc00000;
  private static final int TRACE = 0x7ff00000;
  private static final int LOG = 0x7ffc0000;
  private static final int ALLOW = 0x7fff0000;
  // The kernel clamps larger errno values to this; reject them rather than return a surprise.
  private static final int MAX_ERRNO = 4095;
  private static final int MAX_DATA = 0xffff;

  private SeccompAction() {}

  /**
   * @param errnoRet the configured errno (ERRNO) or tracer message (TRACE); null means EPERM, the
   *     value runc uses too
   */
  static int retValue(String action, Integer errnoRet) {
    if (action == null) {
      throw new SeccompException("seccomp: an action is required");
    }
    return switch (action) {
      case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> KILL_THREAD;
      case "SCMP_ACT_KILL_PROCESS" -> KILL_PROCESS;
      case "SCMP_ACT_TRAP" -> TRAP;
      case "SCMP_ACT_ERRNO" -> ERRNO | data(action, errnoRet, MAX_ERRNO);
      case "SCMP_ACT_TRACE" -> TRACE | data(action, errnoRet, MAX_DATA);
      case "SCMP_ACT_ALLOW" -> ALLOW;
      case "SCMP_ACT_LOG" -> LOG;
      case NOTIFY -> USER_NOTIF;
      default -> throw new SeccompException("seccomp: unknown action " + quote(action));
    };
  }

  private static int data(String action, Integer errnoRet, int max) {
    int value = errnoRet == null ? EPERM : errnoRet;
    if (value < 0 || value > max) {
      throw new SeccompException("seccomp: errnoRet " + value + " of " + action + " is out of range 0.." + max);
    }
    return value;
  }
}
