package io.berth.cli.conformance;

import io.berth.engine.ImageService;
import io.berth.image.registry.AuthFiles;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.RegistriesConf;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The two images TestcontainersTest needs, made on the spot: Ryuk's, from src/test/native/ryuk.c
 * compiled here (the published image cannot be pulled where the tests run) and imported into the
 * daemon's root; and the image the cases run, busybox with a link per applet (so that an
 * entrypoint such as {@code httpd} is a real exec), pushed to the local registry for
 * Testcontainers to pull.
 */
final class TestcontainersImages {
  /** Where Ryuk waits after its last client left; Testcontainers 1.21 gives Ryuk no environment of its own. */
  static final String RYUK_RECONNECTION_TIMEOUT = "2s";

  private TestcontainersImages() {}

  /** Compiles ryuk.c into {@code out} (statically, so the image needs nothing else). */
  static Path compileRyuk(Path home, Path out) throws IOException, InterruptedException {
    Path source = home.resolve("berth-cli/src/test/native/ryuk.c");
    Files.createDirectories(out.getParent());
    Process gcc = new ProcessBuilder("gcc", "-O2", "-s", "-static", "-Wall", "-Wextra", "-Werror",
        "-Wno-unused-parameter", "-o", out.toString(), source.toString()).redirectErrorStream(true).start();
    String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
      throw new AssertionError("gcc could not build " + source + ":\n" + output);
    }
    return out;
  }

  /**
   * Imports an image named {@code name} into the root: /ryuk as the entrypoint, 8080/tcp exposed,
   * and the directory the Docker socket is mounted into.
   */
  static void importRyuk(ImageService images, Path binary, String name, Path scratch) throws IOException {
    Path tar = Files.createTempFile(scratch, "ryuk", ".tar");
    try {
      try (OutputStream file = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(file)) {
        for (String d : List.of("dev/", "proc/", "sys/", "etc/", "tmp/", "var/", "var/run/")) {
          directory(t, d, d.equals("tmp/") ? 01777 : 0755);
        }
        file(t, "ryuk", Files.readAllBytes(binary), 0755);
        file(t, "etc/passwd", "root:x:0:0:root:/:/ryuk\n".getBytes(StandardCharsets.UTF_8), 0644);
        t.finish();
      }
      ImageConfig.Config config = new ImageConfig.Config(null, Set.of("8080/tcp"),
          List.of("PATH=/", "RYUK_RECONNECTION_TIMEOUT=" + RYUK_RECONNECTION_TIMEOUT), List.of("/ryuk"), null, null,
          null, null, null, null, null, null, null);
      images.importTarball(tar, name, config);
    } finally {
      Files.deleteIfExists(tar);
    }
  }

  /** Pushes busybox (every applet linked in /bin, sh as the command) to {@code name} on the local registry. */
  static void pushBusybox(String name, Path scratch) throws IOException, InterruptedException {
    byte[] tar = busyboxLayer();
    byte[] gz = gzip(tar);
    ImageReference ref = ImageReference.parse(name);
    try (RegistryClient client = new RegistryClient(RegistryConfig.defaults().withAuthFiles(AuthFiles.none(scratch.resolve("auth.json"))))) {
      client.putBlob(ref.registry(), ref.repository(), Digest.of(gz).toString(), gz.length, new ByteArrayInputStream(gz), false);
      byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]},"
          + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.of(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
      client.putBlob(ref.registry(), ref.repository(), Digest.of(config).toString(), config.length,
          new ByteArrayInputStream(config), false);
      Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config),
          List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.of(gz), gz.length)));
      client.putManifest(ref, MediaTypes.OCI_MANIFEST, ImageJson.toBytes(m));
    }
  }

  /** A fresh ImageService on {@code root} (no registries: it only imports). */
  static ImageService images(Path root) throws IOException {
    return new ImageService(root, RegistriesConf.empty());
  }

  private static byte[] busyboxLayer() throws IOException, InterruptedException {
    Path busybox = Path.of("/bin/busybox");
    Process list = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
    List<String> applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
        .map(String::strip).filter(a -> a.matches("[a-z0-9_.\\[-]+") && !a.equals("busybox")).toList();
    if (list.waitFor() != 0 || applets.isEmpty()) {
      throw new AssertionError("busybox --list gave no applets");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (String d : List.of("bin/", "dev/", "etc/", "proc/", "root/", "sys/", "tmp/", "var/")) {
        directory(t, d, d.equals("tmp/") ? 01777 : 0755);
      }
      file(t, "bin/busybox", Files.readAllBytes(busybox), 0755);
      for (String a : applets) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        t.putArchiveEntry(link);
        t.closeArchiveEntry();
      }
      file(t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
          .getBytes(StandardCharsets.UTF_8), 0644);
      file(t, "etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
      t.finish();
    }
    return out.toByteArray();
  }

  private static void directory(TarArchiveOutputStream t, String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040000 | mode);
    t.putArchiveEntry(e);
    t.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream t, String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(content.length);
    t.putArchiveEntry(e);
    t.write(content);
    t.closeArchiveEntry();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(data);
    }
    return gz.toByteArray();
  }
}
