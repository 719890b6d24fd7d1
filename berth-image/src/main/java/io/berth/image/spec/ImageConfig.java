package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.berth.json.JsonKeySet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image configuration (config.md), which Docker's {@code container.image.v1+json} shares
 * field for field; Docker-only fields that Berth uses (Healthcheck, Shell, OnBuild) are included.
 * Inside {@code config} the spec keeps Docker's capitalized names. Fields Berth does not model
 * are dropped on parse, so the stored config blob, not a re-serialization, is the image's truth.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"created", "author", "architecture", "os", "os.version", "os.features", "variant",
    "config", "rootfs", "history"})
public record ImageConfig(
    @JsonProperty("created") String created,
    @JsonProperty("author") String author,
    @JsonProperty("architecture") String architecture,
    @JsonProperty("os") String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant,
    @JsonProperty("config") Config config,
    @JsonProperty("rootfs") RootFs rootfs,
    @JsonProperty("history") List<History> history) {

  public ImageConfig {
    osFeatures = Copies.list(osFeatures, "os.features");
    history = Copies.list(history, "history");
  }

  /** The platform the config says the image is built for. */
  public Platform platform() {
    return new Platform(architecture, os, osVersion, osFeatures, variant, null);
  }

  /** The layers' uncompressed digests, base first; empty when the config lists none. */
  public List<Digest> diffIds() {
    return rootfs == null || rootfs.diffIds() == null ? List.of() : rootfs.diffIds();
  }

  /** The execution defaults of the image. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
      "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell"})
  public record Config(
      @JsonProperty("User") String user,
      @JsonProperty("ExposedPorts")
          @JsonSerialize(using = KeySetJson.Writer.class)
          @JsonDeserialize(using = KeySetJson.Reader.class)
          @JsonKeySet
          Set<String> exposedPorts,
      @JsonProperty("Env") List<String> env,
      @JsonProperty("Entrypoint") List<String> entrypoint,
      @JsonProperty("Cmd") List<String> cmd,
      @JsonProperty("Volumes")
          @JsonSerialize(using = KeySetJson.Writer.class)
          @JsonDeserialize(using = KeySetJson.Reader.class)
          @JsonKeySet
          Set<String> volumes,
      @JsonProperty("WorkingDir") String workingDir,
      @JsonProperty("Labels") Map<String, String> labels,
      @JsonProperty("StopSignal") String stopSignal,
      @JsonProperty("ArgsEscaped") Boolean argsEscaped,
      @JsonProperty("Healthcheck") Healthcheck healthcheck,
      @JsonProperty("OnBuild") List<String> onBuild,
      @JsonProperty("Shell") List<String> shell) {

    public Config {
      env = Copies.list(env, "Env");
      entrypoint = Copies.list(entrypoint, "Entrypoint");
      cmd = Copies.list(cmd, "Cmd");
      labels = Copies.map(labels, "Labels");
      onBuild = Copies.list(onBuild, "OnBuild");
      shell = Copies.list(shell, "Shell");
    }
  }

  /** Docker's health check; durations are nanoseconds, 0 meaning "inherit". */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
  public record Healthcheck(
      @JsonProperty("Test") List<String> test,
      @JsonProperty("Interval") Long interval,
      @JsonProperty("Timeout") Long timeout,
      @JsonProperty("StartPeriod") Long startPeriod,
      @JsonProperty("StartInterval") Long startInterval,
      @JsonProperty("Retries") Integer retries) {

    public Healthcheck {
      test = Copies.list(test, "Healthcheck.Test");
    }
  }

  /** The layers' DiffIDs; {@code type} must be {@code layers}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"type", "diff_ids"})
  public record RootFs(
      @JsonProperty("type") String type, @JsonProperty("diff_ids") List<Digest> diffIds) {

    public RootFs {
      diffIds = Copies.list(diffIds, "rootfs.diff_ids");
    }

    public static RootFs layers(List<Digest> diffIds) {
      return new RootFs("layers", diffIds);
    }
  }

  /** One build step; {@code empty_layer} steps have no entry in {@code rootfs.diff_ids}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
  public record History(
      @JsonProperty("created") String created,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("author") String author,
      @JsonProperty("comment") String comment,
      @JsonProperty("empty_layer") Boolean emptyLayer) {

    public boolean isEmptyLayer() {
      return Boolean.TRUE.equals(emptyLayer);
    }
  }
}
