package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.store.ContentStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A tar of an OCI image layout, the {@code oci-archive:FILE} transport. Both directions stream:
 * nothing is unpacked to disk.
 */
public final class OciArchive {
  private OciArchive() {}

  public static void write(ContentStore store, List<ImageRef> images, Path tarFile) {
    String where = "oci-archive " + tarFile;
    try {
      LayoutPlan plan = LayoutPlan.of(store, images, where);
      AtomicFile.write(tarFile, out -> {
        try (TarWriter tar = new TarWriter(out)) {
          tar.file("oci-layout", OciLayout.LAYOUT_FILE);
          tar.file("index.json", plan.indexJson(null));
          tar.directory("blobs");
          tar.directory("blobs/" + Digest.SHA256);
          for (Descriptor blob : plan.blobs()) {
            Digest digest = blob.digest();
            if (!digest.algorithm().equals(Digest.SHA256)) {
              tar.directory("blobs/" + digest.algorithm());
            }
            try (InputStream in = store.open(digest)) {
              tar.file("blobs/" + digest.algorithm() + "/" + digest.hex(), store.size(digest), in);
            }
          }
        }
      });
    } catch (IOException e) {
      throw new TransportException(where + ": cannot write: " + e.getMessage(), e);
    }
  }

  /**
   * Streams every blob of the archive into the store (each verified against the digest its name
   * gives), then reads the images index.json names. Blobs that no image uses stay for the
   * store's garbage collection.
   */
  public static List<ImageRef> read(Path tarFile, ContentStore store) {
    String where = "oci-archive " + tarFile;
    byte[] index = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tarFile), 1 << 16))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = EntryNames.check(entry.getName(), where);
        if (!entry.isFile()) {
          continue;
        }
        if (name.equals("index.json")) {
          index = Ingest.readDocument(tar, entry.getSize(), "index.json", where);
        } else if (name.startsWith("blobs/")) {
          Digest digest = blobDigest(name, where);
          if (!store.exists(digest)) {
            Ingest.copy(store, tar, digest, entry.getSize(), where);
          }
        }
      }
      if (index == null) {
        throw new TransportException(where + " has no index.json");
      }
      return LayoutReader.read(index, new StoreBlobs(store, where), where);
    } catch (IOException e) {
      throw new TransportException(where + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static Digest blobDigest(String name, String where) {
    String[] parts = name.split("/");
    try {
      if (parts.length == 3) {
        return new Digest(parts[1], parts[2]);
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new TransportException(where + ": archive member \"" + name + "\" is not named blobs/<algorithm>/<digest>");
  }
}
