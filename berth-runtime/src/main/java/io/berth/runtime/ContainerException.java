package io.berth.runtime;

/** A runtime operation failed; the message is one line meant for the user. */
public class ContainerException extends RuntimeException {
  public ContainerException(String message) {
    super(message);
  }

  public ContainerException(String message, Throwable cause) {
    super(message, cause);
  }
}
