package io.berth.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * A container as the engine stores it: identity, what it was created from, and its state.
 *
 * @param id 64 hex digits
 * @param image the image as the user named it
 * @param imageId the image's ID ({@code sha256:…}) at create time
 * @param created RFC 3339
 * @param spec the create request, with the image's defaults not yet applied
 * @param anonymousVolumes volumes made for this container alone (removed by {@code rm -v})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Container(
    String id,
    String name,
    String image,
    String imageId,
    String created,
    ContainerSpec spec,
    ContainerState state,
    Map<String, String> anonymousVolumes) {

  public Container {
    anonymousVolumes = anonymousVolumes == null ? Map.of() : Map.copyOf(anonymousVolumes);
  }

  public Container withState(ContainerState s) {
    return new Container(id, name, image, imageId, created, spec, s, anonymousVolumes);
  }

  public Container withName(String n) {
    return new Container(id, n, image, imageId, created, spec, state, anonymousVolumes);
  }

  public Container withSpec(ContainerSpec s) {
    return new Container(id, name, image, imageId, created, s, state, anonymousVolumes);
  }

  public String shortId() {
    return id.substring(0, 12);
  }
}
