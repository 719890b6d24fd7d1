package io.berth.image.spec;

/** A document that is not what the image specification says it must be: the message says why. */
public class InvalidImageException extends RuntimeException {
  public InvalidImageException(String message) {
    super(message);
  }

  public InvalidImageException(String message, Throwable cause) {
    super(message, cause);
  }
}
