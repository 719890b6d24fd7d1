package io.berth.image.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.MediaTypes;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
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
  void aCorruptBlobInALayoutIsRefusedAndNotStored() throws IOException {
    Path dir = temp.resolve("layout");
    OciLayout.write(source, List.of(new ImageRef(image.manifest(), List.of("x"))), dir);
    Digest layer = image.layers().get(1).digest();
    Path blob = dir.resolve("blobs/sha256/" + layer.hex());
    byte[] bytes = Files.readAllBytes(blob);
    bytes[bytes.length / 2] ^= 1;
    Files.write(blob, bytes);

    TransportException e = assertThrows(TransportException.class, () -> OciLayout.read(dir, target));
    assertTrue(e.getMessage().startsWith("oci: " + dir + ": blob " + layer), e.getMessage());
    assertFalse(target.exists(layer));
    assertFalse(target.exists(image.manifest()), "no manifest without its layers");
  }

  @Test
  void aLayoutWithoutIndexJsonIsNamed() {
    Path dir = temp.resolve("empty");
    TransportException e = assertThrows(TransportException.class, () -> OciLayout.read(dir, target));
    assertEquals("oci: " + dir + " has no index.json", e.getMessage());
  }

  @Test
  void aNestedIndexGivesTheHostPlatformsManifest() throws IOException {
    Path dir = temp.resolve("layout");
    OciLayout.write(source, List.of(new ImageRef(image.manifest(), List.of())), dir);
    Descriptor manifest = ImageJson.index(Files.readAllBytes(dir.resolve("index.json"))).manifests().get(0);
    Descriptor other = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.of(new byte[] {1}), 1)
        .withPlatform(io.berth.image.spec.Platform.of("linux", "s390x", null));
    byte[] nested = ImageJson.toBytes(Index.oci(List.of(other,
        manifest.withPlatform(PlatformMatcher.hostPlatform()))));
    Descriptor nestedDescriptor = Descriptor.of(MediaTypes.OCI_INDEX, nested);
    Files.write(OciLayout.blobPath(dir, nestedDescriptor.digest()), nested);
    Files.write(dir.resolve("index.json"), ImageJson.toBytes(Index.oci(List.of(
        nestedDescriptor.withAnnotations(Map.of("org.opencontainers.image.ref.name", "multi"))))));

    assertEquals(List.of(new ImageRef(image.manifest(), List.of("multi"))), OciLayout.read(dir, target));
  }

  @Test
  void aDockerArchiveLayerThatIsNotTheDiffIdIsRefused() throws IOException {
    Path tar = temp.resolve("docker.tar");
    byte[] wrongLayer = TestImage.tar(Map.of("etc/passwd", "root::0:0::/:/bin/sh\n"));
    String config = new String(TransportRoundTripTest.bytes(source, image.config().digest()), StandardCharsets.UTF_8);
    String hex1 = image.diffIds().get(0).hex();
    String hex2 = image.diffIds().get(1).hex();
    byte[] goodLayer = TestImage.tar(Map.of("etc/hostname", "berth\n", "bin/hello", "#!/bin/sh\necho hello\n"));
    writeTar(tar, Map.of(
        "cfg.json", config.getBytes(StandardCharsets.UTF_8),
        hex1 + "/layer.tar", goodLayer,
        hex2 + "/layer.tar", wrongLayer,
        "manifest.json", ("[{\"Config\":\"cfg.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\""
            + hex1 + "/layer.tar\",\"" + hex2 + "/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8)));

    TransportException e = assertThrows(TransportException.class, () -> DockerArchive.read(tar, target));
    assertTrue(e.getMessage().startsWith("docker-archive " + tar + ": layer \"" + hex2
        + "/layer.tar\" is not the diff_id the config lists"), e.getMessage());
    assertTrue(target.list().stream().noneMatch(d -> {
      try {
        ImageJson.manifest(TransportRoundTripTest.bytes(target, d));
        return true;
      } catch (Exception notJson) {
        return false;
      }
    }), "no manifest was written");
  }

  @Test
  void aDockerArchiveMemberWithDotDotIsRefused() throws IOException {
    Path tar = temp.resolve("evil.tar");
    writeTar(tar, Map.of("../../etc/cron.d/evil", "x".getBytes(StandardCharsets.UTF_8), "manifest.json", "[]".getBytes()));
    TransportException e = assertThrows(TransportException.class, () -> DockerArchive.read(tar, target));
    assertTrue(e.getMessage().contains("\"../../etc/cron.d/evil\" points outside the archive"), e.getMessage());
    assertEquals(List.of(), target.list());
  }

  @Test
  void anOciArchiveMemberWithDotDotIsRefused() throws IOException {
    Path tar = temp.resolve("evil.tar");
    writeTar(tar, Map.of("blobs/sha256/../../../x", "x".getBytes(StandardCharsets.UTF_8)));
    TransportException e = assertThrows(TransportException.class, () -> OciArchive.read(tar, target));
    assertTrue(e.getMessage().startsWith("oci-archive " + tar + ": archive member"), e.getMessage());
  }

  @Test
  void aDockerArchiveSymlinkOutOfTheArchiveIsRefused() throws IOException {
    Path tar = temp.resolve("link.tar");
    try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      TarArchiveEntry link = new TarArchiveEntry("abc/layer.tar", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("../../etc/shadow");
      t.putArchiveEntry(link);
      t.closeArchiveEntry();
    }
    TransportException e = assertThrows(TransportException.class, () -> DockerArchive.read(tar, target));
    assertTrue(e.getMessage().contains("points outside the archive"), e.getMessage());
  }

  @Test
  void anOciArchiveBlobThatIsNotItsDigestIsRefusedAndNotStored() throws IOException {
    Digest claimed = image.layers().get(0).digest();
    Path tar = temp.resolve("bad.tar");
    writeTar(tar, Map.of("blobs/sha256/" + claimed.hex(), "not the layer".getBytes(StandardCharsets.UTF_8)));
    assertThrows(TransportException.class, () -> OciArchive.read(tar, target));
    assertEquals(List.of(), target.list());
  }

  /** Members in map order; names as given, hostile ones included. */
  static void writeTar(Path file, Map<String, byte[]> members) throws IOException {
    try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var member : new java.util.TreeMap<>(members).entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(member.getKey(), true);
        entry.setSize(member.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(member.getValue());
        tar.closeArchiveEntry();
      }
    }
  }
}
