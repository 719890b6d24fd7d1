package io.berth.image.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MediaTypesTest {
  @Test
  void stringsAreTheSpecs() {
    assertEquals("application/vnd.oci.image.manifest.v1+json", MediaTypes.OCI_MANIFEST);
    assertEquals("application/vnd.oci.image.index.v1+json", MediaTypes.OCI_INDEX);
    assertEquals("application/vnd.oci.image.config.v1+json", MediaTypes.OCI_CONFIG);
    assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", MediaTypes.OCI_LAYER_TAR_ZSTD);
    assertEquals("application/vnd.docker.distribution.manifest.list.v2+json", MediaTypes.DOCKER_MANIFEST_LIST);
    assertEquals("application/vnd.docker.image.rootfs.diff.tar.gzip", MediaTypes.DOCKER_LAYER_TAR_GZIP);
    assertEquals("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        MediaTypes.DOCKER_FOREIGN_LAYER_TAR_GZIP);
  }

  @Test
  void classifiesDocuments() {
    assertTrue(MediaTypes.isManifest(MediaTypes.OCI_MANIFEST));
    assertTrue(MediaTypes.isManifest(MediaTypes.DOCKER_MANIFEST));
    assertTrue(MediaTypes.isIndex(MediaTypes.OCI_INDEX));
    assertTrue(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST));
    assertFalse(MediaTypes.isManifest(MediaTypes.OCI_INDEX));
    assertFalse(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST));
    assertFalse(MediaTypes.isManifest(MediaTypes.DOCKER_SCHEMA1_SIGNED_MANIFEST));
    assertTrue(MediaTypes.isConfig(MediaTypes.DOCKER_CONFIG));
    assertFalse(MediaTypes.isManifest(null));
  }

  @Test
  void contentTypeParametersAndCaseAreIgnored() {
    assertTrue(MediaTypes.isManifest("application/vnd.oci.image.manifest.v1+json; charset=utf-8"));
    assertTrue(MediaTypes.isIndex("Application/VND.OCI.Image.Index.v1+JSON"));
  }

  @Test
  void layersAndTheirCompression() {
    assertEquals(Compression.NONE, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR));
    assertEquals(Compression.GZIP, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR_GZIP));
    assertEquals(Compression.ZSTD, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR_ZSTD));
    assertEquals(Compression.GZIP, MediaTypes.compression(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP));
    assertEquals(Compression.ZSTD, MediaTypes.compression(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD));
    assertEquals(Compression.GZIP, MediaTypes.compression(MediaTypes.DOCKER_LAYER_TAR_GZIP));
    assertEquals(Compression.GZIP, MediaTypes.compression(MediaTypes.DOCKER_FOREIGN_LAYER_TAR_GZIP));
    assertEquals(Compression.NONE, MediaTypes.compression(MediaTypes.DOCKER_LAYER_TAR));
    assertTrue(MediaTypes.isLayer(MediaTypes.DOCKER_LAYER_TAR_ZSTD));
    assertTrue(MediaTypes.isNondistributable(MediaTypes.DOCKER_FOREIGN_LAYER_TAR_GZIP));
    assertFalse(MediaTypes.isNondistributable(MediaTypes.OCI_LAYER_TAR_GZIP));
    assertFalse(MediaTypes.isLayer(MediaTypes.OCI_CONFIG));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MediaTypes.compression("application/vnd.example.sbom.v1"));
    assertTrue(e.getMessage().contains("application/vnd.example.sbom.v1"));
  }
}
