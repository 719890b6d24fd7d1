package io.berth.image.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntryPathTest {
  @Test
  void namesAreReducedBelowTheRoot() {
    assertEquals(List.of("etc", "passwd"), EntryPath.parse("/etc/passwd").parts());
    assertEquals(List.of("etc", "passwd"), EntryPath.parse("./etc//./passwd").parts());
    assertEquals(List.of("b"), EntryPath.parse("a/../b").parts());
    assertEquals(List.of("usr", "lib"), EntryPath.parse("usr/lib/").parts());
    assertTrue(EntryPath.parse("./").isRoot());
    assertTrue(EntryPath.parse("/").isRoot());
    assertTrue(EntryPath.parse("a/..").isRoot());
  }

  @Test
  void climbingAboveTheRootIsRefused() {
    for (String bad : List.of("..", "../x", "/../x", "a/../../x", "./a/b/../../../etc")) {
      LayerException e = assertThrows(LayerException.class, () -> EntryPath.parse(bad));
      assertEquals("layer entry \"" + bad + "\" escapes the layer root: refused", e.getMessage());
    }
  }

  @Test
  void nulAndOverlongNamesAreRefused() {
    assertThrows(LayerException.class, () -> EntryPath.parse("a\0b"));
    assertThrows(LayerException.class, () -> EntryPath.parse("a/".repeat(3000)));
  }

  @Test
  void rawBytesAreShownAsUtf8() {
    String raw = new String("é".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.charset.StandardCharsets.ISO_8859_1);
    assertEquals("é", EntryPath.parse(raw).toString());
  }
}
