package io.berth.image.layer;

import io.berth.image.spec.Compression;

import static io.berth.image.layer.Disk.assertMode;
import static io.berth.image.layer.Disk.assertXattr;
import static io.berth.image.layer.Disk.stat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacking real archives as root and checking what lands on disk. */
class LayerUnpackerTest {
  @TempDir Path work;

  @BeforeAll
  static void asRoot() {
    assertTrue(Syscalls.geteuid() == 0, "layer tests need root (ownership, devices, trusted xattrs)");
  }

  private Path unpack(byte[] tar) {
    Path target = work.resolve("layer");
    new LayerUnpacker().unpack(new ByteArrayInputStream(tar), Compression.NONE, target);
    return target;
  }

  @Test
  void regularFilesKeepContentModeOwnerAndMtime() {
    Path l = unpack(Tars.pax()
        .file("bin/su", "setuid", 04755, e -> e.setIds(0, 0))
        .file("bin/wall", "setgid", 02755, e -> e.setIds(0, 5))
        .file("home/u/notes", "hello\n", 0640, e -> {
          e.setIds(1000, 2000);
          e.setModTime(java.nio.file.attribute.FileTime.fromMillis(1_234_567_890_000L));
        })
        .dir("tmp", 01777)
        .tar());
    assertEquals("setuid", Disk.read(l.resolve("bin/su")));
    assertMode(04755, l.resolve("bin/su"));
    assertMode(02755, l.resolve("bin/wall"));
    assertEquals(5, stat(l.resolve("bin/wall")).gid());
    Syscalls.Stat notes = stat(l.resolve("home/u/notes"));
    assertEquals("hello\n", Disk.read(l.resolve("home/u/notes")));
    assertEquals(0640, notes.mode() & 07777);
    assertEquals(Syscalls.S_IFREG, notes.type());
    assertEquals(1000, notes.uid());
    assertEquals(2000, notes.gid());
    assertEquals(1_234_567_890L, notes.mtimeSec());
    assertMode(01777, l.resolve("tmp"));
  }

  @Test
  void subSecondMtimeFromPaxIsKept() {
    Path l = unpack(Tars.pax()
        .file("f", "x", 0644, e -> e.addPaxHeader("mtime", "1600000000.1234567"))
        .tar());
    Syscalls.Stat st = stat(l.resolve("f"));
    assertEquals(1_600_000_000L, st.mtimeSec());
    assertEquals(123_456_700, st.mtimeNanos());
  }

  @Test
  void directoriesGetTheirMtimeAfterTheirContentsAndImpliedParentsExist() {
    Path l = unpack(Tars.pax()
        .dir("d", 0750, e -> e.setIds(7, 8))
        .file("d/f", "x")
        .dir("d/sub", 0700)
        .file("d/sub/g", "y")
        .file("implied/a/b", "z")
        .tar());
    Syscalls.Stat d = stat(l.resolve("d"));
    assertEquals(Tars.MTIME, d.mtimeSec(), "mtime set after d/f and d/sub were created in it");
    assertEquals(0750, d.mode() & 07777);
    assertEquals(7, d.uid());
    assertEquals(8, d.gid());
    assertEquals(Tars.MTIME, stat(l.resolve("d/sub")).mtimeSec());
    assertMode(0755, l.resolve("implied"));
    assertMode(0755, l.resolve("implied/a"));
    assertMode(0755, l);
  }

  @Test
  void rootEntryAppliesToTheLayerDirectory() {
    Path l = unpack(Tars.pax().dir("./", 0750, e -> e.setIds(0, 3)).file("./f", "x").tar());
    assertMode(0750, l);
    assertEquals(3, stat(l).gid());
    assertEquals(Tars.MTIME, stat(l).mtimeSec());
  }

  @Test
  void symlinksAreStoredAsWrittenNeverFollowed() throws Exception {
    Path l = unpack(Tars.pax()
        .symlink("etc/alternatives/pager", "/bin/less")
        .symlink("rel", "../../up")
        .tar());
    assertEquals("/bin/less", Files.readSymbolicLink(l.resolve("etc/alternatives/pager")).toString());
    assertEquals("../../up", Files.readSymbolicLink(l.resolve("rel")).toString());
    assertEquals(Syscalls.S_IFLNK, stat(l.resolve("rel")).type());
    assertEquals(Tars.MTIME, stat(l.resolve("rel")).mtimeSec());
  }

  @Test
  void symlinkOwnershipIsSetOnTheLinkItself() {
    Tars t = Tars.pax();
    org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
        new org.apache.commons.compress.archivers.tar.TarArchiveEntry("s", TarConstants.LF_SYMLINK, true);
    e.setLinkName("/etc/passwd");
    e.setIds(1234, 4321);
    e.setModTime(java.nio.file.attribute.FileTime.fromMillis(1_000_000_000L));
    Path l = unpack(t.add(e, new byte[0]).tar());
    Syscalls.Stat st = stat(l.resolve("s"));
    assertEquals(1234, st.uid());
    assertEquals(4321, st.gid());
    assertEquals(1_000_000L, st.mtimeSec());
  }

  @Test
  void hardLinkSharesTheInode() {
    Path l = unpack(Tars.pax()
        .file("usr/bin/perl5.36", "perl", 0755, e -> {})
        .hardlink("usr/bin/perl", "usr/bin/perl5.36")
        .hardlink("/usr/bin/perl-abs", "/usr/bin/perl5.36")
        .tar());
    Syscalls.Stat a = stat(l.resolve("usr/bin/perl5.36"));
    Syscalls.Stat b = stat(l.resolve("usr/bin/perl"));
    assertEquals(a.ino(), b.ino());
    assertEquals(a.ino(), stat(l.resolve("usr/bin/perl-abs")).ino());
    assertEquals(3, b.nlink());
  }

  @Test
  void aFileArchivedTwiceIsALinkToItself() {
    // What GNU tar writes for "tar -cf x.tar f f": the second member is a hard link named f to f.
    Path l = unpack(Tars.pax().file("f", "once").hardlink("f", "f").tar());
    assertEquals("once", Disk.read(l.resolve("f")));
    assertEquals(1, stat(l.resolve("f")).nlink());
  }

  @Test
  void userXattrsOnSymlinksAreDroppedAsLinuxCannotHoldThem() {
    Tars t = Tars.pax();
    org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
        new org.apache.commons.compress.archivers.tar.TarArchiveEntry("s", TarConstants.LF_SYMLINK, true);
    e.setLinkName("target");
    e.addPaxHeader("SCHILY.xattr.user.from-macos", "x");
    Path l = unpack(t.add(e, new byte[0]).tar());
    assertEquals(Syscalls.S_IFLNK, stat(l.resolve("s")).type());
  }

  @Test
  void devicesAndFifosAreMade() {
    Path l = unpack(Tars.pax()
        .device("dev/null", TarConstants.LF_CHR, 1, 3, 0666)
        .device("dev/loop0", TarConstants.LF_BLK, 7, 0, 0660)
        .device("dev/big", TarConstants.LF_CHR, 300, 70000, 0600)
        .device("run/fifo", TarConstants.LF_FIFO, 0, 0, 0620)
        .tar());
    Syscalls.Stat nul = stat(l.resolve("dev/null"));
    assertEquals(Syscalls.S_IFCHR, nul.type());
    assertEquals(1, nul.rdevMajor());
    assertEquals(3, nul.rdevMinor());
    assertEquals(0666, nul.mode() & 07777);
    Syscalls.Stat loop = stat(l.resolve("dev/loop0"));
    assertEquals(Syscalls.S_IFBLK, loop.type());
    assertEquals(7, loop.rdevMajor());
    Syscalls.Stat big = stat(l.resolve("dev/big"));
    assertEquals(300, big.rdevMajor(), "major above 255 survives makedev");
    assertEquals(70000, big.rdevMinor(), "minor above 255 survives makedev");
    Syscalls.Stat fifo = stat(l.resolve("run/fifo"));
    assertEquals(Syscalls.S_IFIFO, fifo.type());
    assertEquals(0620, fifo.mode() & 07777);
  }

  @Test
  void xattrsFromPaxHeadersIncludingBinaryValues() {
    // security.capability v2 for cap_setuid (bit 7) and cap_net_raw (bit 13): byte 0x80 is not
    // valid UTF-8 alone, so a reader that decodes PAX values as text would corrupt it.
    byte[] caps = {0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] binary = {0, (byte) 0xff, (byte) 0x80, 10, 61};
    Path l = unpack(Tars.pax()
        .file("f", "x", 0755, e -> e.addPaxHeader("SCHILY.xattr.user.comment", "hello"))
        .paxRecord("SCHILY.xattr.security.capability", caps)
        .file("bin/ping", "ping", 0755, e -> {})
        .paxRecord("SCHILY.xattr.user.bin", binary)
        .file("bin/other", "", 0644, e -> {})
        .dir("d", 0755, e -> e.addPaxHeader("SCHILY.xattr.user.dir", "yes"))
        .dir("o", 0755, e -> e.addPaxHeader("SCHILY.xattr.trusted.overlay.opaque", "y"))
        .file("lib", "", 0644, e -> e.addPaxHeader(
            "LIBARCHIVE.xattr.user.with%20space", Base64.getEncoder().encodeToString("v".getBytes())))
        .tar());
    assertXattr("hello", l.resolve("f"), "user.comment");
    assertArrayEquals(caps, Disk.xattr(l.resolve("bin/ping"), "security.capability"));
    assertArrayEquals(binary, Disk.xattr(l.resolve("bin/other"), "user.bin"));
    assertXattr("yes", l.resolve("d"), "user.dir");
    assertNull(Disk.xattr(l.resolve("o"), "trusted.overlay.opaque"), "overlayfs xattrs are not layer content");
    assertXattr("v", l.resolve("lib"), "user.with space");
  }

  @Test
  void xattrOnSymlinkIsSetOnTheLinkNotItsTarget() throws Exception {
    Path outside = Files.createDirectory(work.resolve("outside"));
    Files.writeString(outside.resolve("t"), "t");
    Tars t = Tars.pax();
    org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
        new org.apache.commons.compress.archivers.tar.TarArchiveEntry("s", TarConstants.LF_SYMLINK, true);
    e.setLinkName(outside.resolve("t").toString());
    e.addPaxHeader("SCHILY.xattr.trusted.mark", "link");
    Path l = unpack(t.add(e, new byte[0]).tar());
    assertXattr("link", l.resolve("s"), "trusted.mark");
    assertNull(Disk.xattr(outside.resolve("t"), "trusted.mark"));
  }

  @Test
  void longNamesInPaxAndGnuForm() throws Exception {
    String dir = "a".repeat(60) + "/" + "b".repeat(60) + "/" + "c".repeat(60);
    String file = dir + "/" + "f".repeat(150);
    String target = "/" + "t".repeat(200);
    for (Tars t : List.of(Tars.pax(), Tars.gnu())) {
      Path l = work.resolve("l" + System.nanoTime());
      byte[] tar = t.file(file, "long", 0644, e -> {}).symlink(dir + "/link", target)
          .hardlink(dir + "/hard-" + "h".repeat(120), file).tar();
      new LayerUnpacker().unpack(new ByteArrayInputStream(tar), Compression.NONE, l);
      assertEquals("long", Disk.read(l.resolve(file)));
      assertEquals(target, Files.readSymbolicLink(l.resolve(dir + "/link")).toString());
      assertEquals(stat(l.resolve(file)).ino(), stat(l.resolve(dir + "/hard-" + "h".repeat(120))).ino());
    }
  }

  @Test
  void largeIdsInBase256AndPax() {
    Path l = unpack(Tars.pax()
        .file("big", "x", 0644, e -> e.setIds(3_000_000, 2_500_000))
        .tar());
    assertEquals(3_000_000, stat(l.resolve("big")).uid());
    assertEquals(2_500_000, stat(l.resolve("big")).gid());
  }

  @Test
  void whiteoutBecomesACharacterDevice00AndTheMarkerIsNotCreated() {
    Path l = unpack(Tars.pax()
        .file(".wh.gone", "")
        .dir("etc", 0755)
        .file("etc/.wh.my-app-config", "")
        .file("etc/new", "n")
        .tar());
    Syscalls.Stat gone = stat(l.resolve("gone"));
    assertTrue(gone.isWhiteout(), "a 0/0 character device");
    assertEquals(Syscalls.S_IFCHR, gone.type());
    assertTrue(stat(l.resolve("etc/my-app-config")).isWhiteout());
    assertFalse(Disk.exists(l.resolve(".wh.gone")));
    assertFalse(Disk.exists(l.resolve("etc/.wh.my-app-config")));
  }

  @Test
  void opaqueMarkerSetsTheOverlayXattr() {
    Path l = unpack(Tars.pax()
        .dir("a", 0755)
        .dir("a/b", 0755)
        .file("a/b/foo", "f")
        .file("a/.wh..wh..opq", "") // after its siblings: the spec says order does not matter
        .file("implied/.wh..wh..opq", "")
        .tar());
    assertXattr("y", l.resolve("a"), "trusted.overlay.opaque");
    assertXattr("y", l.resolve("implied"), "trusted.overlay.opaque");
    assertNull(Disk.xattr(l.resolve("a/b"), "trusted.overlay.opaque"));
    assertEquals("f", Disk.read(l.resolve("a/b/foo")));
    assertFalse(Disk.exists(l.resolve("a/.wh..wh..opq")));
  }

  @Test
  void whiteoutsOnlyHideLowerLayersNotThisOne() {
    Path l = unpack(Tars.pax()
        .file("f", "kept")
        .file(".wh.f", "") // f of this layer stays, and already hides any lower f
        .dir("d", 0755)
        .file("d/x", "x")
        .file(".wh.d", "") // d of this layer stays; the lower d's contents must not show
        .file(".wh.e", "")
        .dir("e", 0755) // deleted then recreated: opaque
        .file(".wh.g", "")
        .file("g", "new g")
        .tar());
    assertEquals("kept", Disk.read(l.resolve("f")));
    assertEquals("x", Disk.read(l.resolve("d/x")));
    assertXattr("y", l.resolve("d"), "trusted.overlay.opaque");
    assertTrue(stat(l.resolve("e")).isDirectory());
    assertXattr("y", l.resolve("e"), "trusted.overlay.opaque");
    assertEquals(Syscalls.S_IFREG, stat(l.resolve("g")).type());
    assertEquals("new g", Disk.read(l.resolve("g")));
  }

  @Test
  void aufsMetadataIsSkipped() {
    Path l = unpack(Tars.pax()
        .dir(".wh..wh.plnk", 0700)
        .file(".wh..wh.plnk/123.456", "x")
        .file(".wh..wh.aufs", "")
        .file("kept", "k")
        .tar());
    assertEquals(List.of("", "kept"), Disk.listing(l));
  }

  @Test
  void laterDuplicatesReplaceEarlierOnes() throws Exception {
    Path l = unpack(Tars.pax()
        .file("a", "one")
        .file("a", "two")
        .dir("d", 0700)
        .file("d/inner", "i")
        .file("d", "now a file")
        .file("x", "was a file")
        .dir("x", 0755)
        .file("x/y", "y")
        .dir("z", 0700, e -> e.setModTime(java.nio.file.attribute.FileTime.fromMillis(1000_000L)))
        .file("z/child", "c")
        .dir("z", 0751)
        .symlink("s", "a")
        .file("s", "regular now")
        .file("t", "was a file")
        .symlink("t", "a")
        .tar());
    assertEquals("two", Disk.read(l.resolve("a")));
    assertEquals("now a file", Disk.read(l.resolve("d")));
    assertTrue(stat(l.resolve("x")).isDirectory());
    assertEquals("y", Disk.read(l.resolve("x/y")));
    assertMode(0751, l.resolve("z"));
    assertEquals(Tars.MTIME, stat(l.resolve("z")).mtimeSec(), "the later entry's attributes win");
    assertEquals("c", Disk.read(l.resolve("z/child")), "a directory replaced by a directory keeps its contents");
    assertEquals(Syscalls.S_IFREG, stat(l.resolve("s")).type());
    assertEquals("a", Files.readSymbolicLink(l.resolve("t")).toString());
    assertEquals("two", Disk.read(l.resolve("a")), "writing over the symlink s did not follow it");
  }

  @Test
  void diffIdIsTheSha256OfTheUncompressedTar() {
    byte[] tar = Tars.pax().dir("d", 0755).file("d/f", "content".repeat(1000)).file(".wh.x", "").tar();
    String expected = Tars.sha256(tar);
    int i = 0;
    for (byte[] blob : List.of(tar, Tars.gzip(tar), Tars.zstd(tar))) {
      Compression c = Compression.values()[i++];
      UnpackResult r = new LayerUnpacker()
          .unpack(new ByteArrayInputStream(blob), c, work.resolve("l" + c));
      assertEquals(expected, r.diffId(), c.name());
      assertEquals(tar.length, r.size(), c.name());
      assertEquals(3, r.entries(), c.name());
    }
  }

  @Test
  void aLayerWithAnotherDiffIdThanExpectedIsNeverPublished() {
    byte[] tar = Tars.pax().file("f", "x").tar();
    String wrong = "sha256:" + "0".repeat(64);
    LayerException e = assertThrows(LayerException.class, () -> new LayerUnpacker()
        .unpack(new ByteArrayInputStream(tar), Compression.NONE, work.resolve("l"), wrong));
    assertEquals("layer for " + work.resolve("l") + " has diffId " + Tars.sha256(tar)
        + " but the image expects " + wrong + ": refused", e.getMessage());
    assertEquals(List.of(""), Disk.listing(work));
    new LayerUnpacker().unpack(new ByteArrayInputStream(tar), Compression.NONE, work.resolve("l"), Tars.sha256(tar));
    assertEquals("x", Disk.read(work.resolve("l/f")));
  }

  @Test
  void diffIdCoversBytesAfterTheEndOfArchive() {
    byte[] tar = Tars.pax().file("f", "x").tar();
    byte[] padded = java.util.Arrays.copyOf(tar, tar.length + 10240); // as tar's record padding
    UnpackResult r = new LayerUnpacker()
        .unpack(new ByteArrayInputStream(padded), Compression.NONE, work.resolve("l"));
    assertEquals(Tars.sha256(padded), r.diffId());
    assertEquals(padded.length, r.size());
  }

  @Test
  void compressionIsDetectedFromTheFirstBytes() {
    byte[] tar = Tars.pax().file("f", "detected").tar();
    assertEquals(Compression.GZIP, Compression.detect(Tars.gzip(tar)));
    assertEquals(Compression.ZSTD, Compression.detect(Tars.zstd(tar)));
    assertEquals(Compression.NONE, Compression.detect(tar));
    assertEquals(Compression.NONE, Compression.detect(new byte[0]));
    assertEquals(Compression.NONE, Compression.detect(new byte[] {0x1f}));
    int i = 0;
    for (byte[] blob : List.of(tar, Tars.gzip(tar), Tars.zstd(tar))) {
      Path l = work.resolve("auto" + i++);
      UnpackResult r = new LayerUnpacker().unpack(new ByteArrayInputStream(blob), l);
      assertEquals("detected", Disk.read(l.resolve("f")));
      assertEquals(Tars.sha256(tar), r.diffId());
    }
  }

  @Test
  void multiMemberGzipIsOneStream() {
    byte[] tar = Tars.pax().file("f", "x".repeat(5000)).tar();
    int half = 1024;
    byte[] a = Tars.gzip(java.util.Arrays.copyOfRange(tar, 0, half));
    byte[] b = Tars.gzip(java.util.Arrays.copyOfRange(tar, half, tar.length));
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    UnpackResult r = new LayerUnpacker()
        .unpack(new ByteArrayInputStream(both), Compression.GZIP, work.resolve("l"));
    assertEquals(Tars.sha256(tar), r.diffId());
    assertEquals("x".repeat(5000), Disk.read(work.resolve("l/f")));
  }

  @Test
  void successLeavesOnlyTheTarget() {
    unpack(Tars.pax().file("f", "x").tar());
    assertEquals(List.of("", "layer", "layer/f"), Disk.listing(work));
  }

  @Test
  void anExistingTargetIsRefusedAndLeftAlone() throws Exception {
    Path target = Files.createDirectory(work.resolve("layer"));
    Files.writeString(target.resolve("mine"), "mine");
    LayerException e = assertThrows(LayerException.class, () -> new LayerUnpacker()
        .unpack(new ByteArrayInputStream(Tars.pax().file("f", "x").tar()), Compression.NONE, target));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals(List.of("", "layer", "layer/mine"), Disk.listing(work));
  }

  @Test
  void unprivilegedSkipsOwnershipAndDevices() {
    Path l = work.resolve("l");
    new LayerUnpacker(new LayerUnpacker.Options(false, false)).unpack(new ByteArrayInputStream(Tars.pax()
        .file("f", "x", 0644, e -> e.setIds(1000, 1000))
        .device("null", TarConstants.LF_CHR, 1, 3, 0666)
        .device("fifo", TarConstants.LF_FIFO, 0, 0, 0600)
        .tar()), Compression.NONE, l);
    assertEquals(0, stat(l.resolve("f")).uid());
    assertFalse(Disk.exists(l.resolve("null")));
    assertEquals(Syscalls.S_IFIFO, stat(l.resolve("fifo")).type());
  }

  @Test
  void entriesOfUnknownTypeAreRefused() {
    org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
        new org.apache.commons.compress.archivers.tar.TarArchiveEntry("vol", (byte) 'V', true);
    byte[] tar = Tars.pax().add(e, new byte[0]).tar();
    LayerException x = assertThrows(LayerException.class, () -> unpack(tar));
    assertEquals("layer entry \"vol\" has unsupported tar type 'V': refused", x.getMessage());
    assertEquals(List.of(""), Disk.listing(work));
  }

  @Test
  void nonUtf8NamesReachTheDiskByteForByte() {
    // "caf\xe9" in Latin-1: not UTF-8, as in some old packages' test data.
    byte[] name = {'c', 'a', 'f', (byte) 0xe9};
    Path l = unpack(Tars.pax().paxRecord("path", name).file("placeholder", "latin").tar());
    String raw = new String(name, StandardCharsets.ISO_8859_1);
    Syscalls.Stat st = Syscalls.lstatat(Syscalls.AT_FDCWD, l + "/" + raw);
    assertTrue(st != null && st.type() == Syscalls.S_IFREG, "file named with the raw bytes");
  }
}
