package io.berth.image.meta;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.pull.PulledImage;
import io.berth.image.registry.ImageReference;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.ChainId;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real content store, snapshot directory and database under one temporary root, and images
 * made of small real blobs. Layers are stored uncompressed, so a layer's digest is its diff ID.
 */
final class Fixture implements AutoCloseable {
  final Path root;
  final ContentStore store;
  final Snapshotter snapshots;
  final ImageDatabase db;

  Fixture(Path root) throws IOException {
    this.root = root;
    this.store = new ContentStore(root.resolve("content"));
    this.snapshots = new Snapshotter(root.resolve("snapshots"), new LayerUnpacker());
    this.db = ImageDatabase.open(dbFile());
  }

  Path dbFile() {
    return root.resolve("images.db");
  }

  /** An image pulled by {@code name} (e.g. {@code busybox:1}), with its layers unpacked. */
  ImageRecord image(String name, String... layers) throws IOException {
    return image(name, name, false, layers);
  }

  /** Like {@link #image(String, String...)}, pulled through an index. */
  ImageRecord indexedImage(String name, String... layers) throws IOException {
    return image(name, name, true, layers);
  }

  /** {@code label} goes into the config, so it decides the image ID. */
  ImageRecord image(String name, String label, boolean indexed, String... layers) throws IOException {
    List<Descriptor> descriptors = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    for (String layer : layers) {
      byte[] bytes = layerBytes(layer);
      descriptors.add(new Descriptor(MediaTypes.OCI_LAYER_TAR, put(bytes), bytes.length));
      diffIds.add(Digest.of(bytes));
    }
    byte[] config = config(label, diffIds);
    Digest configDigest = put(config);
    Manifest manifest = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config), descriptors);
    byte[] manifestBytes = ImageJson.toBytes(manifest);
    Digest manifestDigest = put(manifestBytes);
    Digest indexDigest = null;
    if (indexed) {
      indexDigest = put(ImageJson.toBytes(Index.oci(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, manifestBytes)))));
    }
    for (Digest chainId : ChainId.chain(diffIds)) {
      Path dir = snapshots.path(chainId);
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/layer"), chainId.toString());
      }
    }
    return ImageRecord.from(new PulledImage(ImageReference.parse(name), manifestDigest, indexDigest, manifest,
        configDigest, ImageJson.config(config)));
  }

  static byte[] layerBytes(String layer) {
    return ("layer " + layer).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] config(String label, List<Digest> diffIds) {
    StringBuilder ids = new StringBuilder();
    for (Digest d : diffIds) {
      ids.append(ids.isEmpty() ? "" : ",").append('"').append(d).append('"');
    }
    return ("{\"created\":\"2024-05-01T10:00:00Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
        + "\"config\":{\"Labels\":{\"name\":\"" + label + "\"}},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + ids + "]}}").getBytes(StandardCharsets.UTF_8);
  }

  Digest put(byte[] bytes) throws IOException {
    return store.put(new ByteArrayInputStream(bytes), Digest.of(bytes), bytes.length);
  }

  /** Every blob the image's record names. */
  static List<Digest> blobsOf(ImageRecord image) {
    List<Digest> blobs = new ArrayList<>();
    blobs.add(Digest.parse(image.id()));
    blobs.add(Digest.parse(image.manifestDigest()));
    if (image.indexDigest() != null) {
      blobs.add(Digest.parse(image.indexDigest()));
    }
    image.layerDigests().forEach(d -> blobs.add(Digest.parse(d)));
    return blobs;
  }

  static List<Digest> chainIdsOf(ImageRecord image) {
    return image.chainIds().stream().map(Digest::parse).toList();
  }

  boolean blobFileExists(Digest d) {
    return Files.isRegularFile(store.path(d));
  }

  boolean snapshotExists(Digest chainId) {
    return Files.isDirectory(snapshots.path(chainId));
  }

  @Override
  public void close() {
    db.close();
  }
}
