package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * skopeo's {@code dir:} transport: one image as {@code manifest.json} (the manifest's bytes),
 * each blob in a file named by its digest's hex, and a {@code version} file. It holds no names.
 */
public final class DirTransport {
  private static final String VERSION = "Directory Transport Version: 1.1\n";

  private DirTransport() {}

  public static void write(ContentStore store, ImageRef image, Path dir) {
    try {
      Files.createDirectories(dir);
      byte[] manifestBytes;
      try (InputStream in = store.open(image.manifestDigest())) {
        manifestBytes = in.readAllBytes();
      }
      Manifest manifest = ImageJson.manifest(manifestBytes);
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(manifest.config());
      blobs.addAll(manifest.layers());
      for (Descriptor d : blobs) {
        Path target = dir.resolve(d.digest().hex());
        Path tmp = dir.resolve("." + d.digest().hex() + ".tmp");
        Files.copy(store.path(d.digest()), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.write(dir.resolve("manifest.json"), manifestBytes);
      Files.writeString(dir.resolve("version"), VERSION);
    } catch (IOException e) {
      throw new TransportException("dir:" + dir + ": " + e, e);
    }
  }

  /** Reads the image into the store, each blob checked against the manifest's digest and size. */
  public static ImageRef read(Path dir, ContentStore store) {
    String where = "dir:" + dir;
    try {
      String version;
      try {
        version = Files.readString(dir.resolve("version"));
      } catch (NoSuchFileException e) {
        throw new TransportException(where + " has no version file: not a dir: image", e);
      }
      if (!version.startsWith("Directory Transport Version: 1.")) {
        throw new TransportException(where + ": unsupported " + version.strip());
      }
      byte[] manifestBytes = Files.readAllBytes(dir.resolve("manifest.json"));
      Manifest manifest = ImageJson.manifest(manifestBytes);
      List<Descriptor> blobs = new ArrayList<>();
      blobs.add(manifest.config());
      blobs.addAll(manifest.layers());
      for (Descriptor d : blobs) {
        Path file = dir.resolve(d.digest().hex());
        if (!file.normalize().getParent().equals(dir.normalize())) {
          throw new TransportException(where + ": blob name " + d.digest().hex() + " leaves the directory");
        }
        try (InputStream in = Files.newInputStream(file)) {
          Ingest.copy(store, in, d.digest(), d.size(), where + "/" + d.digest().hex());
        }
      }
      Digest manifestDigest = Ingest.copy(store, new java.io.ByteArrayInputStream(manifestBytes), null,
          manifestBytes.length, where + "/manifest.json");
      return new ImageRef(manifestDigest, List.of());
    } catch (IOException e) {
      throw new TransportException(where + ": " + e, e);
    } catch (IllegalArgumentException e) {
      throw new TransportException(where + ": invalid manifest: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw new TransportException(where + ": " + e.getCause(), e);
    }
  }
}
