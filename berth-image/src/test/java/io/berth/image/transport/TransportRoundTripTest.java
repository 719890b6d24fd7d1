package io.berth.image.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransportRoundTripTest {
  private static final List<String> NAMES = List.of("docker.io/library/busybox:latest", "1.0");

  @TempDir Path temp;
  private ContentStore source;
  private ContentStore target;
  private TestImage image;

  @BeforeEach
  void setUp() throws IOException {
    source = new ContentStore(temp.resolve("source"));
    target = new ContentStore(temp.resolve("target"));
    image = TestImage.put(source);
  }

  @Test
  void ociLayoutKeepsTheManifestDigestAndNames() throws IOException {
    Path dir = temp.resolve("layout");
    OciLayout.write(source, List.of(new ImageRef(image.manifest(), NAMES)), dir);

    Index index = ImageJson.index(Files.readAllBytes(dir.resolve("index.json")));
    assertEquals(NAMES, index.manifests().stream()
        .map(d -> d.annotations().get("org.opencontainers.image.ref.name")).toList());
    assertEquals("linux", index.manifests().get(0).platform().os());
    assertTrue(Files.isRegularFile(dir.resolve("oci-layout")));

    List<ImageRef> read = OciLayout.read(dir, target);
    assertEquals(List.of(new ImageRef(image.manifest(), NAMES)), read);
    assertSameBlobs(source, target);
  }

  @Test
  void ociLayoutWriteKeepsOtherImagesOfTheLayout() throws IOException {
    Path dir = temp.resolve("layout");
    OciLayout.write(source, List.of(new ImageRef(image.manifest(), List.of("old"))), dir);
    OciLayout.write(source, List.of(new ImageRef(image.manifest(), List.of("new"))), dir);
    assertEquals(List.of(new ImageRef(image.manifest(), List.of("old", "new"))), OciLayout.read(dir, target));
  }

  @Test
  void ociArchiveKeepsTheManifestDigestAndNames() throws IOException {
    Path tar = temp.resolve("image.tar");
    OciArchive.write(source, List.of(new ImageRef(image.manifest(), NAMES)), tar);
    assertEquals(List.of(new ImageRef(image.manifest(), NAMES)), OciArchive.read(tar, target));
    assertSameBlobs(source, target);
  }

  @Test
  void dockerArchiveStoresUncompressedLayersWithTheSameConfig() throws IOException {
    Path tar = temp.resolve("docker.tar");
    DockerArchive.write(source, List.of(new ImageRef(image.manifest(), List.of("docker.io/library/busybox:latest"))), tar);

    List<ImageRef> read = DockerArchive.read(tar, target);
    assertEquals(1, read.size());
    assertEquals(List.of("docker.io/library/busybox:latest"), read.get(0).names());
    assertNotEquals(image.manifest(), read.get(0).manifestDigest(), "a new manifest over uncompressed layers");

    Manifest manifest = ImageJson.manifest(bytes(target, read.get(0).manifestDigest()));
    assertEquals(MediaTypes.DOCKER_MANIFEST, manifest.mediaType());
    assertEquals(image.config().digest(), manifest.config().digest());
    assertEquals(image.diffIds(), manifest.layers().stream().map(Descriptor::digest).toList());
    for (Descriptor layer : manifest.layers()) {
      assertEquals(MediaTypes.DOCKER_LAYER_TAR, layer.mediaType());
      assertEquals(layer.digest(), Digest.of(bytes(target, layer.digest())), "stored verified");
    }
    assertArrayEquals(bytes(source, image.config().digest()), bytes(target, image.config().digest()));
  }

  @Test
  void dockerArchiveTwiceGivesTheSameManifest() throws IOException {
    Path tar = temp.resolve("docker.tar");
    DockerArchive.write(source, List.of(new ImageRef(image.manifest(), List.of("a:1"))), tar);
    ImageRef loaded = DockerArchive.read(tar, target).get(0);

    Path again = temp.resolve("again.tar");
    DockerArchive.write(target, List.of(loaded), again);
    ContentStore third = new ContentStore(temp.resolve("third"));
    assertEquals(List.of(loaded), DockerArchive.read(again, third), "same manifest digest the second time");
  }

  private static void assertSameBlobs(ContentStore expected, ContentStore actual) throws IOException {
    assertEquals(expected.list(), actual.list());
  }

  static byte[] bytes(ContentStore store, Digest digest) throws IOException {
    try (InputStream in = store.open(digest)) {
      return in.readAllBytes();
    }
  }
}
