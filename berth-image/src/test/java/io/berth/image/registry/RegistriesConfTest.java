package io.berth.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegistriesConfTest {
  static final String CONF = """
      unqualified-search-registries = ["docker.io"]   # ignored here

      [[registry]]
      prefix = "docker.io"
      location = "docker.io"
      [[registry.mirror]]
      location = "127.0.0.1:5000/hub"
      insecure = true
      [[registry.mirror]]
      location = "mirror.example:443"

      [[registry]]
      prefix = "docker.io/library/forbidden"
      location = "docker.io/library/forbidden"
      blocked = true

      [[registry]]
      location = "internal.example:5000"
      insecure = true
      """;

  @Test
  void mirrorsComeFirstThenTheLocation() {
    RegistriesConf c = RegistriesConf.parse(CONF, "test");
    assertEquals(3, c.registries().size());
    List<ImageReference> e = c.endpoints(ImageReference.parse("busybox:1.36"));
    assertEquals(List.of(
        "127.0.0.1:5000/hub/library/busybox:1.36",
        "mirror.example:443/library/busybox:1.36",
        "docker.io/library/busybox:1.36"), e.stream().map(ImageReference::toString).toList());
  }

  @Test
  void aLongerPrefixWinsAndMayBlock() {
    RegistriesConf c = RegistriesConf.parse(CONF, "test");
    RegistryException e = assertThrows(RegistryException.class,
        () -> c.endpoints(ImageReference.parse("docker.io/library/forbidden:1")));
    assertTrue(e.getMessage().contains("blocked"), e.getMessage());
  }

  @Test
  void unmatchedReferencesGoWhereTheySay() {
    RegistriesConf c = RegistriesConf.parse(CONF, "test");
    ImageReference ref = ImageReference.parse("quay.io/a/b:1");
    assertEquals(List.of(ref), c.endpoints(ref));
  }

  @Test
  void insecureEntriesAndMirrorsBecomePlainHttp() {
    RegistryConfig cfg = RegistriesConf.parse(CONF, "test").apply(RegistryConfig.defaults());
    assertTrue(cfg.insecureRegistries().contains("127.0.0.1:5000"));
    assertTrue(cfg.insecureRegistries().contains("internal.example:5000"));
    assertTrue(!cfg.insecureRegistries().contains("mirror.example:443"));
  }

  @Test
  void malformedLinesNameFileAndLine() {
    var e = assertThrows(RegistriesConf.InvalidConfigException.class,
        () -> RegistriesConf.parse("[[registry]]\nlocation = unquoted\n", "/etc/x.conf"));
    assertTrue(e.getMessage().startsWith("/etc/x.conf:2:"), e.getMessage());
  }
}
