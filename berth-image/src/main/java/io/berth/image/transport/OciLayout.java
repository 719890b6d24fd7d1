package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.Digester;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.InvalidImageException;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** An OCI image layout directory (image-layout.md), the {@code oci:DIR[:TAG]} transport. */
public final class OciLayout {
  static final byte[] LAYOUT_FILE = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private OciLayout() {}

  /**
   * Copies the images from the store into {@code dir}, creating it if needed. An existing layout
   * keeps its other images; an entry whose name is given again now points to the new image.
   */
  public static void write(ContentStore store, List<ImageRef> images, Path dir) {
    String where = "oci: " + dir;
    try {
      LayoutPlan plan = LayoutPlan.of(store, images, where);
      Files.createDirectories(dir);
      Path index = dir.resolve("index.json");
      Index existing = Files.isRegularFile(index) ? parseIndex(Files.readAllBytes(index), where) : null;
      for (Descriptor blob : plan.blobs()) {
        Path target = blobPath(dir, blob.digest());
        if (Files.isRegularFile(target) && Files.size(target) == blob.size()) {
          continue; // content-addressed: same name, same bytes
        }
        Files.createDirectories(target.getParent());
        AtomicFile.write(target, out -> {
          try (InputStream in = store.open(blob.digest())) {
            in.transferTo(out);
          }
        });
      }
      AtomicFile.write(dir.resolve("oci-layout"), out -> out.write(LAYOUT_FILE));
      AtomicFile.write(index, out -> out.write(plan.indexJson(existing)));
    } catch (IOException e) {
      throw new TransportException(where + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** Reads every image of the layout into the store, verifying each blob as it is copied. */
  public static List<ImageRef> read(Path dir, ContentStore store) {
    String where = "oci: " + dir;
    Path index = dir.resolve("index.json");
    if (!Files.isRegularFile(index)) {
      throw new TransportException(where + " has no index.json");
    }
    try {
      byte[] indexJson;
      try (InputStream in = Files.newInputStream(index)) {
        indexJson = Ingest.readDocument(in, Files.size(index), "index.json", where);
      }
      return LayoutReader.read(indexJson, new DirectoryBlobs(dir, store, where), where);
    } catch (IOException e) {
      throw new TransportException(where + ": cannot read: " + e.getMessage(), e);
    }
  }

  static Index parseIndex(byte[] json, String where) {
    try {
      return ImageJson.index(json);
    } catch (InvalidImageException e) {
      throw new TransportException(where + ": index.json: " + e.getMessage(), e);
    }
  }

  /** The digest grammar keeps {@code /} and {@code .} out of both parts, so this stays in dir. */
  static Path blobPath(Path dir, Digest digest) {
    return dir.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  private record DirectoryBlobs(Path dir, ContentStore store, String where) implements LayoutReader.Blobs {
    @Override
    public byte[] document(Descriptor descriptor) throws IOException {
      Path file = existing(descriptor);
      byte[] bytes;
      try (InputStream in = Files.newInputStream(file)) {
        bytes = Ingest.readDocument(in, descriptor.size(), "blob " + descriptor.digest(), where);
      }
      if (!Digester.supports(descriptor.digest().algorithm())) {
        throw new TransportException(where + ": cannot verify " + descriptor.digest() + ": unsupported algorithm");
      }
      Digester digester = Digester.of(descriptor.digest().algorithm());
      digester.update(bytes, 0, bytes.length);
      if (!digester.digest().equals(descriptor.digest())) {
        throw new TransportException(where + ": blob " + descriptor.digest() + " does not match its digest; the layout is corrupt");
      }
      return bytes;
    }

    @Override
    public void fetch(Descriptor descriptor) throws IOException {
      if (store.exists(descriptor.digest())) {
        return;
      }
      try (InputStream in = Files.newInputStream(existing(descriptor))) {
        Ingest.copy(store, in, descriptor.digest(), descriptor.size(), where);
      }
    }

    private Path existing(Descriptor descriptor) throws IOException {
      Path file = blobPath(dir, descriptor.digest());
      if (!Files.isRegularFile(file)) {
        throw new TransportException(where + ": blob " + descriptor.digest() + " is missing from the layout");
      }
      if (Files.size(file) != descriptor.size()) {
        throw new TransportException(where + ": blob " + descriptor.digest() + " is " + Files.size(file)
            + " bytes, the descriptor says " + descriptor.size() + "; the layout is corrupt");
      }
      return file;
    }
  }
}
