package io.berth.image.pull;

/** A pull failed; the message names the image and the cause in one line. */
public class PullException extends RuntimeException {
  public PullException(String message, Throwable cause) {
    super(message, cause);
  }
}
