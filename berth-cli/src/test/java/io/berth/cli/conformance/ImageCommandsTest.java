package io.berth.cli.conformance;

import io.berth.cli.conformance.BerthCommand.Result;

import io.berth.cli.ImageRunTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.AuthFiles;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/berth's image commands against Debian's docker-registry on loopback. */
class ImageCommandsTest {
  @TempDir static Path dir;
  static LocalRegistry registry;
  static String configHex;

  @BeforeAll
  static void pushImage() throws Exception {
    registry = LocalRegistry.start(dir.resolve("registry"), "");
    try (RegistryClient client = new RegistryClient(RegistryConfig.defaults().withAuthFiles(AuthFiles.none(dir.resolve("auth.json"))))) {
      List<Descriptor> layers = new ArrayList<>();
      StringBuilder diffIds = new StringBuilder();
      for (byte[] tar : ImageRunTest.busyboxLayers()) {
        byte[] gz = ImageRunTest.gzip(tar);
        client.putBlob(registry.host(), "test/bb", Digest.of(gz).toString(), gz.length, new ByteArrayInputStream(gz), false);
        layers.add(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.of(gz), gz.length));
        diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(Digest.of(tar)).append('"');
      }
      byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
          + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
      client.putBlob(registry.host(), "test/bb", Digest.of(config).toString(), config.length, new ByteArrayInputStream(config), false);
      configHex = Digest.of(config).hex();
      Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config), layers);
      client.putManifest(ImageReference.parse(registry.host() + "/test/bb:1"), MediaTypes.OCI_MANIFEST, ImageJson.toBytes(m));
    }
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  static Result berth(Path root, String... args) throws Exception {
    return BerthCommand.run(dir, root, Map.of(), "", args);
  }


  static long files(Path p) throws Exception {
    if (!Files.exists(p)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void pullListTagRemoveAndCollect() throws Exception {
    Path root = dir.resolve("root-" + System.nanoTime());
    String name = registry.host() + "/test/bb:1";
    Result pull = berth(root, "pull", name);
    assertEquals(0, pull.code(), pull.err());
    assertEquals(configHex + "\n", pull.out());
    assertEquals(4, files(root.resolve("content/blobs")), "manifest, config and two layers");
    try (Stream<Path> s = Files.list(root.resolve("snapshots/sha256"))) {
      assertTrue(s.filter(Files::isDirectory).anyMatch(d -> Files.isRegularFile(d.resolve("bin/busybox"))),
          "the base layer is unpacked");
    }

    Result list = berth(root, "images", "--format", "json");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().contains("\"" + name + "\""), list.out());

    assertEquals(0, berth(root, "tag", name, registry.host() + "/test/bb:copy").code());
    Result table = berth(root, "images");
    assertTrue(table.out().contains("copy") && table.out().contains(configHex.substring(0, 12)), table.out());
    assertTrue(berth(root, "images", "--filter", "reference=test/bb:cop*").out().contains("copy"));
    assertEquals("", berth(root, "images", "-q", "--filter", "reference=nothing*").out());
    assertEquals("", berth(root, "images", "-q", "--filter", "dangling=true").out());

    Result inspect = berth(root, "image", "inspect", name);
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains("\"Id\": \"" + configHex + "\"") && inspect.out().contains("\"Cmd\""), inspect.out());

    // Push under another name, then pull that into a fresh root: the same image comes back.
    String pushed = registry.host() + "/test/pushed:2";
    Result push = berth(root, "push", name, pushed);
    assertEquals(0, push.code(), push.err());
    assertTrue(push.err().contains("mounted from test/bb") || push.err().contains("exists"), push.err());
    Result again = berth(dir.resolve("root-" + System.nanoTime()), "pull", pushed);
    assertEquals(0, again.code(), again.err());
    assertEquals(configHex + "\n", again.out());

    Result untag = berth(root, "rmi", name);
    assertEquals(0, untag.code(), untag.err());
    assertEquals("Untagged: " + name + "\n", untag.out(), "the image keeps its other name");
    assertEquals(4, files(root.resolve("content/blobs")));

    Result rmi = berth(root, "rmi", registry.host() + "/test/bb:copy");
    assertEquals(0, rmi.code(), rmi.err());
    assertTrue(rmi.out().contains("Deleted: " + configHex), rmi.out());
    assertEquals(0, files(root.resolve("content/blobs")), "every blob collected");
    try (Stream<Path> s = Files.list(root.resolve("snapshots/sha256"))) {
      assertEquals(0, s.filter(Files::isDirectory).count(), "every snapshot collected");
    }
    assertEquals("", berth(root, "images", "-q").out());
  }

  @Test
  void anUnknownTagIsAClearErrorAndChangesNothing() throws Exception {
    Path root = dir.resolve("root-" + System.nanoTime());
    Result r = berth(root, "pull", registry.host() + "/test/bb:missing");
    assertEquals(125, r.code());
    assertTrue(r.err().contains("test/bb:missing") && r.err().contains("404"), r.err());
    assertEquals(0, files(root.resolve("content/blobs")));
  }

  @Test
  void importMakesAOneLayerImageOfATarball() throws Exception {
    Path root = dir.resolve("root-" + System.nanoTime());
    byte[] tar = ImageRunTest.busyboxLayers()[0];
    Path tarball = dir.resolve("rootfs-" + System.nanoTime() + ".tar.gz");
    Files.write(tarball, ImageRunTest.gzip(tar));
    Result imported = berth(root, "import", tarball.toString(), "localhost/imported:1");
    assertEquals(0, imported.code(), imported.err());
    Result inspect = berth(root, "image", "inspect", "localhost/imported:1");
    assertEquals(0, inspect.code(), inspect.err());
    assertTrue(inspect.out().contains(Digest.of(tar).toString()), "the diff ID is the plain tar's digest: " + inspect.out());
    try (Stream<Path> s = Files.list(root.resolve("snapshots/sha256"))) {
      assertTrue(s.filter(Files::isDirectory).anyMatch(d -> Files.isRegularFile(d.resolve("bin/busybox"))));
    }
    Result list = berth(root, "images", "--format", "json");
    assertTrue(list.out().contains("localhost/imported:1"), list.out());
  }

  @Test
  void saveAndLoadInEveryFormat() throws Exception {
    Path from = dir.resolve("root-" + System.nanoTime());
    String name = registry.host() + "/test/bb:1";
    assertEquals(0, berth(from, "pull", "-q", name).code());
    for (String format : List.of("docker-archive", "oci-archive", "oci-dir")) {
      Path out = dir.resolve("saved-" + format + "-" + System.nanoTime());
      Result save = berth(from, "save", "--format", format, "-o", out.toString(), name);
      assertEquals(0, save.code(), format + ": " + save.err());
      Path to = dir.resolve("root-" + System.nanoTime());
      Result load = berth(to, "load", "-i", out.toString());
      assertEquals(0, load.code(), format + ": " + load.err());
      assertTrue(load.out().contains(name), format + ": " + load.out());
      Result inspect = berth(to, "image", "inspect", name);
      assertEquals(0, inspect.code(), format + ": " + inspect.err());
      assertTrue(inspect.out().contains("\"Id\": \"" + configHex + "\""), format + ": the same config comes back: " + inspect.out());
    }
  }

  @Test
  void copyAcrossTransports() throws Exception {
    Path root = dir.resolve("root-" + System.nanoTime());
    Path layout = dir.resolve("layout-" + System.nanoTime());
    String src = "docker://" + registry.host() + "/test/bb:1";
    Result toOci = berth(root, "image", "copy", src, "oci:" + layout + ":v1");
    assertEquals(0, toOci.code(), toOci.err());
    assertTrue(Files.isRegularFile(layout.resolve("index.json")) && Files.isRegularFile(layout.resolve("oci-layout")));
    String back = registry.host() + "/test/copied:3";
    Result toRegistry = berth(root, "image", "copy", "oci:" + layout + ":v1", "docker://" + back);
    assertEquals(0, toRegistry.code(), toRegistry.err());
    Result pull = berth(dir.resolve("root-" + System.nanoTime()), "pull", "-q", back);
    assertEquals(0, pull.code(), pull.err());
    assertEquals(configHex + "\n", pull.out(), "the same image made the round trip");
    Path dirImage = dir.resolve("dir-" + System.nanoTime());
    assertEquals(0, berth(root, "image", "copy", src, "dir:" + dirImage).code());
    assertTrue(Files.isRegularFile(dirImage.resolve("version")));
    Result fromDir = berth(root, "image", "copy", "dir:" + dirImage, "docker://" + registry.host() + "/test/fromdir:1");
    assertEquals(0, fromDir.code(), fromDir.err());
    Path archive = dir.resolve("copied-" + System.nanoTime() + ".tar");
    assertEquals(0, berth(root, "image", "copy", src, "docker-archive:" + archive).code());
    assertTrue(Files.size(archive) > 1000);
    assertEquals(0, files(root.resolve("content")), "a copy leaves the local store alone");
    try (Stream<Path> s = Files.list(root)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".copy-")), "its scratch store is gone");
    }
    Result bad = berth(root, "image", "copy", "ftp://x", "oci:" + layout);
    assertEquals(2, bad.code(), bad.err());
  }

  @Test
  void registriesConfMirrorsAndBlocks() throws Exception {
    Path root = dir.resolve("root-" + System.nanoTime());
    Path conf = dir.resolve("registries-" + System.nanoTime() + ".conf");
    Files.writeString(conf, """
        [[registry]]
        prefix = "example.invalid"
        location = "example.invalid"
        [[registry.mirror]]
        location = "%s/test"
        insecure = true

        [[registry]]
        location = "blocked.invalid"
        blocked = true
        """.formatted(registry.host()));
    Result viaMirror = berth(root, "--registries-conf", conf.toString(), "pull", "-q", "example.invalid/bb:1");
    assertEquals(0, viaMirror.code(), viaMirror.err());
    assertEquals(configHex + "\n", viaMirror.out());
    assertTrue(berth(root, "images").out().contains("example.invalid/bb"), "recorded under the name asked for");
    Result blocked = berth(root, "--registries-conf", conf.toString(), "pull", "blocked.invalid/x:1");
    assertEquals(125, blocked.code(), blocked.err());
    assertTrue(blocked.err().contains("blocked"), blocked.err());
  }
}
