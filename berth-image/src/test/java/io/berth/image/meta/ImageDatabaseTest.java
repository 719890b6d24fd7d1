package io.berth.image.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDatabaseTest {
  static final String BUSYBOX = "docker.io/library/busybox:latest";
  static final String ALPINE = "docker.io/library/alpine:3";

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
  void recordsAnImageAndReadsItBack() throws Exception {
    ImageRecord busybox = f.image("busybox", "base", "top");
    f.db.recordImage(busybox);

    ImageRecord read = f.db.resolve(BUSYBOX).orElseThrow();
    assertEquals(busybox, read);
    assertEquals(List.of(BUSYBOX), read.names());
    assertEquals("amd64", read.architecture());
    assertEquals("linux", read.os());
    assertEquals(Instant.parse("2024-05-01T10:00:00Z"), read.created());
    long expectedSize = Files.size(f.store.path(Digest.parse(read.id())))
        + Fixture.layerBytes("base").length + Fixture.layerBytes("top").length;
    assertEquals(expectedSize, read.size());
    assertEquals(2, read.chainIds().size());
    assertEquals(Digest.of(Fixture.layerBytes("base")).toString(), read.chainIds().get(0),
        "the first chain ID is the base layer's diff ID");
  }

  @Test
  void resolvesByIdWithAndWithoutAlgorithmAndByPrefix() throws Exception {
    ImageRecord busybox = f.image("busybox", "base");
    f.db.recordImage(busybox);
    String hex = busybox.id().substring("sha256:".length());

    assertEquals(busybox.id(), f.db.resolve(busybox.id()).orElseThrow().id());
    assertEquals(busybox.id(), f.db.resolve(hex).orElseThrow().id());
    assertEquals(busybox.id(), f.db.resolve(hex.substring(0, 12)).orElseThrow().id());
    assertEquals(busybox.id(), f.db.resolve(hex.substring(0, 4)).orElseThrow().id());
    assertEquals(busybox.id(), f.db.resolve("sha256:" + hex.substring(0, 6)).orElseThrow().id());

    assertEquals(Optional.empty(), f.db.resolve(hex.substring(0, 3)), "3 digits are too few for a prefix");
    assertEquals(Optional.empty(), f.db.resolve("sha512:" + hex.substring(0, 6)), "the algorithm must match");
    assertEquals(Optional.empty(), f.db.resolve(hex.substring(1, 9)), "a prefix, not a substring");
    assertEquals(Optional.empty(), f.db.resolve(hex.toUpperCase()), "IDs are lower-case hex");
    assertEquals(Optional.empty(), f.db.resolve("docker.io/library/busybox:other"));
    assertEquals(Optional.empty(), f.db.resolve("busybox"), "short names are the caller's to normalize");
  }

  @Test
  void aNameThatLooksLikeAnIdPrefixIsANameFirst() throws Exception {
    ImageRecord a = f.image("a", "x");
    ImageRecord b = f.image("b", "y");
    f.db.recordImage(a);
    f.db.recordImage(b);
    String prefixOfA = a.id().substring(7, 11);
    f.db.tag(b.id(), prefixOfA);

    assertEquals(b.id(), f.db.resolve(prefixOfA).orElseThrow().id());
  }

  @Test
  void anAmbiguousPrefixIsAClearError() throws Exception {
    String[] labels = labelsWithCommonIdPrefix();
    ImageRecord one = f.image("one", labels[0], false, "l");
    ImageRecord two = f.image("two", labels[1], false, "l");
    f.db.recordImage(one);
    f.db.recordImage(two);
    String prefix = one.id().substring(7, 11);
    assertEquals(prefix, two.id().substring(7, 11));

    AmbiguousImageException e = assertThrows(AmbiguousImageException.class, () -> f.db.resolve(prefix));
    assertTrue(e.getMessage().startsWith("image ID prefix \"" + prefix + "\" matches 2 images ("), e.getMessage());
    assertTrue(e.getMessage().endsWith("); give more digits"), e.getMessage());
    assertEquals(List.of(one.id(), two.id()).stream().sorted().toList(), e.matches());
    assertEquals(one.id(), f.db.resolve(one.id().substring(7, 30)).orElseThrow().id());
    assertThrows(AmbiguousImageException.class, () -> f.db.removeImage(prefix, false));
    assertEquals(2, f.db.list().size(), "an ambiguous rmi removes nothing");
  }

  /** Two config labels whose image IDs share their first 4 hex digits (found by hashing, ~300 tries). */
  static String[] labelsWithCommonIdPrefix() {
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; ; i++) {
      String label = "label-" + i;
      String prefix = Digest.of(Fixture.config(label, List.of(Digest.of(Fixture.layerBytes("l"))))).hex().substring(0, 4);
      String other = seen.putIfAbsent(prefix, label);
      if (other != null) {
        return new String[] {other, label};
      }
    }
  }

  @Test
  void aNamePointingElsewhereMovesAndTheOldImageKeepsItsOtherNames() throws Exception {
    ImageRecord old = f.image("busybox", "old");
    f.db.recordImage(old);
    f.db.tag(old.id(), "docker.io/library/busybox:1.36");
    ImageRecord fresh = f.image("busybox", "new");
    f.db.recordImage(fresh);

    assertEquals(fresh.id(), f.db.resolve(BUSYBOX).orElseThrow().id());
    assertEquals(List.of("docker.io/library/busybox:1.36"), f.db.resolve(old.id()).orElseThrow().names());
    assertEquals(List.of(), f.db.dangling());
  }

  @Test
  void anImageThatLosesItsOnlyNameBecomesDangling() throws Exception {
    ImageRecord old = f.image("busybox", "old");
    f.db.recordImage(old);
    f.db.recordImage(f.image("busybox", "new"));

    assertEquals(List.of(old.id()), f.db.dangling());
    assertEquals(List.of(), f.db.resolve(old.id()).orElseThrow().names());
  }

  @Test
  void recordingAnImageAgainAddsNamesAndKeepsTheOldOnes() throws Exception {
    ImageRecord busybox = f.image("busybox", "base");
    f.db.recordImage(busybox);
    String byDigest = "docker.io/library/busybox@" + busybox.manifestDigest();
    f.db.recordImage(new ImageRecord(busybox.id(), busybox.manifestDigest(), null, List.of(byDigest),
        busybox.layerDigests(), busybox.chainIds(), "amd64", "linux", null, busybox.size()));

    ImageRecord read = f.db.resolve(byDigest).orElseThrow();
    assertEquals(List.of(BUSYBOX, byDigest), read.names());
    assertEquals(null, read.created(), "the second record replaces the image's fields");
    assertEquals(1, f.db.list().size());
  }

  @Test
  void tagAddsANameAndUntagRemovesIt() throws Exception {
    ImageRecord busybox = f.image("busybox", "base");
    f.db.recordImage(busybox);

    f.db.tag(busybox.id().substring(7, 15), "localhost:5000/mine:v1");
    assertEquals(busybox.id(), f.db.resolve("localhost:5000/mine:v1").orElseThrow().id());
    f.db.tag(BUSYBOX, "localhost:5000/mine:v2");
    assertEquals(List.of(BUSYBOX, "localhost:5000/mine:v1", "localhost:5000/mine:v2"),
        f.db.resolve(busybox.id()).orElseThrow().names());

    f.db.untag(BUSYBOX);
    f.db.untag("localhost:5000/mine:v1");
    assertEquals(Optional.empty(), f.db.resolve(BUSYBOX));
    assertEquals(List.of(), f.db.dangling(), "it still has a name");
    f.db.untag("localhost:5000/mine:v2");
    assertEquals(List.of(busybox.id()), f.db.dangling(), "untagging the last name keeps the image");
    assertTrue(f.db.resolve(busybox.id()).isPresent());
  }

  @Test
  void tagMovesANameFromAnotherImage() throws Exception {
    ImageRecord busybox = f.image("busybox", "b");
    ImageRecord alpine = f.image("alpine:3", "a");
    f.db.recordImage(busybox);
    f.db.recordImage(alpine);

    f.db.tag(ALPINE, BUSYBOX);

    assertEquals(alpine.id(), f.db.resolve(BUSYBOX).orElseThrow().id());
    assertEquals(List.of(busybox.id()), f.db.dangling());
  }

  @Test
  void unknownNamesAreClearErrors() throws Exception {
    f.db.recordImage(f.image("busybox", "base"));

    ImageNotFoundException untag = assertThrows(ImageNotFoundException.class, () -> f.db.untag("foo:bar"));
    assertEquals("image \"foo:bar\" not found; check the name or run 'berth images'", untag.getMessage());
    assertThrows(ImageNotFoundException.class, () -> f.db.tag("foo:bar", "x:y"));
    assertThrows(ImageNotFoundException.class, () -> f.db.removeImage("foo:bar", true));
    assertThrows(ImageNotFoundException.class, () -> f.db.addContainerReference("c1", "foo:bar"));
    assertThrows(IllegalArgumentException.class, () -> f.db.tag(BUSYBOX, "has space"));
    assertThrows(IllegalArgumentException.class, () -> f.db.tag(BUSYBOX, ""));
  }

  @Test
  void listShowsEveryImageWithAllItsNamesNewestFirst() throws Exception {
    ImageRecord busybox = f.image("busybox", "b");
    ImageRecord alpine = f.image("alpine:3", "a");
    f.db.recordImage(busybox);
    f.db.recordImage(alpine);
    f.db.tag(ALPINE, "localhost/alpine:mine");
    ImageRecord debian = withCreated(f.image("debian:12", "d"), Instant.parse("2025-01-01T00:00:00Z"));
    ImageRecord undated = withCreated(f.image("undated:1", "u"), null);
    f.db.recordImage(debian);
    f.db.recordImage(undated);

    List<ImageRecord> images = f.db.list();
    List<String> sameDay = List.of(alpine.id(), busybox.id()).stream().sorted().toList();
    assertEquals(List.of(debian.id(), sameDay.get(0), sameDay.get(1), undated.id()),
        images.stream().map(ImageRecord::id).toList(), "newest first, ties by ID, undated last");
    ImageRecord listedAlpine = images.stream().filter(i -> i.id().equals(alpine.id())).findFirst().orElseThrow();
    assertEquals(List.of(ALPINE, "localhost/alpine:mine"), listedAlpine.names());
    assertEquals(alpine.layerDigests(), listedAlpine.layerDigests());
    assertEquals(alpine.chainIds(), listedAlpine.chainIds());
  }

  static ImageRecord withCreated(ImageRecord r, Instant created) {
    return new ImageRecord(r.id(), r.manifestDigest(), r.indexDigest(), r.names(), r.layerDigests(), r.chainIds(),
        r.architecture(), r.os(), created, r.size());
  }

  @Test
  void removingAnImageInUseNeedsForce() throws Exception {
    ImageRecord busybox = f.image("busybox", "base");
    f.db.recordImage(busybox);
    String container = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";
    f.db.addContainerReference(container, BUSYBOX);

    ImageInUseException e = assertThrows(ImageInUseException.class, () -> f.db.removeImage(BUSYBOX, false));
    assertEquals("image " + busybox.id().substring(7, 19) + " is used by container 9f8e7d6c5b4a;"
        + " remove the container or use --force", e.getMessage());
    assertEquals(busybox, f.db.resolve(BUSYBOX).orElseThrow(), "a refused rmi changes nothing");

    ImageRecord removed = f.db.removeImage(busybox.id(), true);
    assertEquals(busybox, removed);
    assertEquals(List.of(), f.db.list());
    assertEquals(Optional.empty(), f.db.resolve(BUSYBOX), "its names go with it");
  }

  @Test
  void anImageUsedByTwoContainersSaysSo() throws Exception {
    f.db.recordImage(f.image("busybox", "base"));
    f.db.addContainerReference("aaaa", BUSYBOX);
    f.db.addContainerReference("bbbb", BUSYBOX);

    ImageInUseException e = assertThrows(ImageInUseException.class, () -> f.db.removeImage(BUSYBOX, false));
    assertTrue(e.getMessage().contains("is used by 2 containers (aaaa and others); remove the containers"),
        e.getMessage());
    f.db.removeContainerReference("aaaa");
    f.db.removeContainerReference("bbbb");
    f.db.removeContainerReference("bbbb"); // again, as after a crash: not an error
    f.db.removeImage(BUSYBOX, false);
  }

  @Test
  void danglingLeavesOutImagesThatContainersUse() throws Exception {
    ImageRecord used = f.image("used:1", "u");
    ImageRecord unused = f.image("unused:1", "n");
    f.db.recordImage(used);
    f.db.recordImage(unused);
    f.db.addContainerReference("c1", used.id());
    f.db.untag("docker.io/library/used:1");
    f.db.untag("docker.io/library/unused:1");

    assertEquals(List.of(unused.id()), f.db.dangling());
    f.db.removeContainerReference("c1");
    assertEquals(List.of(used.id(), unused.id()).stream().sorted().toList(), f.db.dangling());
  }

  @Test
  void theDatabasePersistsAcrossReopening() throws Exception {
    ImageRecord busybox = f.image("busybox", "base", "top");
    f.db.recordImage(busybox);
    f.db.addContainerReference("c1", BUSYBOX);
    f.close();

    try (ImageDatabase again = ImageDatabase.open(f.dbFile())) {
      assertEquals(busybox, again.resolve(BUSYBOX).orElseThrow());
      assertThrows(ImageInUseException.class, () -> again.removeImage(BUSYBOX, false));
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.dbFile());
        Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT max(version), count(*) FROM schema_version")) {
        assertTrue(r.next());
        assertEquals(Schema.VERSION, r.getInt(1));
        assertEquals(Schema.VERSION, r.getInt(2), "one row per migration, applied once");
      }
      try (ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
        assertTrue(r.next());
        assertEquals("wal", r.getString(1));
      }
    }
  }

  @Test
  void aDatabaseFromANewerBerthIsRefused() throws Exception {
    f.db.recordImage(f.image("busybox", "base"));
    f.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.dbFile());
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO schema_version (version, applied) VALUES (" + (Schema.VERSION + 1) + ", 'later')");
    }

    ImageDatabaseException e = assertThrows(ImageDatabaseException.class, () -> ImageDatabase.open(f.dbFile()));
    assertTrue(e.getMessage().contains("schema version " + (Schema.VERSION + 1) + " is newer than this Berth knows"),
        e.getMessage());
  }

  @Test
  void aFileThatIsNotADatabaseIsRefused() throws Exception {
    Path garbage = tmp.resolve("garbage.db");
    Files.write(garbage, "this is not an SQLite database, just text that is long enough".repeat(40)
        .getBytes(StandardCharsets.UTF_8));

    ImageDatabaseException e = assertThrows(ImageDatabaseException.class, () -> ImageDatabase.open(garbage));
    assertTrue(e.getMessage().startsWith("image database " + garbage + ": cannot open"), e.getMessage());
  }

  @Test
  void openCreatesTheDirectoryOfANewDatabase() {
    Path nested = tmp.resolve("a/b/images.db");
    try (ImageDatabase db = ImageDatabase.open(nested)) {
      assertEquals(List.of(), db.list());
    }
    assertTrue(Files.isRegularFile(nested));
  }

  @Test
  void aClosedDatabaseSaysSo() {
    f.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.db.list());
    assertTrue(e.getMessage().endsWith("is closed"), e.getMessage());
  }

  @Test
  void malformedRecordsAreRefusedBeforeAnythingIsWritten() throws Exception {
    ImageRecord busybox = f.image("busybox", "base");
    ImageRecord badLayer = new ImageRecord(busybox.id(), busybox.manifestDigest(), null, List.of(BUSYBOX),
        List.of("sha256:nothex"), busybox.chainIds(), "amd64", "linux", null, 1);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.db.recordImage(badLayer));
    assertTrue(e.getMessage().startsWith("layer digest: invalid digest"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ImageRecord(busybox.id(), busybox.manifestDigest(), null,
        List.of(), busybox.layerDigests(), List.of(), null, null, null, 0));
    assertEquals(List.of(), f.db.list());
    assertFalse(f.db.isKnownBlob(Digest.parse(busybox.id())));
  }
}
