package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * An image index (image-index.md) or a Docker v2.2 manifest list, which has the same shape: one
 * descriptor per platform-specific manifest, and possibly nested indexes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schemaVersion", "mediaType", "artifactType", "manifests", "subject", "annotations"})
public record Index(
    @JsonProperty(required = true) int schemaVersion,
    String mediaType,
    String artifactType,
    List<Descriptor> manifests,
    Descriptor subject,
    Map<String, String> annotations) {

  public Index {
    if (schemaVersion != 2) {
      throw new IllegalArgumentException(
          "schemaVersion is " + schemaVersion + "; only schema 2 indexes and manifest lists are supported");
    }
    // REQUIRED but may be empty: an index of nothing is written as [] rather than dropped.
    manifests = manifests == null ? List.of() : Copies.list(manifests, "manifests");
    annotations = Copies.map(annotations, "annotations");
  }

  public static Index oci(List<Descriptor> manifests) {
    return new Index(2, MediaTypes.OCI_INDEX, null, manifests, null, null);
  }
}
