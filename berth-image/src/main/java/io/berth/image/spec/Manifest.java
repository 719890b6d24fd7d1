package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * An image manifest (manifest.md), OCI or Docker v2.2 (the Docker form is the same document
 * without artifactType, subject and annotations). Layers are in stack order, base first.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "config", "layers", "subject", "annotations"})
public record Manifest(
    @JsonProperty(required = true) int schemaVersion,
    String mediaType,
    String artifactType,
    @JsonProperty(required = true) Descriptor config,
    List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations) {

  public Manifest {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException("schemaVersion is " + schemaVersion
          + "; only schema 2 manifests (OCI and Docker v2.2) are supported");
    }
    if (config == null) {
      throw new IllegalArgumentException("manifest has no config descriptor");
    }
    layers = layers == null ? List.of() : Copies.list(layers, "layers");
    annotations = Copies.map(annotations, "annotations");
  }

  /** An OCI manifest with the usual fields. */
  public static Manifest oci(Descriptor config, List<Descriptor> layers) {
    return new Manifest(2, MediaTypes.OCI_MANIFEST, null, config, layers, null, null);
  }
}
