package io.berth.cli.conformance;

import io.berth.cli.conformance.BerthCommand.Result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.AuthFiles;
import io.berth.image.registry.Credentials;
import io.berth.image.registry.Htpasswd;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.LocalRegistry;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth login/logout against docker-registry with htpasswd auth; pull needs the login. */
class LoginTest {
  @TempDir static Path dir;
  static LocalRegistry registry;

  @BeforeAll
  static void start() throws Exception {
    Path htpasswd = dir.resolve("htpasswd");
    Htpasswd.write(htpasswd, Map.of("alice", "s3cret"));
    registry = LocalRegistry.start(dir.resolve("registry"), """
        auth:
          htpasswd:
            realm: berth-test
            path: %s
        """.formatted(htpasswd));
    RegistryConfig config = RegistryConfig.defaults()
        .withAuthFiles(AuthFiles.none(dir.resolve("unused.json")))
        .withCredentials(registry.host(), new Credentials("alice", "s3cret"));
    try (RegistryClient client = new RegistryClient(config)) {
      byte[] cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
      client.putBlob(registry.host(), "private/app", Digest.of(cfg).toString(), cfg.length, new ByteArrayInputStream(cfg), false);
      Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, cfg), List.of());
      client.putManifest(ImageReference.parse(registry.host() + "/private/app:1"), MediaTypes.OCI_MANIFEST, ImageJson.toBytes(m));
    }
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  static Result berth(Path auth, String stdin, String... args) throws Exception {
    return BerthCommand.run(dir, dir.resolve("root"), Map.of("REGISTRY_AUTH_FILE", auth.toString()), stdin, args);
  }


  @Test
  void loginLetsPullThroughAndLogoutTakesItBack() throws Exception {
    Path auth = dir.resolve("auth.json");
    String image = registry.host() + "/private/app:1";
    Result denied = berth(auth, "", "pull", "-q", image);
    assertEquals(125, denied.code(), denied.toString());
    assertTrue(denied.err().contains("401") || denied.err().toLowerCase().contains("unauthorized"), denied.err());

    Result wrong = berth(auth, "", "login", "-u", "alice", "-p", "nope", registry.host());
    assertEquals(125, wrong.code(), wrong.toString());
    assertTrue(wrong.err().toLowerCase().contains("unauthorized") || wrong.err().contains("401"), wrong.err());

    Result ok = berth(auth, "s3cret\n", "login", "-u", "alice", "--password-stdin", registry.host());
    assertEquals(0, ok.code(), ok.toString());
    assertEquals("Login Succeeded!\n", ok.out());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)));

    Result pulled = berth(auth, "", "pull", "-q", image);
    assertEquals(0, pulled.code(), pulled.toString());

    assertEquals(0, berth(auth, "", "logout", registry.host()).code());
    assertEquals(125, berth(auth, "", "pull", "-q", registry.host() + "/private/app:1").code(),
        "without credentials the registry refuses again (the image is cached, the manifest is not)");
  }
}
