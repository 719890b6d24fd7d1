package io.berth.image.transport;

import com.github.luben.zstd.ZstdInputStream;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.DigestingOutputStream;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The {@code docker save} format, the {@code docker-archive:FILE} transport: a manifest.json
 * listing each image's config ({@code <hex>.json}) and uncompressed layers ({@code
 * <diff_id>/layer.tar}). Reading is in {@link DockerArchiveReader}.
 */
public final class DockerArchive {
  private DockerArchive() {}

  /** Writes the images, each layer decompressed and checked against its diff_id on the way. */
  public static void write(ContentStore store, List<ImageRef> images, Path tarFile) {
    String where = "docker-archive " + tarFile;
    try {
      List<LayoutPlan.StoredImage> stored = load(store, images, where);
      Path dir = tarFile.toAbsolutePath().getParent();
      AtomicFile.write(tarFile, out -> {
        try (TarWriter tar = new TarWriter(out)) {
          writeImages(store, images, stored, tar, dir, where);
        }
      });
    } catch (IOException e) {
      throw new TransportException(where + ": cannot write: " + e.getMessage(), e);
    }
  }

  /**
   * Streams the archive to {@code out} (as {@code docker save} does to its client), each layer
   * decompressed into a temporary file in {@code tempDir} first, since a tar member's size comes
   * before its bytes. Every image is checked to be in the store before the first byte is written.
   * {@code out} is finished as a tar but not closed.
   */
  public static void write(ContentStore store, List<ImageRef> images, OutputStream out, Path tempDir) {
    String where = "docker-archive stream";
    try {
      List<LayoutPlan.StoredImage> stored = load(store, images, where);
      TarWriter tar = new TarWriter(out);
      writeImages(store, images, stored, tar, tempDir, where);
      tar.finish();
    } catch (IOException e) {
      throw new TransportException(where + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static List<LayoutPlan.StoredImage> load(ContentStore store, List<ImageRef> images, String where)
      throws IOException {
    List<LayoutPlan.StoredImage> stored = new ArrayList<>();
    for (ImageRef image : images) {
      stored.add(LayoutPlan.StoredImage.load(store, image.manifestDigest(), where));
    }
    return stored;
  }

  private static void writeImages(ContentStore store, List<ImageRef> images, List<LayoutPlan.StoredImage> stored,
      TarWriter tar, Path tempDir, String where) throws IOException {
    Set<String> written = new HashSet<>();
    List<Map<String, Object>> manifest = new ArrayList<>();
    // The legacy "repositories" file: repository -> tag -> top layer's directory, which older
    // loaders (and docker load before 1.10) read when manifest.json is missing.
    Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
    for (int i = 0; i < images.size(); i++) {
      LayoutPlan.StoredImage image = stored.get(i);
      List<Digest> diffIds = image.config().diffIds();
      List<Descriptor> layers = image.manifest().layers();
      if (diffIds.size() != layers.size()) {
        throw new TransportException(where + ": image " + images.get(i).manifestDigest() + " has "
            + layers.size() + " layers but its config lists " + diffIds.size() + " diff_ids");
      }
      String configName = image.manifest().config().digest().hex() + ".json";
      if (written.add(configName)) {
        tar.file(configName, image.configBytes());
      }
      List<String> layerNames = new ArrayList<>();
      for (int l = 0; l < layers.size(); l++) {
        String name = diffIds.get(l).hex() + "/layer.tar";
        if (written.add(name)) {
          tar.directory(diffIds.get(l).hex());
          writeLayer(store, layers.get(l), diffIds.get(l), name, tar, tempDir, where);
        }
        layerNames.add(name);
      }
      List<String> tags = images.get(i).names().stream().filter(n -> !n.contains("@")).toList();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("Config", configName);
      entry.put("RepoTags", tags);
      entry.put("Layers", layerNames);
      manifest.add(entry);
      if (!diffIds.isEmpty()) {
        for (String tag : tags) {
          int colon = tag.lastIndexOf(':');
          if (colon > tag.lastIndexOf('/')) {
            repositories.computeIfAbsent(tag.substring(0, colon), k -> new LinkedHashMap<>())
                .put(tag.substring(colon + 1), diffIds.getLast().hex());
          }
        }
      }
    }
    tar.file("manifest.json", ImageJson.mapper().writeValueAsBytes(manifest));
    if (!repositories.isEmpty()) {
      tar.file("repositories", ImageJson.mapper().writeValueAsBytes(repositories));
    }
  }

  /** A tar member needs its size up front, so the layer is decompressed to a temporary file first. */
  private static void writeLayer(ContentStore store, Descriptor layer, Digest diffId, String name,
      TarWriter tar, Path tempDir, String where) throws IOException {
    Path temp = Files.createTempFile(tempDir, ".layer-", ".tar");
    try {
      Digest actual;
      try (InputStream in = decompressed(store.open(layer.digest()), layer.mediaType(), where);
          DigestingOutputStream out = new DigestingOutputStream(new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16))) {
        in.transferTo(out);
        out.flush();
        actual = out.digest();
      }
      if (!actual.equals(diffId)) {
        throw new TransportException(where + ": layer " + layer.digest() + " decompresses to " + actual
            + ", not the diff_id " + diffId + " its config lists");
      }
      try (InputStream in = Files.newInputStream(temp)) {
        tar.file(name, Files.size(temp), in);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static InputStream decompressed(InputStream raw, String mediaType, String where) throws IOException {
    InputStream in = new BufferedInputStream(raw, 1 << 16);
    try {
      return switch (MediaTypes.compression(mediaType)) {
        case NONE -> in;
        case GZIP -> new GZIPInputStream(in, 1 << 16);
        case ZSTD -> new ZstdInputStream(in);
      };
    } catch (IllegalArgumentException e) {
      in.close();
      throw new TransportException(where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads every image of a {@code docker save} or {@code podman save} archive into the store,
   * each with a new Docker v2.2 manifest over its uncompressed layers.
   */
  public static List<ImageRef> read(Path tarFile, ContentStore store) {
    return new DockerArchiveReader(tarFile, store).read();
  }
}
