package io.berth.docker;

import io.berth.engine.Engine;
import io.berth.image.registry.ImageReference;

/** Image names as Docker shows them: Docker Hub's official images without their registry and library/. */
final class ImageNames {
  private ImageNames() {}

  /** {@code docker.io/library/busybox:latest} → {@code busybox:latest}; other names as they are. */
  static String familiar(String full) {
    if (full.startsWith("docker.io/library/")) {
      return full.substring("docker.io/library/".length());
    }
    if (full.startsWith("docker.io/")) {
      return full.substring("docker.io/".length());
    }
    return full;
  }

  /** A reference as the user typed it, with the tag it means ({@code busybox} → {@code busybox:latest}). */
  static String withTag(String reference) {
    try {
      return familiar(ImageReference.parse(reference).toString());
    } catch (IllegalArgumentException e) {
      return reference;
    }
  }

  /** The normalized name ({@code busybox} → {@code docker.io/library/busybox:latest}), or null when it is not a name. */
  static String normalized(String reference) {
    try {
      return ImageReference.parse(reference).toString();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static boolean sameImage(Engine engine, String nameOrId, String imageId) {
    try {
      return engine.images().find(nameOrId).map(i -> i.id().equals(imageId)).orElse(false);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
