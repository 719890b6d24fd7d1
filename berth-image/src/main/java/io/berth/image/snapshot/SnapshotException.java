package io.berth.image.snapshot;

/** A snapshot could not be made or mounted; the message says which and why. */
public class SnapshotException extends RuntimeException {
  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
