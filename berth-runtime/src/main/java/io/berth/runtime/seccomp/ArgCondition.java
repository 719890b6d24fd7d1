package io.berth.runtime.seccomp;

/**
 * One test on {@code seccomp_data.args[index]}.
 *
 * @param value the operand, or the mask for {@link CompareOp#MASKED_EQ} (both unsigned 64-bit)
 * @param datum what the masked argument must equal; unused by the other operators
 */
record ArgCondition(int index, CompareOp op, long value, long datum) {}
