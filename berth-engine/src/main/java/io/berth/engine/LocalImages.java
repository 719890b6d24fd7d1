package io.berth.engine;

import io.berth.image.meta.ImageRecord;
import io.berth.image.spec.ImageConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images the engine can make without a registry. {@code localhost/busybox:latest} is built from
 * the host's statically linked busybox (Debian's busybox-static): the binary, a link for each of
 * its applets in /bin, minimal /etc/passwd and /etc/group, and {@code sh} as its command. It is
 * what Berth runs on its embedded defaults when no registry is reachable.
 */
public final class LocalImages {
  public static final String BUSYBOX = "localhost/busybox:latest";
  static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

  private LocalImages() {}

  /** busybox, busybox:latest, docker.io/library/busybox[:latest]: names the local build stands in for. */
  static boolean isBusyboxName(String name) {
    return List.of("busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox",
        "docker.io/library/busybox:latest", BUSYBOX, "localhost/busybox").contains(name);
  }

  public static ImageRecord busybox(ImageService images) throws IOException {
    if (!Files.isRegularFile(HOST_BUSYBOX)) {
      throw new EngineException("cannot build " + BUSYBOX + ": " + HOST_BUSYBOX
          + " is missing (install Debian's busybox-static)");
    }
    Path tar = Files.createTempFile("berth-busybox", ".tar");
    try {
      writeRootfs(tar, applets());
      ImageConfig.Config config = new ImageConfig.Config(null, null,
          List.of(SpecBuilder.DEFAULT_PATH), null, List.of("sh"), null, null, null, null, null, null, null, null);
      return images.importTarball(tar, BUSYBOX, config);
    } finally {
      Files.deleteIfExists(tar);
    }
  }

  private static List<String> applets() throws IOException {
    Process p = new ProcessBuilder(HOST_BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new EngineException("busybox --list failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted");
    }
    return out.lines().map(String::strip).filter(s -> s.matches("[a-z0-9_.\\[-]+") && !s.equals("busybox")).toList();
  }

  private static void writeRootfs(Path tar, List<String> applets) throws IOException {
    try (OutputStream file = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(file)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String d : List.of("bin/", "etc/", "tmp/", "root/", "home/", "dev/", "proc/", "sys/", "var/")) {
        TarArchiveEntry e = new TarArchiveEntry(d);
        e.setMode(d.equals("tmp/") ? 041777 : 040755);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
      }
      TarArchiveEntry bin = new TarArchiveEntry("bin/busybox");
      bin.setMode(0100755);
      bin.setSize(Files.size(HOST_BUSYBOX));
      t.putArchiveEntry(bin);
      Files.copy(HOST_BUSYBOX, t);
      t.closeArchiveEntry();
      for (String a : applets) {
        TarArchiveEntry link = new TarArchiveEntry("bin/" + a, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("busybox");
        link.setMode(0120777);
        t.putArchiveEntry(link);
        t.closeArchiveEntry();
      }
      file(t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
      file(t, "etc/group", "root:x:0:\nnogroup:x:65534:\n");
      t.finish();
    }
  }

  private static void file(TarArchiveOutputStream t, String name, String content) throws IOException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    e.setSize(b.length);
    t.putArchiveEntry(e);
    t.write(b);
    t.closeArchiveEntry();
  }
}
