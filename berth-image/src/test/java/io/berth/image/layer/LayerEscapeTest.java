package io.berth.image.layer;

import io.berth.image.spec.Compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers: each tries to write outside its directory. Each must be refused with a message
 * naming the entry, leave no trace of itself, and leave the directories around it unchanged.
 */
class LayerEscapeTest {
  @TempDir Path work;
  private Path outside;
  private Path target;
  private List<String> before;

  @BeforeAll
  static void asRoot() {
    assertTrue(Syscalls.geteuid() == 0, "layer tests need root");
  }

  @BeforeEach
  void setUp() throws Exception {
    outside = Files.createDirectory(work.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "secret");
    target = work.resolve("layers").resolve("l1");
    Files.createDirectory(target.getParent());
    before = Disk.listing(work);
  }

  private void assertRefused(byte[] tar, String message) {
    LayerException e = assertThrows(LayerException.class,
        () -> new LayerUnpacker().unpack(new ByteArrayInputStream(tar), Compression.NONE, target));
    assertEquals(message, e.getMessage());
    assertEquals(before, Disk.listing(work), "nothing left and nothing outside touched");
    assertEquals("secret", Disk.read(outside.resolve("secret")));
    assertEquals(1, Disk.stat(outside.resolve("secret")).nlink());
  }

  @Test
  void absolutePathsStayInsideTheLayer() {
    String name = "berth-escape-test-" + System.nanoTime();
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.pax()
        .file("/" + name, "inside")
        .file("/" + outside.resolve("abs"), "inside too")
        .tar()), Compression.NONE, target);
    assertEquals("inside", Disk.read(target.resolve(name)));
    assertFalse(Disk.exists(Path.of("/" + name)));
    assertFalse(Disk.exists(outside.resolve("abs")));
    assertEquals("inside too", Disk.read(target.resolve(outside.toString().substring(1)).resolve("abs")));
  }

  @Test
  void dotDotAboveTheRootIsRefused() {
    assertRefused(Tars.pax().file("ok", "x").file("../x", "escaped").tar(),
        "layer entry \"../x\" escapes the layer root: refused");
  }

  @Test
  void dotDotThroughASubdirectoryIsRefused() {
    assertRefused(Tars.pax().dir("a", 0755).file("a/../../outside/secret", "pwned").tar(),
        "layer entry \"a/../../outside/secret\" escapes the layer root: refused");
  }

  @Test
  void dotDotThatStaysInsideIsFine() {
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.pax()
        .dir("a", 0755).file("a/../b", "b").tar()), Compression.NONE, target);
    assertEquals("b", Disk.read(target.resolve("b")));
  }

  @Test
  void aFileThroughAnAbsoluteSymlinkIsRefused() {
    assertRefused(Tars.pax().symlink("link", outside.toString()).file("link/secret", "pwned").tar(),
        "layer entry \"link/secret\" goes through the symlink \"link\" of the layer: refused");
  }

  @Test
  void aFileThroughARelativeSymlinkIsRefused() {
    assertRefused(Tars.pax().dir("a", 0755).symlink("a/up", "../../../outside")
            .file("a/up/new", "pwned").tar(),
        "layer entry \"a/up/new\" goes through the symlink \"a/up\" of the layer: refused");
  }

  @Test
  void aDirectoryThroughASymlinkIsRefused() {
    assertRefused(Tars.pax().symlink("etc", outside.toString()).dir("etc/cron.d", 0755).tar(),
        "layer entry \"etc/cron.d/\" goes through the symlink \"etc\" of the layer: refused");
  }

  @Test
  void aDirectoryReplacedByASymlinkIsNotFollowedLater() {
    // The parent directory descriptors are cached between entries; the cache must not keep the
    // old directory, nor may the walk follow the new symlink.
    assertRefused(Tars.pax()
            .dir("d", 0755).file("d/f", "f")
            .symlink("d", outside.toString())
            .file("d/g", "pwned").tar(),
        "layer entry \"d/g\" goes through the symlink \"d\" of the layer: refused");
  }

  @Test
  void aWhiteoutThroughASymlinkIsRefused() {
    assertRefused(Tars.pax().symlink("link", outside.toString()).file("link/.wh.secret", "").tar(),
        "layer entry \"link/.wh.secret\" goes through the symlink \"link\" of the layer: refused");
  }

  @Test
  void anOpaqueMarkerThroughASymlinkIsRefused() {
    assertRefused(Tars.pax().symlink("link", outside.toString()).file("link/.wh..wh..opq", "").tar(),
        "layer entry \"link/.wh..wh..opq\" goes through the symlink \"link\" of the layer: refused");
  }

  @Test
  void aFileOverASymlinkReplacesTheSymlink() throws Exception {
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.pax()
        .symlink("s", outside.resolve("secret").toString())
        .file("s", "mine").tar()), Compression.NONE, target);
    assertEquals("mine", Disk.read(target.resolve("s")));
    assertEquals("secret", Disk.read(outside.resolve("secret")));
  }

  @Test
  void aHardLinkToAHostFileIsRefused() {
    Syscalls.Stat passwd = Disk.stat(Path.of("/etc/passwd"));
    assertRefused(Tars.pax().hardlink("passwd", "/etc/passwd").tar(),
        "layer entry \"passwd\" is a hard link to \"/etc/passwd\", which is not in the layer: refused");
    assertEquals(passwd.nlink(), Disk.stat(Path.of("/etc/passwd")).nlink());
  }

  @Test
  void aHardLinkAboveTheRootIsRefused() {
    assertRefused(Tars.pax().hardlink("h", "../outside/secret").tar(),
        "layer entry \"h\" is a hard link to \"../outside/secret\", outside the layer: refused");
  }

  @Test
  void aHardLinkThroughASymlinkIsRefused() {
    assertRefused(Tars.pax().symlink("link", outside.toString()).hardlink("h", "link/secret").tar(),
        "layer entry \"h\" (a hard link to \"link/secret\") goes through the symlink \"link\" of the layer: refused");
  }

  @Test
  void aHardLinkToASymlinkLinksTheSymlinkItself() throws Exception {
    new LayerUnpacker().unpack(new ByteArrayInputStream(Tars.pax()
        .symlink("s", outside.resolve("secret").toString())
        .hardlink("h", "s").tar()), Compression.NONE, target);
    assertEquals(Syscalls.S_IFLNK, Disk.stat(target.resolve("h")).type());
    assertEquals(1, Disk.stat(outside.resolve("secret")).nlink());
  }

  @Test
  void aHardLinkToADirectoryIsRefused() {
    assertRefused(Tars.pax().dir("d", 0755).hardlink("h", "d").tar(),
        "layer entry \"h\" is a hard link to the directory \"d\": refused");
  }

  @Test
  void whiteoutsNamingTheirOwnDirectoryAreRefused() {
    assertRefused(Tars.pax().dir("d", 0755).file("d/.wh..", "").tar(),
        "layer entry \"d/.wh..\" is a whiteout of \".\", which names no sibling: refused");
  }

  @Test
  void aFileInsideAWhiteoutMarkerIsRefused() {
    assertRefused(Tars.pax().file(".wh.d/f", "x").tar(),
        "layer entry \".wh.d/f\" is inside the whiteout marker \".wh.d\": refused");
  }

  @Test
  void aFileBelowARegularFileIsRefused() {
    assertRefused(Tars.pax().file("f", "x").file("f/g", "y").tar(),
        "layer entry \"f/g\" is below \"f\", which is not a directory: refused");
  }

  @Test
  void replacingTheRootIsRefused() {
    assertRefused(Tars.pax().symlink("./", outside.toString()).tar(),
        "layer entry \"./\" would replace the layer root with a symlink: refused");
  }
}
