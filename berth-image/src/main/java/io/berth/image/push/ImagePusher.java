package io.berth.image.push;

import io.berth.image.registry.ImageReference;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryException;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Pushes one image manifest (the platform image, as podman does by default) with its config and
 * layers, as the bytes the store holds: the digests stay the same, so the pushed image is the
 * pulled one.
 */
public final class ImagePusher {
  private final RegistryClient client;
  private final ContentStore store;
  private final Consumer<String> progress;

  public ImagePusher(RegistryClient client, ContentStore store, Consumer<String> progress) {
    this.client = client;
    this.store = store;
    this.progress = progress;
  }

  /**
   * Pushes the manifest {@code manifestDigest} to {@code destination}; {@code source}, when it is
   * in the same registry, lets blobs be mounted instead of uploaded. Returns the manifest digest.
   */
  public Digest push(Digest manifestDigest, ImageReference destination, ImageReference source) {
    try {
      byte[] manifestBytes;
      try (InputStream in = store.open(manifestDigest)) {
        manifestBytes = in.readAllBytes();
      }
      Manifest manifest = ImageJson.manifest(manifestBytes);
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(manifest.config());
      blobs.addAll(manifest.layers());
      for (Descriptor d : blobs) {
        pushBlob(d, destination, source);
      }
      String mediaType = manifest.mediaType() != null ? manifest.mediaType() : MediaTypes.OCI_MANIFEST;
      String digest = client.putManifest(destination, mediaType, manifestBytes);
      return Digest.parse(digest);
    } catch (RegistryException e) {
      throw new PushException(destination + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new PushException(destination + ": " + e, e);
    }
  }

  private void pushBlob(Descriptor d, ImageReference dst, ImageReference src) throws IOException {
    String digest = d.digest().toString();
    if (client.blobExists(dst.registry(), dst.repository(), digest)) {
      progress.accept("Blob " + d.digest().shortHex() + " exists");
      return;
    }
    if (src != null
        && src.registry().equals(dst.registry())
        && !src.repository().equals(dst.repository())
        && client.mountBlob(dst.registry(), dst.repository(), digest, src.repository())) {
      progress.accept("Blob " + d.digest().shortHex() + " mounted from " + src.repository());
      return;
    }
    try (InputStream in = store.open(d.digest())) {
      client.putBlob(dst.registry(), dst.repository(), digest, d.size(), in, d.size() > 16L << 20);
    }
    progress.accept("Copied blob " + d.digest().shortHex());
  }
}
