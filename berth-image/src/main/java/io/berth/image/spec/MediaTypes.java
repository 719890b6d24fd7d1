package io.berth.image.spec;

import java.util.Locale;
import java.util.Set;

/**
 * The media types of the OCI image specification (media-types.md) and of Docker's image manifest
 * v2 schema 2, with the questions the puller asks of them. Helpers accept a Content-Type header
 * value as well: parameters ({@code ; charset=utf-8}) and letter case are ignored.
 */
public final class MediaTypes {
  public static final String OCI_DESCRIPTOR = "application/vnd.oci.descriptor.v1+json";
  public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  /** Deprecated by the spec, still found in Windows images. */
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR =
      "application/vnd.oci.image.layer.nondistributable.v1.tar";

  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_FOREIGN_LAYER_TAR_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  /** Schema 1 is not supported; named so that the error can say what was received. */
  public static final String DOCKER_SCHEMA1_MANIFEST =
      "application/vnd.docker.distribution.manifest.v1+json";

  public static final String DOCKER_SCHEMA1_SIGNED_MANIFEST =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";

  // Not in the v2.2 document, but written by docker save, buildx and podman, so found in registries.
  public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
  public static final String DOCKER_LAYER_TAR_ZSTD = "application/vnd.docker.image.rootfs.diff.tar.zstd";
  public static final String DOCKER_FOREIGN_LAYER_TAR =
      "application/vnd.docker.image.rootfs.foreign.diff.tar";

  private static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);
  private static final Set<String> INDEXES = Set.of(OCI_INDEX, DOCKER_MANIFEST_LIST);
  private static final Set<String> CONFIGS = Set.of(OCI_CONFIG, DOCKER_CONFIG);
  private static final Set<String> UNCOMPRESSED_LAYERS =
      Set.of(OCI_LAYER_TAR, OCI_LAYER_NONDISTRIBUTABLE_TAR, DOCKER_LAYER_TAR, DOCKER_FOREIGN_LAYER_TAR);
  private static final Set<String> GZIP_LAYERS =
      Set.of(OCI_LAYER_TAR_GZIP, OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP, DOCKER_LAYER_TAR_GZIP,
          DOCKER_FOREIGN_LAYER_TAR_GZIP);
  private static final Set<String> ZSTD_LAYERS =
      Set.of(OCI_LAYER_TAR_ZSTD, OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD, DOCKER_LAYER_TAR_ZSTD);
  private static final Set<String> NONDISTRIBUTABLE =
      Set.of(OCI_LAYER_NONDISTRIBUTABLE_TAR, OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
          OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD, DOCKER_FOREIGN_LAYER_TAR, DOCKER_FOREIGN_LAYER_TAR_GZIP);

  private MediaTypes() {}

  /**
   * The bare type of a media type or Content-Type value: lower case, without parameters; the
   * empty string for null, so that a missing type is simply "not one of ours".
   */
  public static String base(String mediaType) {
    if (mediaType == null) {
      return "";
    }
    int semicolon = mediaType.indexOf(';');
    String bare = semicolon < 0 ? mediaType : mediaType.substring(0, semicolon);
    return bare.trim().toLowerCase(Locale.ROOT);
  }

  /** An image manifest (OCI or Docker v2.2), the document that names a config and layers. */
  public static boolean isManifest(String mediaType) {
    return MANIFESTS.contains(base(mediaType));
  }

  /** An image index or Docker manifest list, the document that names one manifest per platform. */
  public static boolean isIndex(String mediaType) {
    return INDEXES.contains(base(mediaType));
  }

  public static boolean isConfig(String mediaType) {
    return CONFIGS.contains(base(mediaType));
  }

  /** A layer Berth knows how to unpack. */
  public static boolean isLayer(String mediaType) {
    String type = base(mediaType);
    return UNCOMPRESSED_LAYERS.contains(type) || GZIP_LAYERS.contains(type) || ZSTD_LAYERS.contains(type);
  }

  /** Layers that registries may refuse and pushes must skip (they come from {@code urls}). */
  public static boolean isNondistributable(String mediaType) {
    return NONDISTRIBUTABLE.contains(base(mediaType));
  }

  /**
   * The compression of a layer of this media type.
   *
   * @throws IllegalArgumentException if the media type is not a known layer type: unpacking
   *     bytes of an unknown type as a tar would be a guess
   */
  public static Compression compression(String mediaType) {
    String type = base(mediaType);
    if (UNCOMPRESSED_LAYERS.contains(type)) {
      return Compression.NONE;
    }
    if (GZIP_LAYERS.contains(type)) {
      return Compression.GZIP;
    }
    if (ZSTD_LAYERS.contains(type)) {
      return Compression.ZSTD;
    }
    throw new IllegalArgumentException("not a layer media type Berth can unpack: " + mediaType);
  }
}
