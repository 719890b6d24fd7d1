package io.berth.image.pull;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.registry.AuthFiles;
import io.berth.image.registry.ImageReference;
import io.berth.image.registry.LocalRegistry;
import io.berth.image.registry.RegistryClient;
import io.berth.image.registry.RegistryConfig;
import io.berth.image.registry.RetryPolicy;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageJson;
import io.berth.image.spec.Index;
import io.berth.image.spec.Manifest;
import io.berth.image.spec.MediaTypes;
import io.berth.image.spec.Platform;
import io.berth.image.spec.PlatformMatcher;
import io.berth.image.store.ContentStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from Debian's docker-registry on loopback into a fresh store. */
class ImagePullerTest {
  @TempDir static Path registryDir;
  @TempDir Path tmp;
  static LocalRegistry registry;
  static RegistryClient client;
  static byte[] amd64Layer;
  static Digest amd64Manifest;

  @BeforeAll
  static void pushImage() throws Exception {
    registry = LocalRegistry.start(registryDir.resolve("registry"), "");
    client = new RegistryClient(RegistryConfig.defaults()
        .withAuthFiles(AuthFiles.none(registryDir.resolve("auth.json")))
        .withRetry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50))));
    amd64Layer = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(amd64Layer);
    Descriptor amd = pushImage("amd64", amd64Layer);
    Descriptor arm = pushImage("arm64", "arm layer".getBytes(StandardCharsets.UTF_8));
    amd64Manifest = amd.digest();
    Index index = Index.oci(List.of(
        amd.withPlatform(Platform.of("linux", "amd64", null)),
        arm.withPlatform(Platform.of("linux", "arm64", "v8"))));
    client.putManifest(ref("multi:1"), MediaTypes.OCI_INDEX, ImageJson.toBytes(index));
  }

  static ImageReference ref(String nameTag) {
    return ImageReference.parse(registry.host() + "/test/" + nameTag);
  }

  /** A single-platform image pushed as test/<arch>:1; returns its manifest's descriptor. */
  static Descriptor pushImage(String arch, byte[] layer) throws Exception {
    Digest layerDigest = Digest.of(layer);
    String config = "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}";
    byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
    String repo = "test/" + arch;
    client.putBlob(registry.host(), repo, layerDigest.toString(), layer.length, new ByteArrayInputStream(layer), false);
    client.putBlob(registry.host(), repo, Digest.of(configBytes).toString(), configBytes.length, new ByteArrayInputStream(configBytes), false);
    Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, configBytes),
        List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR, layerDigest, layer.length)));
    byte[] mb = ImageJson.toBytes(m);
    client.putManifest(ref(arch + ":1"), MediaTypes.OCI_MANIFEST, mb);
    // The index lives in repository test/multi: the manifests and blobs must be there too.
    client.putBlob(registry.host(), "test/multi", layerDigest.toString(), layer.length, new ByteArrayInputStream(layer), false);
    client.putBlob(registry.host(), "test/multi", Digest.of(configBytes).toString(), configBytes.length, new ByteArrayInputStream(configBytes), false);
    client.putManifest(new ImageReference(registry.host(), "test/multi", null, Digest.of(mb).toString()), MediaTypes.OCI_MANIFEST, mb);
    return Descriptor.of(MediaTypes.OCI_MANIFEST, mb);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void pullsThePlatformsManifestConfigAndLayers() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    List<ImagePuller.Progress> events = new CopyOnWriteArrayList<>();
    PulledImage img = new ImagePuller(client, store, events::add, 3)
        .pull(ref("multi:1"), new PlatformMatcher(Platform.of("linux", "amd64", null)));
    assertEquals(amd64Manifest, img.manifestDigest());
    assertTrue(img.indexDigest() != null && store.exists(img.indexDigest()), "the index is kept");
    assertEquals("amd64", img.config().architecture());
    for (Descriptor d : img.manifest().layers()) {
      try (InputStream in = store.open(d.digest())) {
        assertArrayEquals(amd64Layer, in.readAllBytes());
      }
    }
    assertTrue(events.stream().anyMatch(e -> e.what().equals("downloading")));

    // A second pull fetches nothing: every blob is in the store already.
    events.clear();
    new ImagePuller(client, store, events::add, 3).pull(ref("multi:1"), PlatformMatcher.forFlag("linux/amd64"));
    assertFalse(events.stream().anyMatch(e -> e.what().equals("downloading")), events.toString());
  }

  @Test
  void aSingleManifestImageHasNoIndex() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    PulledImage img = new ImagePuller(client, store, p -> {}, 2).pull(ref("arm64:1"), PlatformMatcher.forFlag("linux/amd64"));
    assertNull(img.indexDigest());
    assertEquals("arm64", img.config().architecture(), "a plain manifest is taken as it is");
  }

  @Test
  void anInterruptedDownloadContinuesWhereItStopped() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    Digest layer = Digest.of(amd64Layer);
    int half = amd64Layer.length / 2;
    ContentStore.Writer w = store.writer(layer.toString(), layer, amd64Layer.length);
    w.write(amd64Layer, 0, half);
    w.close(); // a pull cut off here keeps its bytes for the next one
    assertFalse(store.exists(layer));
    List<ImagePuller.Progress> events = new CopyOnWriteArrayList<>();
    new ImagePuller(client, store, events::add, 1).pull(ref("amd64:1"), PlatformMatcher.host());
    assertTrue(store.exists(layer));
    long firstDone = events.stream().filter(e -> e.digest().equals(layer) && e.what().equals("downloading"))
        .mapToLong(ImagePuller.Progress::done).min().orElseThrow();
    assertTrue(firstDone > half, "resumed after " + half + " bytes, first progress at " + firstDone);
  }

  @Test
  void twoPullsOfTheSameImageAtOnceShareTheStore() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<PulledImage>> pulls = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        pulls.add(pool.submit(() -> new ImagePuller(client, store, p -> {}, 2).pull(ref("multi:1"), PlatformMatcher.forFlag("linux/amd64"))));
      }
      for (Future<PulledImage> f : pulls) {
        assertEquals(amd64Manifest, f.get().manifestDigest());
      }
    } finally {
      pool.shutdownNow();
    }
    try (InputStream in = store.open(Digest.of(amd64Layer))) {
      assertArrayEquals(amd64Layer, in.readAllBytes());
    }
  }

  @Test
  void aPlatformTheIndexLacksIsAClearErrorAndStoresNoBlob() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    PullException e = assertThrows(PullException.class,
        () -> new ImagePuller(client, store, p -> {}, 2).pull(ref("multi:1"), PlatformMatcher.forFlag("linux/s390x")));
    assertTrue(e.getMessage().contains("linux/s390x") && e.getMessage().contains("linux/amd64"), e.getMessage());
    assertFalse(store.exists(Digest.of(amd64Layer)));
  }

  @Test
  void anUnknownTagIsAClearError() throws Exception {
    ContentStore store = new ContentStore(tmp.resolve("store"));
    PullException e = assertThrows(PullException.class,
        () -> new ImagePuller(client, store, p -> {}, 2).pull(ref("multi:nope"), PlatformMatcher.host()));
    assertTrue(e.getMessage().contains("multi") && e.getMessage().contains("404"), e.getMessage());
    assertTrue(store.list().isEmpty(), "the store is unchanged");
  }

  @Test
  void aLayerWhoseSizeDisagreesWithItsDescriptorIsRefused() throws Exception {
    // The manifest claims one byte more than the registry holds: nothing may be stored under it.
    byte[] layer = "short layer".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.of(layer);
    client.putBlob(registry.host(), "test/liar", d.toString(), layer.length, new ByteArrayInputStream(layer), false);
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
    client.putBlob(registry.host(), "test/liar", Digest.of(config).toString(), config.length, new ByteArrayInputStream(config), false);
    Manifest m = Manifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config),
        List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR, d, layer.length + 1)));
    client.putManifest(ref("liar:1"), MediaTypes.OCI_MANIFEST, ImageJson.toBytes(m));
    ContentStore store = new ContentStore(tmp.resolve("store"));
    PullException e = assertThrows(PullException.class,
        () -> new ImagePuller(client, store, p -> {}, 1).pull(ref("liar:1"), PlatformMatcher.host()));
    assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
    assertFalse(store.exists(d));
  }
}
