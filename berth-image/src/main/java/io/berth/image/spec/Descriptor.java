package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A content descriptor (descriptor.md): what a blob is, its digest and its size. The same shape
 * is a manifest-list entry in Docker v2.2. {@code data} is the spec's optional embedded content,
 * base64 as in the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"mediaType", "digest", "size", "urls", "annotations", "data", "platform", "artifactType"})
public record Descriptor(
    String mediaType,
    @JsonProperty(required = true) Digest digest,
    @JsonProperty(required = true) long size,
    List<String> urls,
    Map<String, String> annotations,
    String data,
    Platform platform,
    String artifactType) {

  public Descriptor {
    if (digest == null) {
      throw new IllegalArgumentException("descriptor has no digest");
    }
    if (size < 0) {
      throw new IllegalArgumentException("descriptor of " + digest + " has a negative size: " + size);
    }
    urls = Copies.list(urls, "urls");
    annotations = Copies.map(annotations, "annotations");
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, null, null, null, null);
  }

  /** A descriptor of these bytes (sha256), e.g. for a config or manifest Berth writes. */
  public static Descriptor of(String mediaType, byte[] content) {
    return new Descriptor(mediaType, Digest.of(content), content.length);
  }

  public Descriptor withPlatform(Platform newPlatform) {
    return new Descriptor(mediaType, digest, size, urls, annotations, data, newPlatform, artifactType);
  }

  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, urls, newAnnotations, data, platform, artifactType);
  }

  /** The embedded content, decoded, or null when the descriptor carries none. */
  public byte[] decodedData() {
    return data == null ? null : Base64.getDecoder().decode(data);
  }
}
