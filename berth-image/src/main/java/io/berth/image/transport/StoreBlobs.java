package io.berth.image.transport;

import io.berth.image.spec.Descriptor;
import io.berth.image.store.ContentStore;
import java.io.IOException;

/**
 * Blobs an archive reader has already streamed, verified, into the store; here they only need to
 * be there with the size their descriptor gives.
 */
record StoreBlobs(ContentStore store, String where) implements LayoutReader.Blobs {
  @Override
  public byte[] document(Descriptor descriptor) throws IOException {
    return Ingest.storedDocument(store, descriptor, where);
  }

  @Override
  public void fetch(Descriptor descriptor) throws IOException {
    if (!store.exists(descriptor.digest())) {
      throw new TransportException(where + ": blob " + descriptor.digest() + " is not in the archive");
    }
    if (store.size(descriptor.digest()) != descriptor.size()) {
      throw new TransportException(where + ": blob " + descriptor.digest() + " is "
          + store.size(descriptor.digest()) + " bytes, the descriptor says " + descriptor.size());
    }
  }
}
