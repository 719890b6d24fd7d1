package io.berth.image.layer;

import io.berth.image.spec.Compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Truncated and corrupt layers: refused, with nothing of them left. */
class CorruptLayerTest {
  @TempDir Path work;
  private Path target;
  private byte[] tar;

  @BeforeAll
  static void asRoot() {
    assertTrue(Syscalls.geteuid() == 0, "layer tests need root");
  }

  @BeforeEach
  void setUp() throws Exception {
    target = work.resolve("l");
    byte[] noise = new byte[200_000];
    new Random(42).nextBytes(noise); // incompressible, so truncating the blob truncates the data
    Tars t = Tars.pax().dir("d", 0755).file("d/small", "s");
    t.add(new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d/noise"), noise);
    tar = t.file("d/last", "l").tar();
  }

  private void assertCorrupt(byte[] blob, Compression c) {
    LayerException e = assertThrows(LayerException.class,
        () -> new LayerUnpacker().unpack(new ByteArrayInputStream(blob), c, target));
    assertTrue(e.getMessage().startsWith("layer is truncated or corrupt: "), e.getMessage());
    assertEquals(List.of(""), Disk.listing(work), "nothing left");
  }

  @Test
  void truncatedGzipIsRefused() {
    byte[] gz = Tars.gzip(tar);
    assertCorrupt(Tars.truncate(gz, gz.length / 2), Compression.GZIP);
  }

  @Test
  void gzipWithoutItsTrailerIsRefusedAlthoughTheTarIsComplete() {
    byte[] gz = Tars.gzip(tar);
    assertCorrupt(Tars.truncate(gz, gz.length - 8), Compression.GZIP);
  }

  @Test
  void gzipWithABadCrcIsRefused() {
    byte[] gz = Tars.gzip(tar);
    gz[gz.length - 6] ^= 1;
    assertCorrupt(gz, Compression.GZIP);
  }

  @Test
  void truncatedZstdIsRefused() {
    byte[] z = Tars.zstd(tar);
    assertCorrupt(Tars.truncate(z, z.length / 2), Compression.ZSTD);
    assertCorrupt(Tars.truncate(z, z.length - 3), Compression.ZSTD);
  }

  @Test
  void truncatedTarIsRefused() {
    assertCorrupt(Tars.truncate(tar, 100_000), Compression.NONE); // inside d/noise
    assertCorrupt(Tars.truncate(tar, 700), Compression.NONE); // inside a header
  }

  @Test
  void badHeaderChecksumIsRefused() {
    byte[] bad = tar.clone();
    bad[512 + 5] ^= 0x20; // the name of the second header
    assertCorrupt(bad, Compression.NONE);
  }

  @Test
  void gzipDeclaredForAPlainTarIsRefused() {
    assertCorrupt(tar, Compression.GZIP);
  }

  @Test
  void aCompressedLayerDeclaredPlainIsRefused() {
    assertCorrupt(Tars.gzip(tar), Compression.NONE);
  }

  @Test
  void garbageIsRefused() {
    byte[] garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    assertCorrupt(garbage, Compression.NONE);
  }

  @Test
  void anEndBlockFollowedByMoreHeadersIsRefused() {
    byte[] two = Tars.pax().file("a", "a").tar();
    byte[] joined = new byte[1024 + 512 + two.length];
    System.arraycopy(two, 0, joined, 0, 1024); // header and data of "a"
    // then one zero block, then a header: not an end-of-archive marker
    System.arraycopy(two, 0, joined, 1536, two.length);
    assertCorrupt(joined, Compression.NONE);
  }

  @Test
  void anOversizedExtendedHeaderIsRefusedBeforeItIsRead() throws Exception {
    org.apache.commons.compress.archivers.tar.TarArchiveEntry pax =
        new org.apache.commons.compress.archivers.tar.TarArchiveEntry(
            "PaxHeaders/x", org.apache.commons.compress.archivers.tar.TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    byte[] header = new byte[512];
    pax.setSize(8_000_000_000L);
    pax.writeEntryHeader(header);
    assertCorrupt(header, Compression.NONE);
  }

  @Test
  void anEmptyStreamIsAnEmptyLayer() throws Exception {
    // Go's archive/tar and GNU tar accept a missing end-of-archive marker; so does Berth.
    UnpackResult r = new LayerUnpacker().unpack(new ByteArrayInputStream(new byte[0]), Compression.NONE, target);
    assertEquals(0, r.entries());
    assertTrue(Files.isDirectory(target));
  }
}
