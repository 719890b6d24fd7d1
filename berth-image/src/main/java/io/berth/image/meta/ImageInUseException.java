package io.berth.image.meta;

import java.util.List;

/** An image cannot be removed without --force while containers use it. */
public class ImageInUseException extends RuntimeException {
  private final String imageId;
  private final List<String> containerIds;

  public ImageInUseException(String imageId, List<String> containerIds) {
    super("image " + ImageRecord.shortId(imageId) + " is used by " + describe(containerIds)
        + "; remove the container" + (containerIds.size() == 1 ? "" : "s") + " or use --force");
    this.imageId = imageId;
    this.containerIds = List.copyOf(containerIds);
  }

  private static String describe(List<String> containerIds) {
    String first = ImageRecord.shortId(containerIds.get(0));
    return containerIds.size() == 1
        ? "container " + first
        : containerIds.size() + " containers (" + first + " and others)";
  }

  public String imageId() {
    return imageId;
  }

  public List<String> containerIds() {
    return containerIds;
  }
}
