package io.berth.image.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.layer.LayerUnpacker;
import io.berth.image.spec.ChainId;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.store.ContentStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {
  @TempDir Path tmp;
  final List<Path> mounted = new ArrayList<>();

  @AfterEach
  void unmountAll() {
    for (Path p : mounted) {
      Snapshotter.unmount(p);
    }
  }

  /** A gzip'd tar of files (name -> content; content null for a whiteout marker). */
  static byte[][] layer(String... namesAndContents) throws Exception {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        byte[] data = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i]);
        e.setSize(data.length);
        e.setMode(0644);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
      g.write(tar.toByteArray());
    }
    return new byte[][] {tar.toByteArray(), gz.toByteArray()};
  }

  record Image(Manifest manifest, ImageConfig config) {}

  static Image image(ContentStore store, byte[][]... layers) throws Exception {
    List<Descriptor> descs = new ArrayList<>();
    StringBuilder diffIds = new StringBuilder();
    for (byte[][] l : layers) {
      Digest compressed = store.put(new ByteArrayInputStream(l[1]), Digest.of(l[1]), l[1].length);
      descs.add(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, compressed, l[1].length));
      diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(Digest.of(l[0])).append('"');
    }
    byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
        .getBytes(StandardCharsets.UTF_8);
    store.put(new ByteArrayInputStream(config), Digest.of(config), config.length);
    return new Image(Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config), descs), ImageJson.config(config));
  }

  @Test
  void layersUnpackOncePerChainAndMountAsOverlay() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("content"));
    Snapshotter snap = new Snapshotter(tmp.resolve("snapshots"), new LayerUnpacker());
    Image img = image(store,
        layer("etc/motd", "base\n", "etc/gone", "bye\n"),
        layer("etc/motd", "top\n", "etc/.wh.gone", ""));
    List<Path> lowers = snap.prepare(store, img.manifest(), img.config());
    assertEquals(2, lowers.size());
    List<Digest> chain = ChainId.chain(img.config().diffIds());
    assertEquals(snap.path(chain.get(1)), lowers.get(0), "the top layer comes first");
    assertEquals(snap.path(chain.get(0)), lowers.get(1));
    Object inode = Files.getAttribute(lowers.get(0), "unix:ino");
    assertEquals(lowers, snap.prepare(store, img.manifest(), img.config()));
    assertEquals(inode, Files.getAttribute(lowers.get(0), "unix:ino"), "not unpacked again");

    Path merged = Snapshotter.mount(lowers, Files.createDirectory(tmp.resolve("ctr")));
    mounted.add(merged);
    assertEquals("top\n", Files.readString(merged.resolve("etc/motd")));
    assertFalse(Files.exists(merged.resolve("etc/gone")), "the whiteout hides the lower file");
    Files.writeString(merged.resolve("etc/new"), "written");
    assertEquals("written", Files.readString(tmp.resolve("ctr/upper/etc/new")), "writes land in the upper dir");
    assertFalse(Files.exists(lowers.get(0).resolve("etc/new")), "the snapshot is untouched");
  }

  @Test
  void concurrentPreparesUnpackOnce() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("content"));
    Snapshotter snap = new Snapshotter(tmp.resolve("snapshots"), new LayerUnpacker());
    Image img = image(store, layer("a", "1"), layer("b", "2"), layer("c", "3"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Path>>> jobs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        jobs.add(pool.submit(() -> snap.prepare(store, img.manifest(), img.config())));
      }
      List<Path> first = jobs.get(0).get();
      for (Future<List<Path>> f : jobs) {
        assertEquals(first, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    try (var s = Files.list(tmp.resolve("snapshots/sha256"))) {
      assertEquals(3, s.filter(Files::isDirectory).count(), "three snapshots, no temp leftovers");
    }
  }

  @Test
  void aLayerThatIsNotWhatTheConfigSaysIsRefusedAndLeavesNothing() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("content"));
    Snapshotter snap = new Snapshotter(tmp.resolve("snapshots"), new LayerUnpacker());
    byte[][] real = layer("x", "real");
    byte[][] other = layer("x", "other");
    Digest compressed = store.put(new ByteArrayInputStream(real[1]), Digest.of(real[1]), real[1].length);
    byte[] config = ("{\"os\":\"linux\",\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.of(other[0]) + "\"]}}")
        .getBytes(StandardCharsets.UTF_8);
    Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config),
        List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, compressed, real[1].length)));
    SnapshotException e = assertThrows(SnapshotException.class, () -> snap.prepare(store, m, ImageJson.config(config)));
    assertTrue(e.getMessage().contains(compressed.toString()), e.getMessage());
    assertFalse(Files.exists(snap.path(Digest.of(other[0]))));
    try (var s = Files.list(tmp.resolve("snapshots/sha256"))) {
      assertTrue(s.noneMatch(Files::isDirectory), "nothing unpacked is left");
    }
  }

  @Test
  void aCrashMidUnpackLeavesATempDirThatTheSweepRemoves() throws Exception {
    Snapshotter snap = new Snapshotter(tmp.resolve("snapshots"), new LayerUnpacker());
    Path alg = Files.createDirectories(tmp.resolve("snapshots/sha256"));
    Path partial = Files.createDirectories(alg.resolve(".abc.unpacking-1234/etc"));
    Files.writeString(partial.resolve("half"), "x");
    Path kept = Files.createDirectories(alg.resolve("abc"));
    assertEquals(1, snap.sweepPartial());
    assertFalse(Files.exists(alg.resolve(".abc.unpacking-1234")));
    assertTrue(Files.isDirectory(kept), "published snapshots stay");
  }
}
