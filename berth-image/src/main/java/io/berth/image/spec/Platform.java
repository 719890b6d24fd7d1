package io.berth.image.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The platform an image runs on (image-index.md). {@code features} is reserved by OCI and used by
 * Docker manifest lists for CPU features; it is kept so a list reads back as written.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"architecture", "os", "os.version", "os.features", "variant", "features"})
public record Platform(
    @JsonProperty(value = "architecture", required = true) String architecture,
    @JsonProperty(value = "os", required = true) String os,
    @JsonProperty("os.version") String osVersion,
    @JsonProperty("os.features") List<String> osFeatures,
    @JsonProperty("variant") String variant,
    @JsonProperty("features") List<String> features) {

  public Platform {
    osFeatures = Copies.list(osFeatures, "os.features");
    features = Copies.list(features, "features");
  }

  /** A platform as {@code --platform} names one; a factory, since the record's order is the spec's. */
  public static Platform of(String os, String architecture, String variant) {
    return new Platform(architecture, os, null, null, variant, null);
  }

  /**
   * Parses {@code os/arch[/variant]} as {@code --platform} takes it, e.g. {@code linux/arm64/v8}.
   * Architecture aliases are normalized ({@code x86_64} is {@code amd64}).
   */
  public static Platform parse(String text) {
    String[] parts = text == null ? new String[0] : text.split("/", -1);
    if (parts.length < 2 || parts.length > 3 || Arrays.stream(parts).anyMatch(String::isBlank)) {
      throw new IllegalArgumentException(
          "invalid platform \"" + text + "\": expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8");
    }
    return Platform.of(parts[0], parts[1], parts.length == 3 ? parts[2] : null).normalized();
  }

  /**
   * The same platform in the names the Go toolchain uses, which is what image indexes use:
   * lower case, {@code amd64} for x86_64, {@code arm64} for aarch64, {@code v8} for an arm64
   * variant written {@code 8}, and the variant named by Debian's armhf/armel.
   */
  public Platform normalized() {
    if (os == null || architecture == null) {
      return this;
    }
    String normOs = os.toLowerCase(Locale.ROOT);
    String arch = architecture.toLowerCase(Locale.ROOT);
    String var = variant == null ? null : variant.toLowerCase(Locale.ROOT);
    switch (arch) {
      case "x86_64", "x86-64" -> arch = "amd64";
      case "aarch64" -> arch = "arm64";
      case "i386", "i486", "i586", "i686" -> arch = "386";
      case "armhf" -> { arch = "arm"; var = var == null ? "v7" : var; }
      case "armel" -> { arch = "arm"; var = var == null ? "v6" : var; }
      default -> { }
    }
    if ((arch.equals("arm") || arch.equals("arm64")) && var != null && var.matches("[0-9].*")) {
      var = "v" + var;
    }
    return new Platform(arch, normOs, osVersion, osFeatures, var, features);
  }

  /** {@code os/arch[/variant]}, as --platform takes it and as error messages show it. */
  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
  }
}
