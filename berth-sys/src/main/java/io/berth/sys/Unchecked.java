package io.berth.sys;

/** What a call that may throw anything (a method handle, a reflective call) threw, unchecked. */
public final class Unchecked {
  private Unchecked() {}

  /**
   * {@code t} itself when it is unchecked (an Error is thrown from here), else wrapped: callers
   * write {@code throw Unchecked.of(t)}.
   */
  public static RuntimeException of(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
