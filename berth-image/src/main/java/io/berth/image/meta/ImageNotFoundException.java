package io.berth.image.meta;

/** No image has this name, ID or ID prefix. */
public class ImageNotFoundException extends RuntimeException {
  private final String reference;

  public ImageNotFoundException(String reference) {
    super("image \"" + reference + "\" not found; check the name or run 'berth images'");
    this.reference = reference;
  }

  /** The name or ID as the user gave it. */
  public String reference() {
    return reference;
  }
}
