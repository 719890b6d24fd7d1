package io.berth.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The state of a container as runtime.md defines it; {@code pid} is present only while the
 * container process exists (created or running).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ociVersion", "id", "status", "pid", "bundle", "annotations"})
public record State(
    String ociVersion,
    String id,
    String status,
    Integer pid,
    String bundle,
    Map<String, String> annotations) {}
