package io.berth.image.meta;

import java.util.List;
import java.util.stream.Collectors;

/** An ID prefix that matches more than one image. */
public class AmbiguousImageException extends RuntimeException {
  private final List<String> matches;

  public AmbiguousImageException(String prefix, List<String> matches) {
    super("image ID prefix \"" + prefix + "\" matches " + matches.size() + " images ("
        + matches.stream().limit(3).map(ImageRecord::shortId).collect(Collectors.joining(", "))
        + (matches.size() > 3 ? ", …" : "") + "); give more digits");
    this.matches = List.copyOf(matches);
  }

  /** The full IDs of the images the prefix matches. */
  public List<String> matches() {
    return matches;
  }
}
