package io.berth.image.transport;

/**
 * An image layout or archive that cannot be read or written, with a one-line message naming the
 * transport, the file and the fault ({@code oci: /dir has no index.json}).
 */
public class TransportException extends RuntimeException {
  public TransportException(String message) {
    super(message);
  }

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }
}
