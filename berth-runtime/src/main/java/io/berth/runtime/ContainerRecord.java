package io.berth.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What the runtime keeps about a container between commands, in state.json of its directory.
 * The pid's start time guards against a recycled pid being taken for the container.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerRecord(
    String id,
    String ociVersion,
    String bundle,
    String rootfs,
    int pid,
    long pidStartTime,
    String created,
    String owner,
    Map<String, String> annotations,
    Map<String, String> cgroupPaths,
    boolean started) {

  public ContainerRecord withPid(int newPid, long startTime) {
    return new ContainerRecord(
        id, ociVersion, bundle, rootfs, newPid, startTime, created, owner, annotations, cgroupPaths, started);
  }

  public ContainerRecord withStarted() {
    return new ContainerRecord(
        id, ociVersion, bundle, rootfs, pid, pidStartTime, created, owner, annotations, cgroupPaths, true);
  }
}
