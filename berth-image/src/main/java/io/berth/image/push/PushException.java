package io.berth.image.push;

/** A push failed; the message names the destination and the cause. */
public class PushException extends RuntimeException {
  public PushException(String message, Throwable cause) {
    super(message, cause);
  }
}
