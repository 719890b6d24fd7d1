package io.berth.image.store;

import io.berth.image.spec.Digest;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link ContentStoreCrashTest}: writes the first bytes of a blob,
 * says READY, and waits to be killed with the writer open.
 */
public final class IngestChild {
  private IngestChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    String ref = args[1];
    long seed = Long.parseLong(args[2]);
    int size = Integer.parseInt(args[3]);
    int written = Integer.parseInt(args[4]);
    byte[] content = Blobs.random(seed, size);
    Digest digest = Blobs.sha256(content);
    ContentStore store = new ContentStore(root);
    ContentStore.Writer writer = store.writer(ref, digest, size);
    writer.write(content, 0, written);
    writer.flush();
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
