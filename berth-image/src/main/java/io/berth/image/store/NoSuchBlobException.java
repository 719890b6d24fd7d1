package io.berth.image.store;

import io.berth.image.spec.Digest;
import java.io.IOException;
import java.nio.file.Path;

/** The store has no blob of this digest. */
public class NoSuchBlobException extends IOException {
  private final transient Digest digest;

  public NoSuchBlobException(Digest digest, Path root) {
    super("blob " + digest + " not found in content store " + root);
    this.digest = digest;
  }

  public Digest digest() {
    return digest;
  }
}
