package io.berth.engine;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageNotFoundException;
import io.berth.image.meta.ImageRecord;
import io.berth.image.pull.ImagePuller;
import java.util.function.Consumer;
import io.berth.image.pull.PulledImage;
import io.berth.image.registry.Credentials;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.RegistriesConf;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import io.berth.image.layer.Decompressor;
import io.berth.image.spec.Compression;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digester;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.spec.Platform;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The engine's use of the image layer: find an image by what a user typed, pull it when it is
 * missing, read its config, and give the overlay lower directories of its snapshots.
 */
public final class ImageService implements AutoCloseable {
  private final Path root;
  private final RegistriesConf registries;

  public ImageService(Path root, RegistriesConf registries) {
    this.root = root;
    this.registries = registries;
  }

  ContentStore store() {
    try {
      return new ContentStore(root.resolve("content"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Snapshotter snapshots() {
    return new Snapshotter(root.resolve("snapshots"), new LayerUnpacker());
  }

  private ImageDatabase shared;

  /**
   * The image database, opened once per engine: each open checks the schema in a write
   * transaction, which a command that reads it five times should not pay five times.
   */
  synchronized ImageDatabase db() {
    if (shared == null) {
      shared = ImageDatabase.open(root.resolve("images.db"));
    }
    return shared;
  }

  @Override
  public synchronized void close() {
    if (shared != null) {
      shared.close();
      shared = null;
    }
  }

  /** Pins the image's snapshots for the container (see ImageDatabase#addContainerReference). */
  void pin(String containerId, String imageId) {
    db().addContainerReference(containerId, imageId);
  }

  void unpin(String containerId) {
    db().removeContainerReference(containerId);
  }

  /** The image a user means: a stored name, the normalized form of one, or an ID (prefix). */
  public Optional<ImageRecord> find(String nameOrId) {
    {
      ImageDatabase db = db();
      Optional<ImageRecord> r = db.resolve(nameOrId);
      if (r.isPresent()) {
        return r;
      }
      try {
        ImageReference ref = ImageReference.parse(nameOrId);
        r = db.resolve(ref.toString());
        if (r.isEmpty() && !nameOrId.contains("/") && !nameOrId.contains("@")) {
          // a short name also means an image made here, as podman's localhost/ images
          r = db.resolve("localhost/" + ref.repository().replaceFirst("^library/", "") + ":" + ref.tag());
        }
        return r;
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /** Every stored image, newest first. */
  public List<ImageRecord> list() {
    return db().list();
  }

  /** Pulls {@code reference} (through registries.conf's mirrors) and records it. */
  public ImageRecord pull(String reference, boolean tlsVerify, Consumer<ImagePuller.Progress> progress) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new EngineException("invalid image reference \"" + reference + "\": " + e.getMessage());
    }
    return pull(ref, tlsVerify, PlatformMatcher.host(), progress);
  }

  /**
   * Pulls {@code ref} for a platform (through registries.conf's mirrors), unpacks its layers and
   * records it under its name; plain HTTP to {@code ref}'s registry unless {@code tlsVerify}.
   */
  public ImageRecord pull(ImageReference ref, boolean tlsVerify, PlatformMatcher platform,
      Consumer<ImagePuller.Progress> progress) {
    return pull(ref, tlsVerify, platform, null, progress);
  }

  /**
   * As {@link #pull(ImageReference, boolean, PlatformMatcher, Consumer)}, with {@code credentials}
   * (may be null) for {@code ref}'s registry, as a client hands them over (Docker's
   * X-Registry-Auth): they win over the auth files.
   */
  public ImageRecord pull(ImageReference ref, boolean tlsVerify, PlatformMatcher platform, Credentials credentials,
      Consumer<ImagePuller.Progress> progress) {
    RegistryConfig config = registries.apply(RegistryConfig.defaults());
    if (!tlsVerify) {
      config = config.withInsecureRegistry(ref.registry());
    }
    if (credentials != null) {
      config = config.withCredentials(ref.registry(), credentials);
    }
    ContentStore store = store();
    Snapshotter snaps = snapshots();
    snaps.sweepPartial();
    ImageDatabase db = db();
    try (RegistryClient client = new RegistryClient(config)) {
      PulledImage img = new ImagePuller(client, store, progress, 4).pullFirst(registries.endpoints(ref), platform);
      snaps.prepare(store, img.manifest(), img.config());
      ImageRecord record = ImageRecord.from(img, List.of(ref.toString()));
      db.recordImage(record);
      return db.resolve(record.id()).orElse(record);
    }
  }

  /** The image, pulled first when it is not stored and {@code pull} allows it. */
  ImageRecord resolve(String nameOrId, boolean pull, Consumer<ImagePuller.Progress> progress) {
    Optional<ImageRecord> found = find(nameOrId);
    if (found.isPresent()) {
      return found.get();
    }
    if (!pull) {
      throw new ImageNotFoundException("image \"" + nameOrId + "\" not found; pull it first or run 'berth images'");
    }
    return pullOrLocal(nameOrId, true, progress);
  }

  /**
   * Pulls; when no registry answers for busybox, builds Berth's embedded default instead (the
   * host's busybox-static as localhost/busybox:latest).
   */
  public ImageRecord pullOrLocal(String reference, boolean tlsVerify, Consumer<ImagePuller.Progress> progress) {
    try {
      return pull(reference, tlsVerify, progress);
    } catch (io.berth.image.pull.PullException | io.berth.image.registry.RegistryException e) {
      if (LocalImages.isBusyboxName(reference) && Files.isRegularFile(LocalImages.HOST_BUSYBOX)) {
        try {
          return LocalImages.busybox(this);
        } catch (IOException io) {
          e.addSuppressed(io);
        }
      }
      throw new EngineException("image \"" + reference + "\" is not stored here, and pulling it failed: "
          + e.getMessage(), e);
    }
  }


  /**
   * Makes an image of a root filesystem tarball (plain, gzip or zstd): one layer, and {@code
   * config} (may be null) as its execution defaults. Named {@code name} when not null.
   */
  public ImageRecord importTarball(Path tarball, String name, ImageConfig.Config config) throws IOException {
    ContentStore store = store();
    Digest layerDigest;
    Compression compression;
    long size = Files.size(tarball);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tarball))) {
      in.mark(Compression.MAGIC_LENGTH);
      compression = Compression.detect(in.readNBytes(Compression.MAGIC_LENGTH));
      in.reset();
      layerDigest = store.put(in, null, size);
    }
    Digest diffId;
    try (InputStream plain = Decompressor.open(compression, store.open(layerDigest))) {
      Digester sha = Digester.sha256();
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = plain.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
      diffId = sha.digest();
    }
    String mediaType = switch (compression) {
      case NONE -> MediaTypes.OCI_LAYER_TAR;
      case GZIP -> MediaTypes.OCI_LAYER_TAR_GZIP;
      case ZSTD -> MediaTypes.OCI_LAYER_TAR_ZSTD;
    };
    Platform host = PlatformMatcher.hostPlatform();
    ImageConfig imageConfig = new ImageConfig(Instant.now().toString(), null, host.architecture(), "linux",
        null, null, null, config, ImageConfig.RootFs.layers(List.of(diffId)),
        List.of(new ImageConfig.History(Instant.now().toString(), "berth import " + tarball.getFileName(), null, null, null)));
    byte[] configBytes = ImageJson.toBytes(imageConfig);
    Digest configDigest = store.put(new ByteArrayInputStream(configBytes), null, configBytes.length);
    Manifest manifest = Manifest.oci(new Descriptor(MediaTypes.OCI_CONFIG, configDigest, configBytes.length),
        List.of(new Descriptor(mediaType, layerDigest, size)));
    byte[] manifestBytes = ImageJson.toBytes(manifest);
    Digest manifestDigest = store.put(new ByteArrayInputStream(manifestBytes), null, manifestBytes.length);
    ImageConfig parsed = ImageJson.config(configBytes);
    snapshots().prepare(store, manifest, parsed);
    ImageReference ref = name == null ? null : ImageReference.parse(name);
    {
      ImageDatabase db = db();
      ImageRecord record = ImageRecord.from(new PulledImage(ref, manifestDigest, null, manifest, configDigest, parsed),
          ref == null ? List.of() : List.of(ref.toString()));
      db.recordImage(record);
      return db.resolve(record.id()).orElse(record);
    }
  }

  ImageConfig config(String imageId) {
    try (InputStream in = store().open(Digest.parse(imageId))) {
      return ImageJson.config(in.readAllBytes());
    } catch (IOException e) {
      throw new EngineException("cannot read the config of image " + imageId + ": " + e.getMessage(), e);
    }
  }

  /** The unpacked layers of an image, top first, unpacking any that are missing. */
  List<Path> lowers(ImageRecord image) {
    Snapshotter snaps = snapshots();
    List<Path> lowers = new ArrayList<>();
    boolean complete = true;
    for (String chain : image.chainIds()) {
      Path p = snaps.path(Digest.parse(chain));
      complete &= Files.isDirectory(p);
      lowers.add(0, p);
    }
    if (!complete) {
      ContentStore store = store();
      try (InputStream in = store.open(Digest.parse(image.manifestDigest()))) {
        return snaps.prepare(store, ImageJson.manifest(in.readAllBytes()), config(image.id()));
      } catch (IOException e) {
        throw new EngineException("cannot unpack image " + image.displayName() + ": " + e.getMessage(), e);
      }
    }
    if (lowers.isEmpty()) {
      throw new EngineException("image " + image.displayName() + " has no layers to run");
    }
    return lowers;
  }
}
