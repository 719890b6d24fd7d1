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
  /** What happens to each blob, for a caller that shows progress per layer (as Docker's push does). */
  public interface Events {
    /** Every blob of the image, config first, before any is checked. */
    default void preparing(Descriptor blob) {}

    default void exists(Descriptor blob) {}

    default void mounted(Descriptor blob, String fromRepository) {}

    /** Bytes of the blob read for the upload so far; called as they go, the last time with the blob's size. */
    default void uploading(Descriptor blob, long sent) {}

    default void uploaded(Descriptor blob) {}
  }

  private final RegistryClient client;
  private final ContentStore store;
  private final Events events;

  public ImagePusher(RegistryClient client, ContentStore store, Consumer<String> progress) {
    this(client, store, new Events() {
      @Override
      public void exists(Descriptor d) {
        progress.accept("Blob " + d.digest().shortHex() + " exists");
      }

      @Override
      public void mounted(Descriptor d, String from) {
        progress.accept("Blob " + d.digest().shortHex() + " mounted from " + from);
      }

      @Override
      public void uploaded(Descriptor d) {
        progress.accept("Copied blob " + d.digest().shortHex());
      }
    });
  }

  public ImagePusher(RegistryClient client, ContentStore store, Events events) {
    this.client = client;
    this.store = store;
    this.events = events;
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
        events.preparing(d);
      }
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
      events.exists(d);
      return;
    }
    if (src != null
        && src.registry().equals(dst.registry())
        && !src.repository().equals(dst.repository())
        && client.mountBlob(dst.registry(), dst.repository(), digest, src.repository())) {
      events.mounted(d, src.repository());
      return;
    }
    try (InputStream in = new CountingInput(store.open(d.digest()), n -> events.uploading(d, n))) {
      client.putBlob(dst.registry(), dst.repository(), digest, d.size(), in, d.size() > 16L << 20);
    }
    events.uploaded(d);
  }

  /** Reports the bytes read through it. */
  private static final class CountingInput extends java.io.FilterInputStream {
    private final java.util.function.LongConsumer sent;
    private long count;

    CountingInput(InputStream in, java.util.function.LongConsumer sent) {
      super(in);
      this.sent = sent;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        sent.accept(++count);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
        sent.accept(count);
      }
      return n;
    }
  }
}
