package io.berth.runtime.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A compiled container set-up: the ordered operations berth-init performs. Arguments are byte
 * strings (numbers as decimal text), so the native reader needs no knowledge of types.
 */
public final class Plan {
  private static final int VERSION = 1;

  /** One operation with its arguments, kept readable for tests and --debug output. */
  public record Step(Op op, List<byte[]> args) {
    public String arg(int i) {
      return new String(args.get(i), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(op.name());
      for (byte[] a : args) {
        b.append(' ');
        String s = new String(a, StandardCharsets.UTF_8);
        b.append(s.length() > 60 ? s.substring(0, 60) + "..." : s);
      }
      return b.toString();
    }
  }

  private final List<Step> steps = new ArrayList<>();

  /** Appends an operation; each argument is a String, a Number or raw bytes. */
  public Plan add(Op op, Object... args) {
    List<byte[]> bytes = new ArrayList<>(args.length);
    for (Object a : args) {
      bytes.add(toBytes(a));
    }
    steps.add(new Step(op, bytes));
    return this;
  }

  /** Appends an operation whose trailing arguments come from a list. */
  public Plan addAll(Op op, List<?> args) {
    return add(op, args.toArray());
  }

  private static byte[] toBytes(Object a) {
    return switch (a) {
      case byte[] b -> b;
      case String s -> s.getBytes(StandardCharsets.UTF_8);
      case Number n -> n.toString().getBytes(StandardCharsets.US_ASCII);
      case Character c -> String.valueOf(c).getBytes(StandardCharsets.US_ASCII);
      default -> throw new IllegalArgumentException("plan argument of type " + a.getClass());
    };
  }

  public List<Step> steps() {
    return Collections.unmodifiableList(steps);
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
    out.writeBytes("BPLN".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(word.putInt(0, VERSION).array());
    for (Step s : steps) {
      out.writeBytes(word.putInt(0, s.op.code).array());
      out.writeBytes(word.putInt(0, s.args.size()).array());
      for (byte[] a : s.args) {
        out.writeBytes(word.putInt(0, a.length).array());
        out.writeBytes(a);
      }
    }
    return out.toByteArray();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Step s : steps) {
      b.append(s).append('\n');
    }
    return b.toString();
  }
}
