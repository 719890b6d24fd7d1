package io.berth.runtime.seccomp;

import static io.berth.runtime.seccomp.SeccompException.quote;

/** The argument comparisons of the OCI spec; all are unsigned 64-bit. */
enum CompareOp {
  NE, LT, LE, EQ, GE, GT, MASKED_EQ;

  static CompareOp forName(String name) {
    if (name != null && name.startsWith("SCMP_CMP_")) {
      for (CompareOp op : values()) {
        if (name.equals("SCMP_CMP_" + op.name())) {
          return op;
        }
      }
    }
    throw new SeccompException("seccomp: unknown argument operator " + quote(name));
  }
}
