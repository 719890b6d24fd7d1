package io.berth.image.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGcTest {
  static final Duration HOUR = Duration.ofHours(1);

  @TempDir Path tmp;
  Fixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new Fixture(tmp);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  @Test
  void removingOneOfTwoImagesThatShareABaseLayerFreesOnlyWhatIsItsAlone() throws Exception {
    ImageRecord app = f.image("app:1", "base", "app");
    ImageRecord web = f.image("web:1", "base", "web");
    f.db.recordImage(app);
    f.db.recordImage(web);
    Digest base = Digest.of(Fixture.layerBytes("base"));
    assertEquals(app.chainIds().get(0), web.chainIds().get(0), "the fixture shares the base snapshot");

    f.db.removeImage(app.id(), false);
    GcResult first = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);

    Set<Digest> appOnly = new HashSet<>(Fixture.blobsOf(app));
    appOnly.remove(base);
    assertEquals(appOnly, Set.copyOf(first.blobs()));
    assertEquals(List.of(Digest.parse(app.chainIds().get(1))), first.chainIds());
    assertEquals(List.of(), first.orphanBlobs());
    assertEquals(List.of(), first.orphanChainIds());
    assertEquals(List.of(), first.failures());
    for (Digest d : appOnly) {
      assertFalse(f.blobFileExists(d), d + " should be gone");
    }
    for (Digest d : Fixture.blobsOf(web)) {
      assertTrue(f.blobFileExists(d), d + " of the other image must stay");
    }
    for (Digest c : Fixture.chainIdsOf(web)) {
      assertTrue(f.snapshotExists(c), c + " of the other image must stay");
      assertTrue(Files.isRegularFile(f.snapshots.path(c).resolve("etc/layer")));
    }
    assertFalse(f.snapshotExists(Digest.parse(app.chainIds().get(1))));

    f.db.removeImage("docker.io/library/web:1", false);
    GcResult second = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);

    assertEquals(Set.copyOf(Fixture.blobsOf(web)), Set.copyOf(second.blobs()));
    assertEquals(Set.copyOf(Fixture.chainIdsOf(web)), Set.copyOf(second.chainIds()));
    assertEquals(List.of(), f.store.list(), "every blob is gone");
    assertEquals(List.of(), snapshotDirs(), "every snapshot is gone");
    assertEquals(new GcResult(List.of(), List.of(), List.of(), List.of(), List.of()),
        ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO), "a second run finds nothing");
  }

  @Test
  void theIndexBlobOfAnImageIsCollectedWithIt() throws Exception {
    ImageRecord image = f.indexedImage("multi:1", "l");
    f.db.recordImage(image);
    Digest index = Digest.parse(image.indexDigest());
    assertTrue(ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO).blobs().isEmpty());
    assertTrue(f.blobFileExists(index));

    f.db.removeImage(image.id(), false);
    GcResult gc = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);

    assertTrue(gc.blobs().contains(index), gc.toString());
    assertFalse(f.blobFileExists(index));
  }

  @Test
  void aBlobThatAnotherImageStillNeedsAsAManifestOrConfigIsKept() throws Exception {
    // Two names of one image recorded as two pulls: same config and manifest digests.
    ImageRecord one = f.image("one:1", "same", false, "l");
    ImageRecord two = f.image("two:1", "same", false, "l");
    assertEquals(one.id(), two.id());
    f.db.recordImage(one);
    f.db.recordImage(two);

    f.db.untag("docker.io/library/one:1");
    GcResult gc = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);

    assertEquals(List.of(), gc.blobs());
    for (Digest d : Fixture.blobsOf(one)) {
      assertTrue(f.blobFileExists(d));
    }
  }

  @Test
  void aContainerKeepsTheSnapshotsOfItsImageAfterTheImageLosesItsNameAndIsRemoved() throws Exception {
    ImageRecord image = f.image("busybox", "base", "top");
    f.db.recordImage(image);
    f.db.addContainerReference("c1", image.id());

    f.db.untag("docker.io/library/busybox:latest");
    GcResult untagged = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);
    assertEquals(List.of(), untagged.blobs());
    assertEquals(List.of(), untagged.chainIds());
    assertThrows(ImageInUseException.class, () -> f.db.removeImage(image.id(), false));

    f.db.removeImage(image.id(), true);
    GcResult forced = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);
    assertEquals(Set.copyOf(Fixture.blobsOf(image)), Set.copyOf(forced.blobs()), "blobs go with the image");
    assertEquals(List.of(), forced.chainIds(), "the container still runs on the snapshots");
    assertEquals(List.of(), forced.orphanChainIds(), "pinned snapshots are not orphans");
    for (Digest c : Fixture.chainIdsOf(image)) {
      assertTrue(f.snapshotExists(c));
    }

    f.db.removeContainerReference("c1");
    GcResult last = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);
    assertEquals(Set.copyOf(Fixture.chainIdsOf(image)), Set.copyOf(last.chainIds()));
    assertEquals(List.of(), snapshotDirs());
  }

  @Test
  void aCrashAfterTheCommitLeavesOrphansThatTheSweepRemoves() throws Exception {
    ImageRecord keep = f.image("keep:1", "base", "keep");
    ImageRecord gone = f.image("gone:1", "base", "gone");
    f.db.recordImage(keep);
    f.db.recordImage(gone);
    f.db.removeImage(gone.id(), false);

    GarbageCollection forgotten = f.db.collectGarbage(); // ...and the process dies before deleting
    assertFalse(forgotten.isEmpty());
    for (Digest d : forgotten.blobs()) {
      assertTrue(f.blobFileExists(d));
      assertFalse(f.db.isKnownBlob(d));
    }
    assertEquals(new GarbageCollection(List.of(), List.of()), f.db.collectGarbage(), "forgotten for good");

    GcResult young = ImageGc.sweep(f.db, f.store, f.snapshots, HOUR);
    assertEquals(List.of(), young.orphanBlobs(), "within the grace period the files might be a pull's");
    assertEquals(List.of(), young.orphanChainIds());

    GcResult swept = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);
    assertEquals(List.of(), swept.blobs());
    assertEquals(forgotten.blobs(), swept.orphanBlobs());
    assertEquals(forgotten.chainIds(), swept.orphanChainIds());
    for (Digest d : forgotten.blobs()) {
      assertFalse(f.blobFileExists(d));
    }
    for (Digest d : Fixture.blobsOf(keep)) {
      assertTrue(f.blobFileExists(d));
    }
    for (Digest c : Fixture.chainIdsOf(keep)) {
      assertTrue(f.snapshotExists(c));
    }
  }

  @Test
  void aReferencedBlobIsNeverSweptHoweverOld() throws Exception {
    ImageRecord image = f.image("busybox", "base", "top");
    f.db.recordImage(image);
    FileTime longAgo = FileTime.from(Instant.parse("2001-01-01T00:00:00Z"));
    for (Digest d : Fixture.blobsOf(image)) {
      Files.setLastModifiedTime(f.store.path(d), longAgo);
    }
    for (Digest c : Fixture.chainIdsOf(image)) {
      Files.setLastModifiedTime(f.snapshots.path(c), longAgo);
    }
    Digest stray = f.put("a blob nothing recorded".getBytes(StandardCharsets.UTF_8));
    Digest strayChain = Digest.of("a snapshot nothing recorded".getBytes(StandardCharsets.UTF_8));
    Files.createDirectories(f.snapshots.path(strayChain));

    GcResult swept = ImageGc.sweep(f.db, f.store, f.snapshots, Duration.ZERO);

    assertEquals(List.of(stray), swept.orphanBlobs());
    assertEquals(List.of(strayChain), swept.orphanChainIds());
    for (Digest d : Fixture.blobsOf(image)) {
      assertTrue(f.blobFileExists(d), d + " is referenced");
    }
    for (Digest c : Fixture.chainIdsOf(image)) {
      assertTrue(f.snapshotExists(c), c + " is referenced");
    }
  }

  @Test
  void theGracePeriodSparesAPullInFlightButNotAnOldOrphan() throws Exception {
    Digest inFlight = f.put("a layer a pull has just written".getBytes(StandardCharsets.UTF_8));
    Digest unpackedNow = Digest.of("fresh".getBytes(StandardCharsets.UTF_8));
    Path unpacked = Files.createDirectories(f.snapshots.path(unpackedNow));
    // The unpacker gives a layer's root the tar's mtime; only its ctime says it is new.
    Files.setLastModifiedTime(unpacked, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));

    GcResult now = ImageGc.sweep(f.db, f.store, f.snapshots, HOUR);
    assertEquals(List.of(), now.orphanBlobs());
    assertEquals(List.of(), now.orphanChainIds(), "a fresh snapshot with an old mtime is still fresh");
    assertTrue(f.blobFileExists(inFlight));
    assertTrue(f.snapshotExists(unpackedNow));

    Clock twoHoursOn = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
    GcResult later = ImageGc.sweep(f.db, f.store, f.snapshots, HOUR, twoHoursOn);
    assertEquals(List.of(inFlight), later.orphanBlobs(), "a pull that never recorded its image is over");
    assertEquals(List.of(unpackedNow), later.orphanChainIds());
    assertFalse(f.blobFileExists(inFlight));
    assertFalse(f.snapshotExists(unpackedNow));
  }

  @Test
  void aBlobRecordedAgainAfterTheCollectionIsNotSwept() throws Exception {
    ImageRecord first = f.image("first:1", "shared");
    f.db.recordImage(first);
    f.db.removeImage(first.id(), false);
    GarbageCollection forgotten = f.db.collectGarbage();
    Digest shared = Digest.of(Fixture.layerBytes("shared"));
    assertTrue(forgotten.blobs().contains(shared));

    // A pull found the layer in the store and recorded a new image before the files went.
    f.db.recordImage(f.image("second:1", "shared"));
    GcResult swept = ImageGc.sweep(f.db, f.store, f.snapshots, Duration.ZERO);

    assertFalse(swept.orphanBlobs().contains(shared));
    assertTrue(f.blobFileExists(shared));
    assertTrue(f.snapshotExists(shared), "the base snapshot's chain ID is its diff ID");
  }

  @Test
  void filesRecordedAgainBetweenCollectionAndDeletionAreKept() throws Exception {
    ImageRecord first = f.image("first:1", "shared", "mine");
    f.db.recordImage(first);
    f.db.removeImage(first.id(), false);
    GarbageCollection collected = f.db.collectGarbage();
    Digest shared = Digest.of(Fixture.layerBytes("shared"));
    Digest mine = Digest.of(Fixture.layerBytes("mine"));
    assertTrue(collected.blobs().containsAll(List.of(shared, mine)));
    assertTrue(collected.chainIds().contains(shared));

    f.db.recordImage(f.image("second:1", "shared"));
    GcResult deleted = ImageGc.delete(f.db, f.store, f.snapshots, collected);

    assertFalse(deleted.blobs().contains(shared));
    assertFalse(deleted.chainIds().contains(shared));
    assertTrue(deleted.blobs().contains(mine));
    assertTrue(f.blobFileExists(shared));
    assertTrue(f.snapshotExists(shared));
    assertFalse(f.blobFileExists(mine));
  }

  @Test
  void leftoversOfInterruptedRemovalsAndUnpacksAreSwept() throws Exception {
    Digest chain = Digest.of("x".getBytes(StandardCharsets.UTF_8));
    Path algorithmDir = f.snapshots.path(chain).getParent();
    Path removing = Files.createDirectories(algorithmDir.resolve("." + chain.hex() + ".removing-1a2b3c4d/etc"));
    Path unpacking = Files.createDirectories(algorithmDir.resolve("." + chain.hex() + ".unpacking-0badf00d/usr"));
    Path lock = Files.createFile(algorithmDir.resolve("." + chain.hex() + ".lock"));
    Path foreign = Files.createDirectories(f.snapshots.root().resolve("notes"));

    ImageGc.sweep(f.db, f.store, f.snapshots, HOUR);
    assertFalse(Files.exists(removing.getParent()), "a removal's leftover is garbage at any age");
    assertTrue(Files.exists(unpacking), "an unpack may still be running");

    ImageGc.sweep(f.db, f.store, f.snapshots, Duration.ZERO);
    assertFalse(Files.exists(unpacking.getParent()));
    assertTrue(Files.exists(lock), "lock files belong to the snapshotter");
    assertTrue(Files.exists(foreign), "a directory that is not an algorithm's is left alone");
  }

  @Test
  void removingASnapshotNeverFollowsASymlinkOutOfIt() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("host/etc"));
    Path precious = Files.writeString(outside.resolve("passwd"), "root:x:0:0");
    ImageRecord image = f.image("evil:1", "base");
    Path snapshot = f.snapshots.path(Digest.parse(image.chainIds().get(0)));
    Files.createSymbolicLink(snapshot.resolve("hostetc"), outside);
    Files.createSymbolicLink(snapshot.resolve("passwd"), precious);
    f.db.recordImage(image);

    f.db.removeImage(image.id(), false);
    GcResult gc = ImageGc.run(f.db, f.store, f.snapshots, Duration.ZERO);

    assertEquals(List.of(), gc.failures());
    assertFalse(Files.exists(snapshot, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertEquals("root:x:0:0", Files.readString(precious));
  }

  @Test
  void theDatabaseRefusesToForgetABlobThatIsStillReferenced() throws Exception {
    ImageRecord image = f.image("busybox", "base");
    f.db.recordImage(image);
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + f.dbFile());
        var s = c.createStatement()) {
      s.execute("PRAGMA foreign_keys = ON");
      assertThrows(java.sql.SQLException.class,
          () -> s.execute("DELETE FROM blobs WHERE digest = '" + image.layerDigests().get(0) + "'"));
    }
    assertTrue(f.db.isKnownBlob(Digest.parse(image.layerDigests().get(0))));
  }

  /** Every directory under the snapshot root's algorithm directories, leftovers included. */
  private List<String> snapshotDirs() throws Exception {
    List<String> dirs = new ArrayList<>();
    try (Stream<Path> algorithms = Files.list(f.snapshots.root())) {
      for (Path alg : algorithms.toList()) {
        try (Stream<Path> entries = Files.list(alg)) {
          entries.filter(Files::isDirectory).forEach(p -> dirs.add(f.snapshots.root().relativize(p).toString()));
        }
      }
    }
    return dirs;
  }
}
