package io.berth.image.pull;

import io.berth.image.registry.ImageReference;
import io.berth.image.registry.ManifestResponse;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryException;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.InvalidImageException;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import io.berth.image.store.DigestMismatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Pulls an image into a {@link ContentStore}. Every blob is written under its digest only after
 * its size and digest check out; a blob already in the store is not fetched again, and one
 * whose earlier download was cut off continues from the bytes already received.
 */
public final class ImagePuller {
  /** Progress of one blob: bytes so far of total, for bars or plain lines. */
  public record Progress(Digest digest, String what, long done, long total) {}

  static final List<String> ACCEPT =
      List.of(
          MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST,
          MediaTypes.DOCKER_MANIFEST);

  private final RegistryClient client;
  private final ContentStore store;
  private final Consumer<Progress> progress;
  private final int parallel;

  public ImagePuller(RegistryClient client, ContentStore store, Consumer<Progress> progress, int parallel) {
    this.client = client;
    this.store = store;
    this.progress = progress;
    this.parallel = Math.max(1, parallel);
  }

  /**
   * Pulls from the first of {@code endpoints} that has the image (mirrors first, as
   * registries.conf orders them); when all fail, the last failure is reported with the others.
   */
  public PulledImage pullFirst(List<ImageReference> endpoints, PlatformMatcher platform) {
    PullException last = null;
    List<String> tried = new ArrayList<>();
    for (ImageReference ref : endpoints) {
      try {
        return pull(ref, platform);
      } catch (PullException e) {
        if (!(e.getCause() instanceof RegistryException)) {
          throw e; // a bad image is bad everywhere; only an endpoint's failure moves us on
        }
        tried.add(ref.registry());
        last = e;
      }
    }
    if (last == null) {
      throw new IllegalArgumentException("no endpoints to pull from");
    }
    if (tried.size() > 1) {
      throw new PullException(last.getMessage() + " (tried " + String.join(", ", tried) + ")", last);
    }
    throw last;
  }

  public PulledImage pull(ImageReference ref, PlatformMatcher platform) {
    try {
      ManifestResponse top = client.getManifest(ref, ACCEPT);
      String type = mediaTypeOf(top);
      Digest indexDigest = null;
      ManifestResponse chosen = top;
      if (MediaTypes.isIndex(type)) {
        indexDigest = keep(top.bytes());
        Index index = ImageJson.index(top.bytes());
        Descriptor d = platform.select(index);
        chosen = client.getManifest(byDigest(ref, d.digest()), ACCEPT);
        checkDigest(ref, d.digest(), chosen.bytes());
        type = mediaTypeOf(chosen);
      }
      if (!MediaTypes.isManifest(type)) {
        throw new PullException(ref + ": unsupported manifest media type \"" + type + "\"", null);
      }
      Digest manifestDigest = keep(chosen.bytes());
      Manifest manifest = ImageJson.manifest(chosen.bytes());
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(manifest.config());
      blobs.addAll(manifest.layers());
      fetchAll(ref, blobs);
      byte[] configBytes;
      try (InputStream in = store.open(manifest.config().digest())) {
        configBytes = in.readAllBytes();
      }
      ImageConfig config = ImageJson.config(configBytes);
      if (config.rootfs() != null
          && config.rootfs().diffIds() != null
          && config.rootfs().diffIds().size() != manifest.layers().size()) {
        throw new PullException(
            ref + ": the config lists " + config.rootfs().diffIds().size() + " layers, the manifest "
                + manifest.layers().size(), null);
      }
      return new PulledImage(ref, manifestDigest, indexDigest, manifest, manifest.config().digest(), config);
    } catch (RegistryException | InvalidImageException | io.berth.image.spec.PlatformNotFoundException e) {
      throw new PullException(ref + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new PullException(ref + ": invalid image document: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new PullException(ref + ": " + e, e);
    }
  }

  private static String mediaTypeOf(ManifestResponse r) {
    String t = r.mediaType();
    if (t == null || t.isBlank() || t.startsWith("text/plain") || t.equals("application/json")) {
      t = ImageJson.mediaTypeOf(r.bytes());
    }
    return MediaTypes.base(t);
  }

  private static ImageReference byDigest(ImageReference ref, Digest d) {
    return new ImageReference(ref.registry(), ref.repository(), null, d.toString());
  }

  private static void checkDigest(ImageReference ref, Digest expected, byte[] bytes) {
    Digest got = Digest.of(bytes);
    if (!got.equals(expected)) {
      throw new PullException(ref + ": manifest " + expected + " arrived with digest " + got, null);
    }
  }

  /** Stores a manifest or index as the bytes received: its digest is of those bytes. */
  private Digest keep(byte[] bytes) throws IOException {
    Digest d = Digest.of(bytes);
    if (!store.exists(d)) {
      store.put(new ByteArrayInputStream(bytes), d, bytes.length);
    }
    return d;
  }

  private void fetchAll(ImageReference ref, List<Descriptor> blobs) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, blobs.size()), Thread.ofVirtual().factory());
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (Descriptor d : blobs) {
        jobs.add(pool.submit(() -> {
          fetch(ref, d);
          return null;
        }));
      }
      for (Future<?> f : jobs) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException r) {
            throw r;
          }
          if (c instanceof IOException io) {
            throw io;
          }
          throw new IllegalStateException(c);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new PullException(ref + ": interrupted", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** One blob: skipped if present, else continued from a partial ingest, verified, committed. */
  private void fetch(ImageReference ref, Descriptor d) throws IOException {
    if (store.exists(d.digest())) {
      progress.accept(new Progress(d.digest(), "exists", d.size(), d.size()));
      return;
    }
    try (ContentStore.Writer w = store.writer(d.digest().toString(), d.digest(), d.size())) {
      if (store.exists(d.digest())) { // another pull finished it while we waited for the ref
        w.abort();
        return;
      }
      long offset = w.offset();
      try (InputStream in = client.getBlob(ref.registry(), ref.repository(), d.digest().toString(), offset)) {
        byte[] buf = new byte[64 * 1024];
        long done = offset;
        int n;
        while ((n = in.read(buf)) > 0) {
          w.write(buf, 0, n);
          done += n;
          progress.accept(new Progress(d.digest(), "downloading", done, d.size()));
        }
      }
      try {
        w.commit();
      } catch (DigestMismatchException e) {
        throw new PullException(ref + ": " + e.getMessage(), e);
      }
      progress.accept(new Progress(d.digest(), "done", d.size(), d.size()));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
