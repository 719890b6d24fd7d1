package io.berth.image.spec;

import static io.berth.image.spec.Samples.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformMatcherTest {
  private static final Index INDEX = ImageJson.index(bytes(Samples.OCI_INDEX));
  private static final Index LIST = ImageJson.index(bytes(Samples.DOCKER_MANIFEST_LIST));

  private static String pick(Index index, String platform) {
    return new PlatformMatcher(Platform.parse(platform)).select(index).digest().hex();
  }

  @Test
  void parsesThePlatformFlag() {
    assertEquals(Platform.of("linux", "arm64", "v8"), Platform.parse("linux/arm64/v8"));
    assertEquals(Platform.of("linux", "amd64", null), Platform.parse("linux/amd64"));
    assertEquals(Platform.of("linux", "amd64", null), Platform.parse("Linux/x86_64"));
    assertEquals(Platform.of("linux", "arm64", "v8"), Platform.parse("linux/aarch64/8"));
    assertEquals(Platform.of("linux", "arm", "v7"), Platform.parse("linux/armhf"));
    assertEquals("linux/arm/v7", Platform.parse("linux/arm/v7").toString());
    for (String bad : new String[] {"linux", "linux/", "/amd64", "linux/arm/v7/x", "", "linux//v7"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse(bad));
      assertTrue(e.getMessage().contains("os/arch[/variant]"), e.getMessage());
    }
  }

  @Test
  void choosesByOsAndArchitecture() {
    assertEquals(Samples.H1, pick(INDEX, "linux/amd64"));
    assertEquals(Samples.H6, pick(LIST, "linux/amd64"));
    assertEquals(Samples.H5, pick(LIST, "linux/ppc64le"));
    assertEquals(Samples.H5, pick(INDEX, "windows/amd64"));
  }

  @Test
  void arm64VariantV8IsOptionalOnEitherSide() {
    // The index names v8; the Docker list names no variant: both serve an arm64/v8 or bare arm64 host.
    assertEquals(Samples.H2, pick(INDEX, "linux/arm64"));
    assertEquals(Samples.H2, pick(INDEX, "linux/arm64/v8"));
    assertEquals(Samples.H7, pick(LIST, "linux/arm64/v8"));
    assertEquals(Samples.H7, pick(LIST, "linux/arm64"));
  }

  @Test
  void armPrefersTheExactVariantThenTheBestLowerOne() {
    assertEquals(Samples.H4, pick(INDEX, "linux/arm/v7"));
    assertEquals(Samples.H4, pick(INDEX, "linux/arm")); // arm means v7
    assertEquals(Samples.H3, pick(INDEX, "linux/arm/v6"));
    assertEquals(Samples.H4, pick(INDEX, "linux/arm/v8")); // a v8 CPU in 32-bit mode runs v7
    PlatformNotFoundException e = assertThrows(PlatformNotFoundException.class, () -> pick(INDEX, "linux/arm/v5"));
    assertEquals("linux/arm/v5", e.wanted().toString());
  }

  @Test
  void amd64HigherVariantsAreNotChosenForABaselineHost() {
    Descriptor v3 = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse("sha256:" + Samples.H3), 1)
        .withPlatform(Platform.of("linux", "amd64", "v3"));
    Descriptor v1 = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse("sha256:" + Samples.H1), 1)
        .withPlatform(Platform.of("linux", "amd64", null));
    Index index = Index.oci(List.of(v3, v1));
    assertEquals(Samples.H1, pick(index, "linux/amd64"));
    assertEquals(Samples.H3, pick(index, "linux/amd64/v3"));
    assertEquals(Samples.H3, pick(Index.oci(List.of(v1, v3)), "linux/amd64/v3"));
    assertThrows(PlatformNotFoundException.class, () -> pick(Index.oci(List.of(v3)), "linux/amd64"));
  }

  @Test
  void firstOfEquallyGoodEntriesWins() {
    Descriptor a = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse("sha256:" + Samples.H1), 1)
        .withPlatform(Platform.of("linux", "amd64", null));
    Descriptor b = new Descriptor(MediaTypes.OCI_MANIFEST, Digest.parse("sha256:" + Samples.H2), 1)
        .withPlatform(Platform.of("linux", "amd64", null));
    assertEquals(Samples.H1, pick(Index.oci(List.of(a, b)), "linux/amd64"));
  }

  @Test
  void noMatchNamesWhatTheIndexHas() {
    PlatformNotFoundException e = assertThrows(PlatformNotFoundException.class, () -> pick(INDEX, "linux/s390x"));
    assertEquals("no manifest for linux/s390x in the index; it has linux/amd64, linux/arm64/v8, linux/arm/v6, "
        + "linux/arm/v7, windows/amd64, unknown/unknown (choose one with --platform)", e.getMessage());
    e = assertThrows(PlatformNotFoundException.class, () -> pick(Index.oci(List.of()), "linux/amd64"));
    assertTrue(e.getMessage().contains("names no platforms"), e.getMessage());
  }

  @Test
  void entriesWithoutPlatformAreSkipped() {
    Descriptor nested = new Descriptor(MediaTypes.OCI_INDEX, Digest.parse("sha256:" + Samples.H1), 1);
    assertTrue(new PlatformMatcher(Platform.parse("linux/amd64")).find(Index.oci(List.of(nested))).isEmpty());
  }

  @Test
  void hostPlatformIsLinuxOnThisMachine() {
    Platform host = PlatformMatcher.hostPlatform();
    assertEquals("linux", host.os());
    String arch = System.getProperty("os.arch");
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      assertEquals("linux/amd64", host.toString());
      assertEquals(Samples.H1, PlatformMatcher.host().select(INDEX).digest().hex());
    } else if (arch.equals("aarch64")) {
      assertEquals("linux/arm64/v8", host.toString());
    }
    assertEquals(host, PlatformMatcher.forFlag(null).wanted());
    assertEquals(Platform.parse("linux/arm/v7"), PlatformMatcher.forFlag("linux/arm/v7").wanted());
  }

  @Test
  void matchesChecksAConfigsPlatform() {
    ImageConfig config = ImageJson.config(bytes(Samples.CONFIG));
    assertTrue(new PlatformMatcher(Platform.parse("linux/amd64")).matches(config.platform()));
    assertFalse(new PlatformMatcher(Platform.parse("linux/arm64")).matches(config.platform()));
  }
}
