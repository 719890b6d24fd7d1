package io.berth.image.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the manifest for a platform from an index or manifest list.
 *
 * <p>OS and architecture must be equal (after {@link Platform#normalized()}). Variants: a missing
 * variant means the architecture's baseline ({@code v8} for arm64, {@code v7} for arm, {@code
 * v1} for amd64), so a host asking for linux/arm64/v8 takes an entry that names no variant. On
 * those three architectures a CPU also runs the lower variants of its family (an arm v7 host runs
 * v6 binaries), so an exact variant is preferred, then the highest lower one. Other
 * architectures' variants must be equal. Among equally good entries the first wins, as
 * image-index.md asks.
 */
public final class PlatformMatcher {
  private static final Map<String, String> BASELINE_VARIANT = Map.of("arm64", "v8", "arm", "v7", "amd64", "v1");
  private static final int NO_MATCH = -1;
  private static final int EXACT = Integer.MAX_VALUE;

  private final Platform wanted;

  public PlatformMatcher(Platform wanted) {
    this.wanted = Objects.requireNonNull(wanted, "platform").normalized();
  }

  /** A matcher for this machine. */
  public static PlatformMatcher host() {
    return new PlatformMatcher(hostPlatform());
  }

  /** A matcher for {@code --platform os/arch[/variant]}, or for the host when the flag is absent. */
  public static PlatformMatcher forFlag(String platformFlag) {
    return platformFlag == null || platformFlag.isBlank()
        ? host()
        : new PlatformMatcher(Platform.parse(platformFlag));
  }

  /** The platform of this JVM's machine: linux/amd64 on x86_64, linux/arm64/v8 on aarch64. */
  public static Platform hostPlatform() {
    String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
    Platform host = Platform.of(os, System.getProperty("os.arch"), null).normalized();
    return host.architecture().equals("arm64") ? Platform.of(host.os(), "arm64", "v8") : host;
  }

  public Platform wanted() {
    return wanted;
  }

  /** Whether an image of this platform runs where this matcher's platform is wanted. */
  public boolean matches(Platform candidate) {
    return score(candidate) != NO_MATCH;
  }

  /** The best manifest of the index for the wanted platform. */
  public Optional<Descriptor> find(Index index) {
    Descriptor best = null;
    int bestScore = NO_MATCH;
    for (Descriptor entry : index.manifests()) {
      int score = entry.platform() == null ? NO_MATCH : score(entry.platform());
      if (score > bestScore) {
        best = entry;
        bestScore = score;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The best manifest of the index for the wanted platform.
   *
   * @throws PlatformNotFoundException naming the platforms the index offers
   */
  public Descriptor select(Index index) {
    return find(index).orElseThrow(() -> {
      List<Platform> available = new ArrayList<>();
      for (Descriptor entry : index.manifests()) {
        if (entry.platform() != null) {
          available.add(entry.platform());
        }
      }
      return new PlatformNotFoundException(wanted, available);
    });
  }

  private int score(Platform candidate) {
    if (candidate.os() == null || candidate.architecture() == null) {
      return NO_MATCH;
    }
    Platform have = candidate.normalized();
    if (!have.os().equals(wanted.os()) || !have.architecture().equals(wanted.architecture())) {
      return NO_MATCH;
    }
    String baseline = BASELINE_VARIANT.get(wanted.architecture());
    String wantVariant = wanted.variant() != null ? wanted.variant() : baseline;
    String haveVariant = have.variant() != null ? have.variant() : baseline;
    if (Objects.equals(wantVariant, haveVariant)) {
      return EXACT;
    }
    if (baseline == null) {
      return NO_MATCH;
    }
    int want = level(wantVariant);
    int got = level(haveVariant);
    return want >= 0 && got >= 0 && got < want ? got : NO_MATCH;
  }

  /** {@code v7} → 700, {@code v8.2} → 802; -1 when the variant is not of that form. */
  private static int level(String variant) {
    if (variant == null || !variant.matches("v[0-9]{1,2}(\\.[0-9]{1,2})?")) {
      return -1;
    }
    String[] parts = variant.substring(1).split("\\.");
    return Integer.parseInt(parts[0]) * 100 + (parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
  }
}
