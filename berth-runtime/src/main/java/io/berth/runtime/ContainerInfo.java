package io.berth.runtime;

import java.util.Map;

/** A container as `list` shows it. */
public record ContainerInfo(
    String ociVersion,
    String id,
    int pid,
    Status status,
    String bundle,
    String rootfs,
    String created,
    String owner,
    Map<String, String> annotations) {}
