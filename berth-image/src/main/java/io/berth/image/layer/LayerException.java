package io.berth.image.layer;

/**
 * A layer could not be unpacked: it is corrupt, truncated, or tries something a layer may not do
 * (escape its directory, go through a symlink it made). The message is one line naming the entry
 * and the cause; when it is thrown, nothing of the layer is left on disk.
 */
public class LayerException extends RuntimeException {
  public LayerException(String message) {
    super(message);
  }

  public LayerException(String message, Throwable cause) {
    super(message, cause);
  }
}
