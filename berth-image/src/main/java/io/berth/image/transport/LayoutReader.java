package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.InvalidImageException;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.spec.PlatformNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks an OCI layout's index.json and brings each image into the store: config and layers
 * first, the manifest last, so that a manifest in the store always has its blobs there.
 */
final class LayoutReader {
  /** Nested indexes deeper than this are not images but a loop or an attack. */
  private static final int MAX_DEPTH = 4;

  /** Where the layout's blobs come from. */
  interface Blobs {
    /** The verified bytes of a small document (manifest or index). */
    byte[] document(Descriptor descriptor) throws IOException;

    /** Makes sure the store holds this blob, verified. */
    void fetch(Descriptor descriptor) throws IOException;
  }

  private final Blobs blobs;
  private final String where;
  private final PlatformMatcher platform = PlatformMatcher.host();

  private LayoutReader(Blobs blobs, String where) {
    this.blobs = blobs;
    this.where = where;
  }

  static List<ImageRef> read(byte[] indexJson, Blobs blobs, String where) throws IOException {
    Index index;
    try {
      index = ImageJson.index(indexJson);
    } catch (InvalidImageException e) {
      throw new TransportException(where + ": index.json: " + e.getMessage(), e);
    }
    LayoutReader reader = new LayoutReader(blobs, where);
    Map<Digest, List<String>> names = new LinkedHashMap<>();
    for (Descriptor entry : index.manifests()) {
      Digest manifest = reader.image(entry, 0);
      List<String> list = names.computeIfAbsent(manifest, d -> new ArrayList<>());
      String name = entry.annotations() == null ? null : entry.annotations().get(LayoutPlan.REF_NAME);
      if (name != null && !list.contains(name)) {
        list.add(name);
      }
    }
    List<ImageRef> images = new ArrayList<>();
    names.forEach((digest, list) -> images.add(new ImageRef(digest, list)));
    return images;
  }

  private Digest image(Descriptor entry, int depth) throws IOException {
    byte[] bytes = blobs.document(entry);
    String mediaType;
    try {
      mediaType = entry.mediaType() != null ? entry.mediaType() : ImageJson.mediaTypeOf(bytes);
      if (MediaTypes.isIndex(mediaType)) {
        if (depth >= MAX_DEPTH) {
          throw new TransportException(where + ": indexes nested more than " + MAX_DEPTH + " deep at " + entry.digest());
        }
        return image(platform.select(ImageJson.index(bytes)), depth + 1);
      }
      if (!MediaTypes.isManifest(mediaType)) {
        throw new TransportException(where + ": " + entry.digest() + " has media type " + mediaType
            + ", not an image manifest or index");
      }
      Manifest manifest = ImageJson.manifest(bytes);
      blobs.fetch(manifest.config());
      for (Descriptor layer : manifest.layers()) {
        blobs.fetch(layer);
      }
    } catch (InvalidImageException | PlatformNotFoundException e) {
      throw new TransportException(where + ": " + entry.digest() + ": " + e.getMessage(), e);
    }
    blobs.fetch(entry);
    return entry.digest();
  }
}
