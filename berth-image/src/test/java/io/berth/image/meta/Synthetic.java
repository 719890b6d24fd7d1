package io.berth.image.meta;

import io.berth.image.spec.ChainId;
import io.berth.image.spec.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Image records with made-up digests and no files, for tests of the database alone. Every image
 * sits on the same base layer, so concurrent writers contend for shared rows.
 */
final class Synthetic {
  static final Digest BASE = digest("base layer");

  private Synthetic() {}

  static ImageRecord image(String name, String seed) {
    Digest top = digest(seed + " layer");
    return new ImageRecord(digest(seed + " config").toString(), digest(seed + " manifest").toString(), null,
        List.of(name), List.of(BASE.toString(), top.toString()),
        ChainId.chain(List.of(BASE, top)).stream().map(Digest::toString).toList(), "amd64", "linux", null, 42);
  }

  static Digest digest(String text) {
    return Digest.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A second process for {@code ImageDatabaseConcurrencyTest}: records images {@code <prefix>-0..n-1}. */
  public static void main(String[] args) {
    java.nio.file.Path file = java.nio.file.Path.of(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    try (ImageDatabase db = ImageDatabase.open(file)) {
      for (int i = 0; i < count; i++) {
        db.recordImage(image("localhost/" + prefix + ":" + i, prefix + i));
      }
    }
    System.out.println("recorded " + count);
  }
}
