package io.berth.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The {@code linux} section of config.md and config-linux.md. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Linux(
    List<Namespace> namespaces,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    Map<String, TimeOffset> timeOffsets,
    List<Device> devices,
    String cgroupsPath,
    Resources resources,
    String rootfsPropagation,
    Seccomp seccomp,
    Map<String, String> sysctl,
    List<String> maskedPaths,
    List<String> readonlyPaths,
    String mountLabel,
    Personality personality) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Namespace(String type, String path) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record IdMapping(long containerID, long hostID, long size) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TimeOffset(Long secs, Long nanosecs) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Device(
      String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Personality(String domain, List<String> flags) {}
}
