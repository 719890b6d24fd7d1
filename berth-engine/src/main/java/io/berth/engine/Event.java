package io.berth.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * Something that happened to a container, as Docker's events name it: {@code create}, {@code
 * start}, {@code die}, {@code stop}, {@code kill}, {@code pause}, {@code unpause}, {@code
 * rename}, {@code destroy}, {@code oom}, {@code health_status: healthy|unhealthy}, {@code
 * exec_start}. Time in nanoseconds since the epoch.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Event(String type, String action, String id, String name, String image,
    Map<String, String> attributes, long timeNano) {
  public Event {
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
