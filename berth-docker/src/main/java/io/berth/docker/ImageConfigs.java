package io.berth.docker;

import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Image configs read from the content store by image ID (the config's digest). A blob never
 * changes under its digest, so what was read once is kept.
 */
final class ImageConfigs {
  private final Path content;
  private final Map<String, ImageConfig> cache = new ConcurrentHashMap<>();

  ImageConfigs(Path root) {
    this.content = root.resolve("content");
  }

  Optional<ImageConfig> of(String imageId) {
    if (imageId == null) {
      return Optional.empty();
    }
    ImageConfig c = cache.get(imageId);
    if (c != null) {
      return Optional.of(c);
    }
    try (InputStream in = new ContentStore(content).open(Digest.parse(imageId))) {
      c = ImageJson.config(in.readAllBytes());
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // removed, or not an image we can read: shown without its defaults
    }
    if (cache.size() > 1000) {
      cache.clear();
    }
    cache.put(imageId, c);
    return Optional.of(c);
  }

  /** The execution defaults of an image, or null. */
  ImageConfig.Config config(String imageId) {
    return of(imageId).map(ImageConfig::config).orElse(null);
  }
}
