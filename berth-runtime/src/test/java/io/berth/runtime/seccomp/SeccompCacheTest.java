package io.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Seccomp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeccompCacheTest {
  @TempDir Path dir;

  private static List<Path> entries(Path d) throws IOException {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.toList();
    }
  }

  @Test
  void aProfileIsCompiledOnceAndReadBackTheSame() throws IOException {
    Seccomp profile = DefaultSeccompProfile.get();
    SeccompProgram direct = SeccompCompiler.compile(profile);
    SeccompCache cache = new SeccompCache(dir, "build-1");
    SeccompProgram first = cache.compile(profile);
    List<Path> files = entries(dir);
    assertEquals(1, files.size(), "one entry: " + files);
    long written = Files.getLastModifiedTime(files.get(0)).toMillis();
    SeccompProgram second = cache.compile(profile);
    assertArrayEquals(direct.filter(), first.filter());
    assertArrayEquals(direct.filter(), second.filter());
    assertEquals(direct.flags(), second.flags());
    assertEquals(written, Files.getLastModifiedTime(files.get(0)).toMillis(), "a hit does not rewrite");

    // An entry whose program is known to differ is what the cache hands back: proof of a read.
    byte[] b = Files.readAllBytes(files.get(0));
    b[b.length - 1] ^= 0x01;
    Files.write(files.get(0), b);
    assertFalse(java.util.Arrays.equals(direct.filter(), cache.compile(profile).filter()));
  }

  @Test
  void anotherBuildOrProfileIsAnotherEntry() throws IOException {
    Seccomp profile = DefaultSeccompProfile.get();
    new SeccompCache(dir, "build-1").compile(profile);
    new SeccompCache(dir, "build-2").compile(profile);
    Seccomp small = Configs.config("SCMP_ACT_ALLOW",
        new Seccomp.Syscall(List.of("mkdir"), "SCMP_ACT_ERRNO", null, null));
    SeccompProgram p = new SeccompCache(dir, "build-1").compile(small);
    assertEquals(3, entries(dir).size());
    assertArrayEquals(SeccompCompiler.compile(small).filter(), p.filter());
  }

  @Test
  void aDamagedEntryIsCompiledAgainAndReplaced() throws IOException {
    Seccomp profile = DefaultSeccompProfile.get();
    SeccompCache cache = new SeccompCache(dir, "build-1");
    cache.compile(profile);
    Path entry = entries(dir).get(0);
    for (byte[] damage : List.of(new byte[0], "berth-bpf 1\n".getBytes(), new byte[] {1, 2, 3})) {
      Files.write(entry, damage);
      assertArrayEquals(SeccompCompiler.compile(profile).filter(), cache.compile(profile).filter());
      assertTrue(Files.size(entry) > 1000, "rewritten whole");
    }
    // An entry cut short inside its program is not whole instructions: compiled again.
    byte[] whole = Files.readAllBytes(entry);
    Files.write(entry, java.util.Arrays.copyOf(whole, whole.length - 3));
    assertArrayEquals(SeccompCompiler.compile(profile).filter(), cache.compile(profile).filter());
    assertEquals(whole.length, Files.size(entry));
  }

  @Test
  void withoutABuildOrAWritableDirectoryItOnlyCompiles() throws IOException {
    Seccomp profile = DefaultSeccompProfile.get();
    assertArrayEquals(SeccompCompiler.compile(profile).filter(), new SeccompCache(dir, null).compile(profile).filter());
    assertEquals(List.of(), entries(dir));
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    SeccompProgram p = new SeccompCache(file.resolve("sub"), "build-1").compile(profile);
    assertArrayEquals(SeccompCompiler.compile(profile).filter(), p.filter());
    // a bad profile is still refused, with or without the cache
    assertThrows(SeccompException.class,
        () -> new SeccompCache(dir, "build-1").compile(Configs.config(null)));
  }
}
