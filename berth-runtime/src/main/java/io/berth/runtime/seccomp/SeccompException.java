package io.berth.runtime.seccomp;

/** A seccomp configuration that cannot be turned into a filter the kernel would accept. */
public class SeccompException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SeccompException(String message) {
    super(message);
  }

  static String quote(Object value) {
    return value == null ? "null" : "\"" + value + "\"";
  }
}
