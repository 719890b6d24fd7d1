package io.berth.oci;

/** The configuration is not a valid OCI runtime configuration; the message says why. */
public class InvalidSpecException extends RuntimeException {
  public InvalidSpecException(String message) {
    super(message);
  }
}
