package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.InvalidImageException;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an OCI layout of some images holds: the blobs to copy (each once, children before the
 * manifest that names them) and the index entries, one per name, tagged with {@value #REF_NAME}.
 */
record LayoutPlan(List<Descriptor> blobs, List<Descriptor> entries) {
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  static LayoutPlan of(ContentStore store, List<ImageRef> images, String where) throws IOException {
    Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
    List<Descriptor> entries = new ArrayList<>();
    for (ImageRef image : images) {
      StoredImage stored = StoredImage.load(store, image.manifestDigest(), where);
      for (Descriptor blob : stored.blobs()) {
        if (!store.exists(blob.digest())) {
          throw new TransportException(where + ": blob " + blob.digest() + " of image "
              + image.manifestDigest() + " is not in the store");
        }
        blobs.putIfAbsent(blob.digest(), blob);
      }
      Descriptor entry = stored.descriptor().withPlatform(stored.config().platform());
      if (image.names().isEmpty()) {
        entries.add(entry);
      }
      for (String name : image.names()) {
        entries.add(entry.withAnnotations(Map.of(REF_NAME, name)));
      }
    }
    return new LayoutPlan(List.copyOf(blobs.values()), entries);
  }

  /** {@code entries}, after those of {@code existing} whose names are not taken by the new ones. */
  byte[] indexJson(Index existing) {
    List<Descriptor> merged = new ArrayList<>();
    if (existing != null) {
      for (Descriptor old : existing.manifests()) {
        String name = old.annotations() == null ? null : old.annotations().get(REF_NAME);
        boolean replaced = entries.stream().anyMatch(e -> e.annotations() != null
            && name != null && name.equals(e.annotations().get(REF_NAME)));
        if (!replaced) {
          merged.add(old);
        }
      }
    }
    merged.addAll(entries);
    return ImageJson.toBytes(Index.oci(merged));
  }

  /** A manifest in the store, its config, and every blob it consists of (manifest last). */
  record StoredImage(Descriptor descriptor, Manifest manifest, byte[] configBytes, ImageConfig config) {
    static StoredImage load(ContentStore store, Digest digest, String where) throws IOException {
      if (!store.exists(digest)) {
        throw new TransportException(where + ": image " + digest + " is not in the store");
      }
      try {
        byte[] manifestBytes = Ingest.storedDocument(store, new Descriptor(null, digest, store.size(digest)), where);
        String mediaType = ImageJson.mediaTypeOf(manifestBytes);
        if (!MediaTypes.isManifest(mediaType)) {
          throw new TransportException(where + ": " + digest + " is a " + mediaType
              + ", not an image manifest; pass one platform's manifest");
        }
        Manifest manifest = ImageJson.manifest(manifestBytes);
        byte[] configBytes = Ingest.storedDocument(store, manifest.config(), where);
        return new StoredImage(new Descriptor(mediaType, digest, manifestBytes.length), manifest,
            configBytes, ImageJson.config(configBytes));
      } catch (InvalidImageException e) {
        throw new TransportException(where + ": image " + digest + ": " + e.getMessage(), e);
      }
    }

    List<Descriptor> blobs() {
      List<Descriptor> all = new ArrayList<>();
      all.add(manifest.config());
      all.addAll(manifest.layers());
      all.add(descriptor);
      return all;
    }
  }
}
