package io.berth.image.spec;

import static io.berth.image.spec.Samples.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageJsonTest {
  @Test
  void readsAnOciManifest() {
    Manifest m = ImageJson.manifest(bytes(Samples.OCI_MANIFEST));
    assertEquals(2, m.schemaVersion());
    assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
    assertEquals(Digest.parse("sha256:" + Samples.H1), m.config().digest());
    assertEquals(1470, m.config().size());
    assertEquals(2, m.layers().size());
    assertEquals(2811478, m.layers().get(0).size());
    assertEquals(Compression.ZSTD, MediaTypes.compression(m.layers().get(1).mediaType()));
    assertEquals(Map.of("org.example.layer", "top"), m.layers().get(1).annotations());
    assertEquals(Digest.parse("sha256:" + Samples.H4), m.subject().digest());
    assertEquals("docker.io/library/debian:bookworm", m.annotations().get("org.opencontainers.image.base.name"));
    assertNull(m.artifactType());
  }

  @Test
  void readsADockerV22Manifest() {
    Manifest m = ImageJson.manifest(bytes(Samples.DOCKER_MANIFEST));
    assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
    assertEquals(MediaTypes.DOCKER_CONFIG, m.config().mediaType());
    Descriptor foreign = m.layers().get(1);
    assertTrue(MediaTypes.isNondistributable(foreign.mediaType()));
    assertEquals(List.of("https://example.com/layers/foreign.tar.gz"), foreign.urls());
  }

  @Test
  void readsAnIndexAndAManifestList() {
    Index index = ImageJson.index(bytes(Samples.OCI_INDEX));
    assertEquals(6, index.manifests().size());
    Platform windows = index.manifests().get(4).platform();
    assertEquals("10.0.20348.2227", windows.osVersion());
    assertEquals(List.of("win32k"), windows.osFeatures());
    assertEquals("v8", index.manifests().get(1).platform().variant());

    Index list = ImageJson.index(bytes(Samples.DOCKER_MANIFEST_LIST));
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, list.mediaType());
    assertEquals(List.of("sse4"), list.manifests().get(1).platform().features());
    assertTrue(MediaTypes.isManifest(list.manifests().get(0).mediaType()));
  }

  @Test
  void readsAConfigWithCapitalizedExecutionFields() {
    ImageConfig c = ImageJson.config(bytes(Samples.CONFIG));
    assertEquals("amd64", c.architecture());
    assertEquals("Berth tests <tests@example.com>", c.author());
    ImageConfig.Config run = c.config();
    assertEquals("1000:1000", run.user());
    assertEquals(Set.of("8080/tcp", "53/udp"), run.exposedPorts());
    assertEquals(Set.of("/data"), run.volumes());
    assertEquals(List.of("/usr/bin/tini", "--"), run.entrypoint());
    assertEquals(List.of("httpd", "-f"), run.cmd());
    assertEquals("/srv", run.workingDir());
    assertEquals("SIGQUIT", run.stopSignal());
    assertEquals(Boolean.TRUE, run.argsEscaped());
    assertEquals("sample", run.labels().get("org.opencontainers.image.title"));
    assertEquals(30_000_000_000L, run.healthcheck().interval());
    assertEquals(3, run.healthcheck().retries());
    assertEquals(List.of("/bin/sh", "-c"), run.shell());
    assertNull(run.onBuild());
    assertEquals(List.of(Digest.parse("sha256:" + Samples.H1), Digest.parse("sha256:" + Samples.H2)), c.diffIds());
    assertEquals(3, c.history().size());
    assertTrue(c.history().get(1).isEmptyLayer());
    assertFalse(c.history().get(2).isEmptyLayer());
    assertEquals("RUN apk add curl", c.history().get(2).createdBy());
    // Layers are the history steps that are not empty.
    assertEquals(c.diffIds().size(), c.history().stream().filter(h -> !h.isEmptyLayer()).count());
  }

  @Test
  void configRoundTripsThroughCanonicalForm() {
    ImageConfig c = ImageJson.config(bytes(Samples.CONFIG));
    byte[] canonical = ImageJson.toBytes(c);
    assertEquals(c, ImageJson.config(canonical));
    String text = new String(canonical, java.nio.charset.StandardCharsets.UTF_8);
    // Go's map[string]struct{} form, keys sorted; capitalized names kept; unknown fields gone.
    assertTrue(text.contains("\"ExposedPorts\":{\"53/udp\":{},\"8080/tcp\":{}}"), text);
    assertTrue(text.contains("\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + Samples.H1), text);
    assertTrue(text.contains("\"empty_layer\":true"), text);
    assertFalse(text.contains("container_config"), text);
    String outsideStrings = text.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
    assertFalse(outsideStrings.matches("(?s).*\\s.*"), "whitespace outside strings: " + outsideStrings);
  }

  @Test
  void canonicalManifestIsExactlyTheseBytes() throws Exception {
    byte[] config = bytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
    Descriptor configDescriptor = Descriptor.of(MediaTypes.OCI_CONFIG, config);
    Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.parse("sha256:" + Samples.H2), 42)
        .withAnnotations(Map.of("z.last", "2", "a.first", "1"));
    Manifest m = Manifest.oci(configDescriptor, List.of(layer));

    String configHex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(config));
    String expected = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configHex
        + "\",\"size\":" + config.length + "},"
        + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
        + Samples.H2 + "\",\"size\":42,\"annotations\":{\"a.first\":\"1\",\"z.last\":\"2\"}}]}";
    assertEquals(expected, ImageJson.toString(m));
    assertArrayEquals(ImageJson.toBytes(m), ImageJson.toBytes(ImageJson.manifest(ImageJson.toBytes(m))));
  }

  @Test
  void canonicalIndexKeepsAnEmptyManifestsArray() {
    assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}",
        ImageJson.toString(Index.oci(List.of())));
  }

  @Test
  void platformFieldsUseDottedNames() {
    Platform p = new Platform("amd64", "windows", "10.0.17763", List.of("win32k"), null, null);
    assertEquals("{\"architecture\":\"amd64\",\"os\":\"windows\",\"os.version\":\"10.0.17763\",\"os.features\":[\"win32k\"]}",
        ImageJson.toString(p));
  }

  @Test
  void malformedDocumentsAreRejectedWithTheReason() {
    String badDigest = Samples.OCI_MANIFEST.replace("sha256:" + Samples.H2, "sha256:ABCDEF");
    InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes(badDigest)));
    assertTrue(e.getMessage().startsWith("invalid image manifest"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256:ABCDEF"), e.getMessage());

    String noSize = """
        {"schemaVersion":2,"config":{"mediaType":"x/y","digest":"sha256:%s"},"layers":[]}
        """.formatted(Samples.H1);
    e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes(noSize)));
    assertTrue(e.getMessage().contains("size"), e.getMessage());

    String negative = Samples.DOCKER_MANIFEST.replace("\"size\": 1032", "\"size\": -1");
    e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes(negative)));
    assertTrue(e.getMessage().contains("negative size"), e.getMessage());

    String schema1 = "{\"schemaVersion\":1,\"name\":\"library/busybox\",\"tag\":\"latest\","
        + "\"architecture\":\"amd64\",\"fsLayers\":[{\"blobSum\":\"sha256:" + Samples.H1 + "\"}],\"history\":[]}";
    e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes(schema1)));
    assertEquals("invalid image manifest: schemaVersion is 1 (a Docker schema 1 manifest); "
        + "only schema 2 (OCI and Docker v2.2) is supported", e.getMessage());

    e = assertThrows(InvalidImageException.class, () -> ImageJson.index(bytes("{\"schemaVersion\":2,")));
    assertTrue(e.getMessage().startsWith("invalid image index"), e.getMessage());

    e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes("{\"schemaVersion\":2}")));
    assertTrue(e.getMessage().contains("config"), e.getMessage());

    String wrongRootfs = Samples.CONFIG.replace("\"type\": \"layers\"", "\"type\": \"squash\"");
    e = assertThrows(InvalidImageException.class, () -> ImageJson.config(bytes(wrongRootfs)));
    assertTrue(e.getMessage().contains("rootfs.type"), e.getMessage());

    String nullLayer = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" + Samples.H1 + "\",\"size\":1},\"layers\":[null]}";
    e = assertThrows(InvalidImageException.class, () -> ImageJson.manifest(bytes(nullLayer)));
    assertTrue(e.getMessage().contains("layers contains null"), e.getMessage());
  }

  @Test
  void mediaTypeOfDocumentsWithoutContentType() {
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, ImageJson.mediaTypeOf(bytes(Samples.DOCKER_MANIFEST_LIST)));
    assertEquals(MediaTypes.OCI_INDEX,
        ImageJson.mediaTypeOf(bytes("{\"schemaVersion\":2,\"manifests\":[]}")));
    assertEquals(MediaTypes.OCI_MANIFEST,
        ImageJson.mediaTypeOf(bytes("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}")));
    assertThrows(InvalidImageException.class, () -> ImageJson.mediaTypeOf(bytes("[1,2]")));
    assertThrows(InvalidImageException.class, () -> ImageJson.mediaTypeOf(bytes("{\"what\":1}")));
  }

  @Test
  void descriptorDataIsBase64() {
    Descriptor empty = ImageJson.parse(bytes("""
        {"mediaType":"application/vnd.oci.empty.v1+json",
         "digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
         "size":2,"data":"e30="}
        """), Descriptor.class);
    assertArrayEquals(bytes("{}"), empty.decodedData());
    assertEquals(Digest.of(empty.decodedData()), empty.digest());
  }
}
