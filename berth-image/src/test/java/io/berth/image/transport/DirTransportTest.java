package io.berth.image.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.store.ContentStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirTransportTest {
  @TempDir Path temp;

  @Test
  void roundTripKeepsTheManifestDigest() throws Exception {
    ContentStore source = new ContentStore(temp.resolve("source"));
    ContentStore target = new ContentStore(temp.resolve("target"));
    TestImage image = TestImage.put(source);
    Path dir = temp.resolve("dir");
    DirTransport.write(source, new ImageRef(image.manifest(), List.of("ignored")), dir);
    assertEquals("Directory Transport Version: 1.1\n", Files.readString(dir.resolve("version")));
    assertTrue(Files.isRegularFile(dir.resolve("manifest.json")));
    ImageRef read = DirTransport.read(dir, target);
    assertEquals(image.manifest(), read.manifestDigest());
    assertEquals(source.list(), target.list());
  }

  @Test
  void aCorruptBlobIsRefusedAndNotStored() throws Exception {
    ContentStore source = new ContentStore(temp.resolve("source"));
    ContentStore target = new ContentStore(temp.resolve("target"));
    TestImage image = TestImage.put(source);
    Path dir = temp.resolve("dir");
    DirTransport.write(source, new ImageRef(image.manifest(), List.of()), dir);
    Path layer;
    try (var s = Files.list(dir)) {
      layer = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}"))
          .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(layer);
    bytes[bytes.length / 2] ^= 1;
    Files.write(layer, bytes);
    TransportException e = assertThrows(TransportException.class, () -> DirTransport.read(dir, target));
    assertTrue(e.getMessage().contains("dir:"), e.getMessage());
    assertFalse(target.exists(image.manifest()), "no manifest without its blobs");
  }

  @Test
  void aDirectoryWithoutVersionIsNotADirImage() {
    var e = assertThrows(TransportException.class,
        () -> DirTransport.read(temp, new ContentStore(temp.resolve("t"))));
    assertTrue(e.getMessage().contains("no version file"), e.getMessage());
  }
}
