package io.berth.runtime.seccomp;

import io.berth.json.Json;
import io.berth.oci.Seccomp;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Compiled seccomp filters kept on disk, so that a profile is compiled once per build of Berth
 * rather than once per container: compiling Docker's default profile is a third of a one-shot
 * {@code create}'s work on a cold JVM, reading it back a file read.
 *
 * <p>An entry is found by a hash of its key and holds the whole key: the build of Berth that
 * compiled it (its jar's path, size and time), the architecture and the profile's JSON. A
 * different key, a short or damaged file, or none at all means compiling again; an entry that
 * cannot be written costs only the next compile. Entries are renamed into place whole.
 */
public final class SeccompCache {
  private static final byte[] MAGIC = "berth-bpf 1\n".getBytes(StandardCharsets.US_ASCII);

  private final Path dir;
  private final String build;

  /** @param build what identifies the compiler's code; null turns the cache off */
  public SeccompCache(Path dir, String build) {
    this.dir = dir;
    this.build = build;
  }

  /** This build of Berth, found once per JVM: the engine makes a Runtime for each operation. */
  private static final class Build {
    static final String STAMP = jarStamp();
  }

  /** A cache for this build of Berth; off when it does not run from a jar (a build tree). */
  public static SeccompCache forThisBuild(Path dir) {
    return new SeccompCache(dir, Build.STAMP);
  }

  private static String jarStamp() {
    try {
      var source = SeccompCompiler.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path jar = Path.of(source.getLocation().toURI());
      BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
      return a.isRegularFile() ? jar + " " + a.size() + " " + a.lastModifiedTime().toMillis() : null;
    } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
      return null;
    }
  }

  public SeccompProgram compile(Seccomp config) {
    String arch = Architecture.host().scmpName;
    if (build == null) {
      return SeccompCompiler.compile(config, arch);
    }
    byte[] key = (build + "\n" + arch + "\n" + Json.writeString(config)).getBytes(StandardCharsets.UTF_8);
    Path file = dir.resolve(Integer.toHexString(Arrays.hashCode(key)) + ".bpf");
    SeccompProgram cached = read(file, key);
    if (cached != null) {
      return cached;
    }
    SeccompProgram program = SeccompCompiler.compile(config, arch);
    write(file, key, program);
    return program;
  }

  private static SeccompProgram read(Path file, byte[] key) {
    byte[] b;
    try {
      b = Files.readAllBytes(file);
    } catch (IOException e) {
      return null; // none yet, or unreadable: compiled again
    }
    int head = MAGIC.length + 4 + key.length + 4;
    if (b.length <= head || !Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      return null;
    }
    ByteBuffer in = ByteBuffer.wrap(b);
    in.position(MAGIC.length);
    if (in.getInt() != key.length
        || !Arrays.equals(b, MAGIC.length + 4, MAGIC.length + 4 + key.length, key, 0, key.length)) {
      return null;
    }
    in.position(MAGIC.length + 4 + key.length);
    int flags = in.getInt();
    byte[] filter = Arrays.copyOfRange(b, head, b.length);
    try {
      return new SeccompProgram(filter, flags);
    } catch (IllegalArgumentException e) {
      return null; // not whole instructions: a damaged entry
    }
  }

  private static void write(Path file, byte[] key, SeccompProgram program) {
    byte[] filter = program.filter();
    ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + key.length + 4 + filter.length);
    out.put(MAGIC).putInt(key.length).put(key).putInt(program.flags()).put(filter);
    Path tmp = null;
    try {
      Files.createDirectories(file.getParent());
      tmp = Files.createTempFile(file.getParent(), ".tmp-", ".bpf");
      Files.write(tmp, out.array());
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | UnsupportedOperationException e) {
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // the next write of the entry tries again
      }
    }
  }
}
