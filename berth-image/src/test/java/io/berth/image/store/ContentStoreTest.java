package io.berth.image.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.image.spec.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
  @TempDir Path root;
  ContentStore store;

  @BeforeEach
  void open() throws IOException {
    store = new ContentStore(root);
  }

  @Test
  void putOpenExistsSizeRoundTrip() throws IOException {
    byte[] content = Blobs.random(1, 300_000);
    Digest digest = Blobs.sha256(content);
    assertFalse(store.exists(digest));

    assertEquals(digest, store.put(new ByteArrayInputStream(content), digest, content.length));

    assertTrue(store.exists(digest));
    assertEquals(content.length, store.size(digest));
    try (InputStream in = store.open(digest)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    // The OCI image-layout's place for it, and the marker that makes the root a layout.
    assertEquals(root.resolve("blobs/sha256/" + digest.hex()), store.path(digest));
    assertArrayEquals(content, Files.readAllBytes(root.resolve("blobs/sha256/" + digest.hex())));
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(root.resolve("oci-layout")));
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.path(digest))));
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void writerWithoutExpectedDigestStoresUnderTheComputedOne() throws IOException {
    byte[] content = "no digest known in advance".getBytes(StandardCharsets.UTF_8);
    Digest digest;
    try (ContentStore.Writer writer = store.writer("import-1", null, ContentStore.UNKNOWN_SIZE)) {
      writer.write(content);
      assertEquals(content.length, writer.offset());
      digest = writer.commit();
    }
    assertEquals(Blobs.sha256(content), digest);
    assertTrue(store.exists(digest));
    assertEquals(digest, store.put(new ByteArrayInputStream(content), null, ContentStore.UNKNOWN_SIZE));
  }

  @Test
  void sha512BlobsLiveInTheirOwnDirectory() throws Exception {
    byte[] content = "sha512 content".getBytes(StandardCharsets.UTF_8);
    Digest digest = Digest.parse("sha512:" + java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-512").digest(content)));
    store.put(new ByteArrayInputStream(content), digest, content.length);
    assertTrue(Files.isRegularFile(root.resolve("blobs/sha512/" + digest.hex())));
    assertEquals(List.of(digest), store.list());
    assertTrue(store.fsck().clean());
  }

  @Test
  void digestMismatchLeavesNothing() throws IOException {
    byte[] content = Blobs.random(2, 10_000);
    Digest claimed = Blobs.sha256("something else".getBytes(StandardCharsets.UTF_8));
    ContentStore.Writer writer = store.writer("layer-1", claimed, content.length);
    writer.write(content);
    DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);

    Digest actual = Blobs.sha256(content);
    assertEquals("blob " + claimed + ": expected 10000 bytes with digest " + claimed
        + ", got 10000 bytes with digest " + actual, e.getMessage());
    assertEquals(actual, e.actual());
    assertFalse(store.exists(claimed));
    assertFalse(store.exists(actual));
    assertEquals(List.of(), Blobs.blobFiles(root));
    assertEquals(List.of(), Blobs.ingestFiles(root));
    assertThrows(IOException.class, () -> writer.write(1));
    writer.close();
    // The ref is free again.
    try (ContentStore.Writer again = store.writer("layer-1", actual, content.length)) {
      assertEquals(0, again.offset());
    }
  }

  @Test
  void shortContentIsASizeMismatchAndLeavesNothing() throws IOException {
    byte[] content = Blobs.random(3, 1000);
    Digest digest = Blobs.sha256(content);
    try (ContentStore.Writer writer = store.writer("short", digest, content.length)) {
      writer.write(content, 0, 999);
      DigestMismatchException e = assertThrows(DigestMismatchException.class, writer::commit);
      assertTrue(e.getMessage().startsWith("blob " + digest + ": expected 1000 bytes with digest " + digest
          + ", got 999 bytes with digest sha256:"), e.getMessage());
    }
    assertFalse(store.exists(digest));
    assertEquals(List.of(), Blobs.blobFiles(root));
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void contentPastTheExpectedSizeIsRefusedAtOnce() throws IOException {
    byte[] content = Blobs.random(4, 1000);
    Digest digest = Blobs.sha256(content);
    try (ContentStore.Writer writer = store.writer("long", digest, 999)) {
      writer.write(content, 0, 500);
      DigestMismatchException e =
          assertThrows(DigestMismatchException.class, () -> writer.write(content, 500, 500));
      assertEquals("blob " + digest + ": expected 999 bytes with digest " + digest + ", got more than 999 bytes",
          e.getMessage());
      assertNull(e.actual());
    }
    assertEquals(List.of(), Blobs.blobFiles(root));
    assertEquals(List.of(), Blobs.ingestFiles(root));
    // put reports the same without leaving anything behind
    assertThrows(DigestMismatchException.class,
        () -> store.put(new ByteArrayInputStream(content), digest, 999));
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void committingABlobThatExistsDiscardsTheTemp() throws IOException {
    byte[] content = Blobs.random(5, 5000);
    Digest digest = store.put(new ByteArrayInputStream(content), Blobs.sha256(content), content.length);
    Object inode = Files.readAttributes(store.path(digest), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    try (ContentStore.Writer writer = store.writer("second", digest, content.length)) {
      writer.write(content);
      assertEquals(digest, writer.commit());
    }
    assertEquals(inode, Files.readAttributes(store.path(digest), java.nio.file.attribute.BasicFileAttributes.class).fileKey());
    assertEquals(List.of(), Blobs.ingestFiles(root));
    // put of a present blob does not read the stream
    InputStream unreadable = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("must not be read");
      }
    };
    assertEquals(digest, store.put(unreadable, digest, content.length));
  }

  @Test
  void missingBlobsAreNamedInTheError() {
    Digest digest = Blobs.sha256("absent".getBytes(StandardCharsets.UTF_8));
    NoSuchBlobException e = assertThrows(NoSuchBlobException.class, () -> store.open(digest));
    assertEquals("blob " + digest + " not found in content store " + root.toAbsolutePath(), e.getMessage());
    assertThrows(NoSuchBlobException.class, () -> store.size(digest));
    assertEquals(digest, e.digest());
  }

  @Test
  void listSizesAndDelete() throws IOException {
    byte[] a = Blobs.random(10, 100);
    byte[] b = Blobs.random(11, 200);
    byte[] c = Blobs.random(12, 300);
    for (byte[] content : List.of(a, b, c)) {
      store.put(new ByteArrayInputStream(content), Blobs.sha256(content), content.length);
    }
    Files.writeString(root.resolve("blobs/sha256/not-a-digest"), "stray");
    List<Digest> expected = java.util.stream.Stream.of(a, b, c).map(Blobs::sha256).sorted().toList();
    assertEquals(expected, store.list());
    Map<Digest, Long> sizes = store.sizes();
    assertEquals(100L, sizes.get(Blobs.sha256(a)));
    assertEquals(300L, sizes.get(Blobs.sha256(c)));
    assertEquals(3, sizes.size());

    assertTrue(store.delete(Blobs.sha256(b)));
    assertFalse(store.delete(Blobs.sha256(b)));
    assertFalse(store.exists(Blobs.sha256(b)));
    assertEquals(2, store.list().size());
  }

  @Test
  void fsckFindsAndRemovesAFlippedByte() throws IOException {
    byte[] good = Blobs.random(20, 70_000);
    byte[] bad = Blobs.random(21, 70_000);
    Digest goodDigest = store.put(new ByteArrayInputStream(good), Blobs.sha256(good), good.length);
    Digest badDigest = store.put(new ByteArrayInputStream(bad), Blobs.sha256(bad), bad.length);
    assertEquals(new FsckReport(2, List.of(), List.of()), store.fsck());

    Path file = store.path(badDigest);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.seek(54_321);
      int original = raf.read();
      raf.seek(54_321);
      raf.write(original ^ 0x01);
    }

    FsckReport report = store.fsck();
    assertEquals(2, report.checked());
    assertEquals(List.of(badDigest), report.corrupt());
    assertFalse(report.clean());
    assertFalse(store.exists(badDigest));
    assertTrue(store.exists(goodDigest));
    assertTrue(store.fsck().clean());
  }

  @Test
  void resumeContinuesFromThePartialFile() throws IOException {
    byte[] content = Blobs.random(30, 1_000_000);
    Digest digest = Blobs.sha256(content);
    ContentStore.Writer first = store.writer("layer-sha256:" + digest.hex(), digest, content.length);
    first.write(content, 0, 400_000);
    first.close(); // abandoned: the download dropped

    assertFalse(store.exists(digest));
    assertEquals(List.of("layer-sha256:" + digest.hex()), Blobs.ingestFiles(root));
    assertEquals(400_000, Files.size(root.resolve("ingest/layer-sha256:" + digest.hex())));

    try (ContentStore.Writer second = store.writer("layer-sha256:" + digest.hex(), digest, content.length)) {
      assertEquals(400_000, second.offset());
      second.write(content, 400_000, content.length - 400_000);
      assertEquals(digest, second.commit());
    }
    try (InputStream in = store.open(digest)) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertEquals(List.of(), Blobs.ingestFiles(root));
  }

  @Test
  void aCorruptPartialIsCaughtAtCommitAndDropped() throws IOException {
    byte[] content = Blobs.random(31, 100_000);
    Digest digest = Blobs.sha256(content);
    try (ContentStore.Writer first = store.writer("r", digest, content.length)) {
      first.write(content, 0, 50_000);
    }
    Path partial = root.resolve("ingest/r");
    byte[] onDisk = Files.readAllBytes(partial);
    onDisk[100] ^= 0x40;
    Files.write(partial, onDisk);

    try (ContentStore.Writer second = store.writer("r", digest, content.length)) {
      assertEquals(50_000, second.offset());
      second.write(content, 50_000, 50_000);
      assertThrows(DigestMismatchException.class, second::commit);
    }
    assertFalse(store.exists(digest));
    assertEquals(List.of(), Blobs.ingestFiles(root));
    assertEquals(digest, store.put(new ByteArrayInputStream(content), digest, content.length));
  }

  @Test
  void aPartialLongerThanTheBlobIsStartedOver() throws IOException {
    byte[] content = Blobs.random(32, 1000);
    Digest digest = Blobs.sha256(content);
    try (ContentStore.Writer other = store.writer("reused", null, ContentStore.UNKNOWN_SIZE)) {
      other.write(new byte[5000]);
    }
    try (ContentStore.Writer writer = store.writer("reused", digest, content.length)) {
      assertEquals(0, writer.offset());
      writer.write(content);
      writer.commit();
    }
    assertTrue(store.exists(digest));
  }

  @Test
  void resetStartsOverWhenTheServerIgnoresRange() throws IOException {
    byte[] content = Blobs.random(33, 10_000);
    Digest digest = Blobs.sha256(content);
    try (ContentStore.Writer first = store.writer("r", digest, content.length)) {
      first.write(content, 0, 6000);
    }
    try (ContentStore.Writer second = store.writer("r", digest, content.length)) {
      assertEquals(6000, second.offset());
      second.reset();
      assertEquals(0, second.offset());
      second.write(content); // the full body of a 200 response
      assertEquals(digest, second.commit());
    }
  }

  @Test
  void aWriterNeverCommittedLeavesNoBlob() throws IOException {
    byte[] content = Blobs.random(34, 200_000);
    Digest digest = Blobs.sha256(content);
    ContentStore.Writer writer = store.writer("never", digest, content.length);
    writer.write(content); // every byte, but no commit
    writer.close();
    assertFalse(store.exists(digest));
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), Blobs.blobFiles(root));
  }

  @Test
  void abortRemovesThePartial() throws IOException {
    byte[] content = Blobs.random(35, 1000);
    try (ContentStore.Writer writer = store.writer("aborted", null, ContentStore.UNKNOWN_SIZE)) {
      writer.write(content);
      writer.flush();
      assertEquals(List.of("aborted"), Blobs.ingestFiles(root));
      writer.abort();
      assertThrows(IOException.class, writer::commit);
    }
    assertEquals(List.of(), Blobs.ingestFiles(root));
    assertEquals(List.of(), store.list());
  }

  @Test
  void refsAndAlgorithmsAreChecked() {
    Digest digest = Blobs.sha256(new byte[0]);
    for (String ref : Arrays.asList(null, "", ".lock", "../escape", "a/b", "x".repeat(201), "sp ace", "-dash")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> store.writer(ref, digest, 0));
      assertTrue(e.getMessage().startsWith("invalid ingest ref"), e.getMessage());
    }
    Digest blake3 = Digest.parse("blake3:" + "a".repeat(64));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.writer("b3", blake3, 1));
    assertTrue(e.getMessage().contains("not supported"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.writer("neg", digest, -2));
  }

  @Test
  void cleanIngestRemovesOnlyStaleUnheldPartials() throws IOException {
    for (String ref : List.of("stale", "fresh", "stale-but-held")) {
      try (ContentStore.Writer writer = store.writer(ref, null, ContentStore.UNKNOWN_SIZE)) {
        writer.write(new byte[10]);
      }
    }
    FileTime twoDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
    Files.setLastModifiedTime(root.resolve("ingest/stale"), twoDaysAgo);
    Files.setLastModifiedTime(root.resolve("ingest/stale-but-held"), twoDaysAgo);

    try (ContentStore.Writer held = store.writer("stale-but-held", null, ContentStore.UNKNOWN_SIZE)) {
      assertEquals(List.of("stale"), store.cleanIngest(Duration.ofDays(1)));
      assertEquals(10, held.offset());
    }
    assertEquals(List.of("fresh", "stale-but-held"), Blobs.ingestFiles(root));
    assertTrue(Files.exists(root.resolve("ingest/.lock")));
  }

  @Test
  void aSecondStoreObjectOnTheSameRootSeesTheBlobs() throws IOException {
    byte[] content = Blobs.random(36, 100);
    Digest digest = store.put(new ByteArrayInputStream(content), Blobs.sha256(content), content.length);
    ContentStore again = new ContentStore(root);
    assertTrue(again.exists(digest));
    assertEquals(store.list(), again.list());
  }
}
