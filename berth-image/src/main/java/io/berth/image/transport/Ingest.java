package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.store.ContentStore;
import io.berth.image.store.DigestMismatchException;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

/** Blob traffic between a transport and the store; all of it verified. */
final class Ingest {
  /** Documents (manifests, configs, indexes, manifest.json) are read into memory; none is this big. */
  static final long MAX_DOCUMENT = 16L << 20;

  private Ingest() {}

  /**
   * Streams {@code size} bytes into the store through a writer that checks them against {@code
   * expected} (or takes their sha256 when null). On any failure the bytes are discarded.
   */
  static Digest copy(ContentStore store, InputStream in, Digest expected, long size, String where)
      throws IOException {
    ContentStore.Writer writer;
    try {
      writer = store.writer("import-" + UUID.randomUUID(), expected, size);
    } catch (IllegalArgumentException e) {
      throw new TransportException(where + ": " + e.getMessage(), e);
    }
    try (writer) {
      try {
        in.transferTo(writer);
        return writer.commit();
      } catch (DigestMismatchException e) {
        writer.abort();
        throw new TransportException(where + ": " + e.getMessage() + "; the blob is corrupt", e);
      } catch (IOException | RuntimeException e) {
        writer.abort();
        throw e;
      }
    }
  }

  /** A whole small member or file, refusing one larger than {@link #MAX_DOCUMENT}. */
  static byte[] readDocument(InputStream in, long size, String what, String where) throws IOException {
    if (size > MAX_DOCUMENT) {
      throw new TransportException(where + ": " + what + " is " + size + " bytes, more than a document may be");
    }
    return in.readNBytes((int) size);
  }

  /** A document from the store, which must hold it with the descriptor's size. */
  static byte[] storedDocument(ContentStore store, Descriptor descriptor, String where) throws IOException {
    if (!store.exists(descriptor.digest()) || store.size(descriptor.digest()) != descriptor.size()) {
      throw new TransportException(where + ": blob " + descriptor.digest() + " (" + descriptor.size()
          + " bytes) is missing or has another size");
    }
    try (InputStream in = store.open(descriptor.digest())) {
      return readDocument(in, descriptor.size(), "blob " + descriptor.digest(), where);
    }
  }
}
