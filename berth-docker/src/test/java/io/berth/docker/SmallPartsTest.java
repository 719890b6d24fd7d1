package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.engine.ContainerState;
import io.berth.server.HttpException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small pure pieces: times and statuses, detach keys, ps output, paths in a root, file modes, image names. */
class SmallPartsTest {
  @TempDir Path dir;

  @Test
  void durationsInDockersWords() {
    assertEquals("Less than a second", HumanTime.duration(Duration.ofMillis(300)));
    assertEquals("1 second", HumanTime.duration(Duration.ofSeconds(1)));
    assertEquals("59 seconds", HumanTime.duration(Duration.ofSeconds(59)));
    assertEquals("About a minute", HumanTime.duration(Duration.ofSeconds(90)));
    assertEquals("5 minutes", HumanTime.duration(Duration.ofMinutes(5)));
    assertEquals("About an hour", HumanTime.duration(Duration.ofMinutes(70)));
    assertEquals("3 hours", HumanTime.duration(Duration.ofHours(3)));
    assertEquals("3 days", HumanTime.duration(Duration.ofDays(3)));
    assertEquals("3 weeks", HumanTime.duration(Duration.ofDays(21)));
    assertEquals("3 months", HumanTime.duration(Duration.ofDays(95)));
    assertEquals("2 years", HumanTime.duration(Duration.ofDays(800)));
  }

  @Test
  void statusLines() {
    Instant now = Instant.parse("2026-01-01T00:10:00Z");
    ContainerState created = ContainerState.created();
    assertEquals("Created", ContainerViews.status(created, now));
    ContainerState running = created.running(10, 11, "2026-01-01T00:05:00Z");
    assertEquals("Up 5 minutes", ContainerViews.status(running, now));
    assertEquals("Up 5 minutes (Paused)", ContainerViews.status(running.withStatus(ContainerState.PAUSED), now));
    assertEquals("Up 5 minutes (health: starting)",
        ContainerViews.status(running.withHealth(ContainerState.HealthState.starting()), now));
    assertEquals("Exited (3) 2 seconds ago", ContainerViews.status(running.exited(3, false, "2026-01-01T00:09:58Z", null), now));
  }

  @Test
  void detachKeys() {
    assertArrayEquals(new byte[] {0x10, 0x11}, DetachKeys.parse(""));
    assertArrayEquals(new byte[] {0x01, 'x', 0x1b}, DetachKeys.parse("ctrl-a,x,ctrl-["));
    assertThrows(HttpException.class, () -> DetachKeys.parse("ctrl-1"));
    assertThrows(HttpException.class, () -> DetachKeys.parse("alt-x"));
  }

  @Test
  void theDetachSequenceIsHeldBackAndDetaches() throws Exception {
    InputStream client = new ByteArrayInputStream(new byte[] {'a', 0x10, 'b', 0x10, 0x11, 'z'});
    StdinPump p = StdinPump.start(client, true, DetachKeys.DEFAULT);
    CountDownLatch detached = new CountDownLatch(1);
    p.onDetach(detached::countDown);
    assertTrue(detached.await(5, TimeUnit.SECONDS));
    byte[] got = p.stream().readNBytes(3);
    assertEquals("a\u0010b", new String(got, StandardCharsets.ISO_8859_1), "a lone ctrl-p is input; the sequence is not");
  }

  @Test
  void topKeepsTheContainersProcesses() {
    String ps = """
        UID          PID    PPID  C STIME TTY          TIME CMD
        root           1       0  0 10:00 ?        00:00:01 /sbin/init
        root        4242    4200  0 10:01 ?        00:00:00 sh -c sleep 100 && echo done
        root        4243    4242  0 10:01 ?        00:00:00 sleep 100
        """;
    Map<String, Object> top = Top.parse(ps, Set.of(4242, 4243));
    assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), top.get("Titles"));
    List<?> rows = (List<?>) top.get("Processes");
    assertEquals(2, rows.size());
    assertEquals("sh -c sleep 100 && echo done", ((List<?>) rows.get(0)).get(7), "the command keeps its spaces");
    assertThrows(HttpException.class, () -> Top.parse("USER COMMAND\nroot init\n", Set.of(1)));
  }

  @Test
  void pathsResolveInsideTheRootWhateverTheyAsk() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), "x");
    Files.createSymbolicLink(root.resolve("escape"), Path.of("/etc"));
    Files.createSymbolicLink(root.resolve("up"), Path.of("../../.."));
    assertEquals(root.resolve("etc/passwd"), io.berth.engine.ContainerPaths.resolve(root, "/escape/passwd", false), "an absolute link starts at the root");
    assertEquals(root.resolve("etc"), io.berth.engine.ContainerPaths.resolve(root, "/up/etc", false), ".. stops at the root");
    assertEquals(root.resolve("etc"), io.berth.engine.ContainerPaths.resolve(root, "../../../etc", false));
    assertEquals(root.resolve("escape"), io.berth.engine.ContainerPaths.resolve(root, "/escape", false), "the last link is not followed");
    assertEquals(root.resolve("etc"), io.berth.engine.ContainerPaths.resolve(root, "/escape", true));
    Files.createSymbolicLink(root.resolve("loop"), Path.of("/loop"));
    assertThrows(IllegalArgumentException.class, () -> io.berth.engine.ContainerPaths.resolve(root, "/loop/x", false));
    for (String link : List.of("escape", "up", "loop")) {
      Files.delete(root.resolve(link)); // links out of the temporary directory worry JUnit's cleanup
    }
  }

  @Test
  void unixModesAsGoFileModes() {
    assertEquals((1L << 31) | 0755, ArchiveRoutes.goFileMode(040755));
    assertEquals(0644, ArchiveRoutes.goFileMode(0100644));
    assertEquals((1L << 27) | 0777, ArchiveRoutes.goFileMode(0120777));
    assertEquals((1L << 31) | (1L << 20) | 0777, ArchiveRoutes.goFileMode(041777));
  }

  @Test
  void aTarOutAndInAgainKeepsFilesLinksAndModes() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/tree/sub"));
    Files.writeString(src.resolve("f.txt"), "hello");
    Files.setPosixFilePermissions(src.resolve("f.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    Files.createSymbolicLink(dir.resolve("src/tree/link"), Path.of("sub/f.txt"));
    java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
    ArchiveRoutes.writeTar(dir.resolve("src/tree"), "tree", tar);
    Path root = Files.createDirectories(dir.resolve("ctr"));
    Files.createDirectories(root.resolve("dst"));
    ArchiveRoutes.extract(root, "dst", tar.toByteArray(), true);
    assertEquals("hello", Files.readString(root.resolve("dst/tree/sub/f.txt")));
    assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(root.resolve("dst/tree/sub/f.txt"))));
    assertEquals(Path.of("sub/f.txt"), Files.readSymbolicLink(root.resolve("dst/tree/link")));
  }

  @Test
  void aTarEntryCannotLandOutsideTheRoot() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bytes)) {
      var link = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("evil",
          org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
      link.setLinkName("/");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
      byte[] data = "pwned".getBytes(StandardCharsets.UTF_8);
      var file = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("evil/../../outside.txt");
      file.setSize(data.length);
      tar.putArchiveEntry(file);
      tar.write(data);
      tar.closeArchiveEntry();
      var through = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("evil/tmp-through.txt");
      through.setSize(data.length);
      tar.putArchiveEntry(through);
      tar.write(data);
      tar.closeArchiveEntry();
    }
    Path root = Files.createDirectories(dir.resolve("jail/root"));
    ArchiveRoutes.extract(root, "", bytes.toByteArray(), false);
    assertTrue(Files.notExists(dir.resolve("jail/outside.txt")) && Files.notExists(dir.resolve("outside.txt")));
    assertTrue(Files.exists(root.resolve("outside.txt")), "the .. stopped at the root");
    assertTrue(Files.exists(root.resolve("tmp-through.txt")), "the link to / led to the root's /");
    Files.delete(root.resolve("evil"));
  }

  @Test
  void imageNames() {
    assertEquals("busybox:latest", ImageNames.familiar("docker.io/library/busybox:latest"));
    assertEquals("foo/bar:1", ImageNames.familiar("docker.io/foo/bar:1"));
    assertEquals("127.0.0.1:5000/a/b:1", ImageNames.familiar("127.0.0.1:5000/a/b:1"));
    assertEquals("busybox:latest", ImageNames.withTag("busybox"));
    assertTrue(ImageRoutes.referenceMatches("busy*", "busybox:latest"));
    assertTrue(ImageRoutes.referenceMatches("busybox:lat*", "busybox:latest"));
    assertTrue(!ImageRoutes.referenceMatches("alpine", "busybox:latest"));
  }
}
