package io.berth.image.spec;

import java.nio.charset.StandardCharsets;

/** Small documents written after the examples in the OCI image spec and Docker's v2.2 document. */
final class Samples {
  private Samples() {}

  static final String H1 = "1111111111111111111111111111111111111111111111111111111111111111";
  static final String H2 = "2222222222222222222222222222222222222222222222222222222222222222";
  static final String H3 = "3333333333333333333333333333333333333333333333333333333333333333";
  static final String H4 = "4444444444444444444444444444444444444444444444444444444444444444";
  static final String H5 = "5555555555555555555555555555555555555555555555555555555555555555";
  static final String H6 = "6666666666666666666666666666666666666666666666666666666666666666";
  static final String H7 = "7777777777777777777777777777777777777777777777777777777777777777";

  static byte[] bytes(String json) {
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** An OCI manifest with two layers, a subject, annotations and a field no spec defines. */
  static final String OCI_MANIFEST = """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
          "mediaType": "application/vnd.oci.image.config.v1+json",
          "digest": "sha256:%s",
          "size": 1470
        },
        "layers": [
          {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:%s",
            "size": 2811478
          },
          {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
            "digest": "sha256:%s",
            "size": 734,
            "annotations": { "org.example.layer": "top" }
          }
        ],
        "subject": {
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": "sha256:%s",
          "size": 528
        },
        "annotations": {
          "org.opencontainers.image.created": "2024-05-01T10:00:00Z",
          "org.opencontainers.image.base.name": "docker.io/library/debian:bookworm"
        },
        "x-not-in-the-spec": { "ignored": true }
      }
      """.formatted(H1, H2, H3, H4);

  static final String DOCKER_MANIFEST = """
      {
         "schemaVersion": 2,
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1457,
            "digest": "sha256:%s"
         },
         "layers": [
            {
               "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
               "size": 2207025,
               "digest": "sha256:%s"
            },
            {
               "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
               "size": 1032,
               "digest": "sha256:%s",
               "urls": ["https://example.com/layers/foreign.tar.gz"]
            }
         ]
      }
      """.formatted(H1, H2, H3);

  /** A multi-arch OCI index, with a build attestation entry as buildx writes them. */
  static final String OCI_INDEX = """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 1017,
            "platform": { "architecture": "amd64", "os": "linux" }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 1017,
            "platform": { "architecture": "arm64", "os": "linux", "variant": "v8" }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 1017,
            "platform": { "architecture": "arm", "os": "linux", "variant": "v6" }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 1017,
            "platform": { "architecture": "arm", "os": "linux", "variant": "v7" }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 1019,
            "platform": {
              "architecture": "amd64",
              "os": "windows",
              "os.version": "10.0.20348.2227",
              "os.features": ["win32k"]
            }
          },
          {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:%s",
            "size": 566,
            "annotations": {
              "vnd.docker.reference.digest": "sha256:%s",
              "vnd.docker.reference.type": "attestation-manifest"
            },
            "platform": { "architecture": "unknown", "os": "unknown" }
          }
        ],
        "annotations": { "org.opencontainers.image.ref.name": "1.36" }
      }
      """.formatted(H1, H2, H3, H4, H5, H6, H1);

  static final String DOCKER_MANIFEST_LIST = """
      {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifests": [
          {
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "size": 528,
            "digest": "sha256:%s",
            "platform": { "architecture": "ppc64le", "os": "linux" }
          },
          {
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "size": 528,
            "digest": "sha256:%s",
            "platform": { "architecture": "amd64", "os": "linux", "features": ["sse4"] }
          },
          {
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "size": 528,
            "digest": "sha256:%s",
            "platform": { "architecture": "arm64", "os": "linux" }
          }
        ]
      }
      """.formatted(H5, H6, H7);

  /** A config with Docker's extra fields, an empty-layer history step and a health check. */
  static final String CONFIG = """
      {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-05-01T10:00:00.123456789Z",
        "author": "Berth tests <tests@example.com>",
        "docker_version": "26.1.0",
        "container_config": { "Hostname": "abc", "Cmd": ["/bin/sh"] },
        "config": {
          "Hostname": "",
          "User": "1000:1000",
          "ExposedPorts": { "8080/tcp": {}, "53/udp": {} },
          "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
          "Entrypoint": ["/usr/bin/tini", "--"],
          "Cmd": ["httpd", "-f"],
          "Volumes": { "/data": {} },
          "WorkingDir": "/srv",
          "Labels": { "org.opencontainers.image.title": "sample", "maintainer": "tests" },
          "StopSignal": "SIGQUIT",
          "ArgsEscaped": true,
          "Healthcheck": {
            "Test": ["CMD-SHELL", "wget -q -O /dev/null http://localhost:8080/ || exit 1"],
            "Interval": 30000000000,
            "Timeout": 5000000000,
            "Retries": 3
          },
          "OnBuild": null,
          "Shell": ["/bin/sh", "-c"]
        },
        "rootfs": {
          "type": "layers",
          "diff_ids": ["sha256:%s", "sha256:%s"]
        },
        "history": [
          { "created": "2024-05-01T09:59:00Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in / " },
          { "created": "2024-05-01T09:59:01Z", "created_by": "/bin/sh -c #(nop)  CMD [\\"sh\\"]", "empty_layer": true },
          { "created": "2024-05-01T10:00:00Z", "created_by": "RUN apk add curl", "comment": "buildkit.dockerfile.v0" }
        ]
      }
      """.formatted(H1, H2);
}
