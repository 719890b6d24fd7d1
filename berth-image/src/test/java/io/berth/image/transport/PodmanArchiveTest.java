package io.berth.image.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Descriptor;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads what the reference tool writes: {@code podman save --format docker-archive}. */
class PodmanArchiveTest {
  private static final Path PODMAN = Path.of("/usr/bin/podman");

  @TempDir Path temp;

  @Test
  void readsAnArchiveMadeByPodmanSave() throws Exception {
    assertTrue(Files.isExecutable(PODMAN), "podman is not installed");
    Path rootfs = temp.resolve("rootfs.tar");
    Files.write(rootfs, TestImage.tar(Map.of("etc/hostname", "podman\n")));
    podman("import", rootfs.toString(), "localhost/berth-test:1");
    Path archive = temp.resolve("saved.tar");
    podman("save", "--format", "docker-archive", "-o", archive.toString(), "localhost/berth-test:1");

    ContentStore store = new ContentStore(temp.resolve("store"));
    List<ImageRef> images = DockerArchive.read(archive, store);

    assertEquals(1, images.size());
    assertEquals(List.of("localhost/berth-test:1"), images.get(0).names());
    Manifest manifest = ImageJson.manifest(TransportRoundTripTest.bytes(store, images.get(0).manifestDigest()));
    assertEquals(ImageJson.config(TransportRoundTripTest.bytes(store, manifest.config().digest())).diffIds(),
        manifest.layers().stream().map(Descriptor::digest).toList());
  }

  private void podman(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PODMAN.toString(),
        "--root", temp.resolve("podman-root").toString(), "--runroot", temp.resolve("podman-run").toString(),
        "--cgroup-manager", "cgroupfs", "--storage-driver", "vfs"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "podman did not finish");
    assertTrue(process.exitValue() == 0, "podman cannot run here: " + output);
  }
}
