package io.berth.image.store;

import io.berth.image.spec.Digest;
import io.berth.image.spec.Digester;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A content-addressed blob store that verifies while it writes (see the package comment for the
 * layout). Thread-safe; several processes may share one root.
 */
public final class ContentStore {
  /** For {@code expectedSize} when the size is not known in advance. */
  public static final long UNKNOWN_SIZE = -1;

  private static final Pattern REF = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}");
  private static final Pattern ALGORITHM_DIR = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*");
  private static final String LAYOUT_FILE = "oci-layout";
  private static final byte[] LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);

  private final Path root;
  private final Path blobs;
  private final Path ingest;
  private final IngestLocks locks;

  /** Opens the store at {@code root}, creating its directories on first use. */
  public ContentStore(Path root) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.blobs = this.root.resolve("blobs");
    this.ingest = this.root.resolve("ingest");
    boolean fresh = !Files.isDirectory(blobs.resolve(Digest.SHA256));
    Files.createDirectories(blobs.resolve(Digest.SHA256));
    Files.createDirectories(ingest);
    writeLayoutFile();
    if (fresh) {
      Fsync.directory(blobs);
      Fsync.directory(this.root);
    }
    this.locks = IngestLocks.of(ingest);
  }

  /**
   * The {@code oci-layout} marker, so that tools reading an OCI layout accept the directory (the
   * layout's index.json belongs to whoever records image names, not to the store).
   */
  private void writeLayoutFile() throws IOException {
    Path layout = root.resolve(LAYOUT_FILE);
    if (Files.exists(layout)) {
      return;
    }
    Path temp = root.resolve(LAYOUT_FILE + ".tmp-" + UUID.randomUUID());
    Files.write(temp, LAYOUT);
    Files.move(temp, layout, StandardCopyOption.ATOMIC_MOVE);
  }

  public Path root() {
    return root;
  }

  /** Where the blob of this digest lives ({@code blobs/<alg>/<hex>}), whether or not it is there. */
  public Path path(Digest digest) {
    return blobs.resolve(digest.algorithm()).resolve(digest.hex());
  }

  public boolean exists(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  public long size(Digest digest) throws IOException {
    try {
      return Files.size(path(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(digest, root);
    }
  }

  /** Reads a blob. Blobs are immutable, so a reader never sees a change, even across a delete. */
  public InputStream open(Digest digest) throws IOException {
    try {
      return Files.newInputStream(path(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchBlobException(digest, root);
    }
  }

  /**
   * A writer for one blob through {@code ingest/<ref>}.
   *
   * <p>Refs name a download, not a blob; the registry client uses one per digest (e.g. {@code
   * layer-sha256:…}) so that a retried pull finds the bytes of the interrupted one: the new writer
   * starts at {@link Writer#offset()} and the download resumes with a Range request (or calls
   * {@link Writer#reset()} when the server ignores the Range).
   *
   * <p>Only one writer holds a ref at a time. A second {@code writer()} for the same ref — from
   * another thread or another process — <b>waits</b> until the first commits, aborts or closes,
   * then continues from what it left. Callers should then check {@link #exists} again: the first
   * writer may have stored the blob already. Writers of different refs never wait for each other,
   * even for the same digest; both commits succeed and the store holds one copy.
   *
   * @param ref letters, digits and {@code . _ : @ + = -}, at most 200 characters
   * @param expected the digest the bytes must have, or null to take whatever digest (sha256) they have
   * @param expectedSize the size the bytes must have, or {@link #UNKNOWN_SIZE}
   * @throws IllegalArgumentException for a malformed ref or an algorithm Berth cannot compute
   * @throws IllegalStateException if this thread already holds a writer of the same ref
   */
  public Writer writer(String ref, Digest expected, long expectedSize) throws IOException {
    checkRef(ref);
    if (expectedSize < UNKNOWN_SIZE) {
      throw new IllegalArgumentException("expected size " + expectedSize + " is negative");
    }
    if (expected != null && !Digester.supports(expected.algorithm())) {
      throw new IllegalArgumentException("cannot verify blob " + expected + ": digest algorithm "
          + expected.algorithm() + " is not supported (Berth verifies sha256 and sha512)");
    }
    IngestLocks.Lease lease = locks.acquire(ref);
    try {
      return IngestWriter.open(this, ref, expected, expectedSize, ingest.resolve(ref), lease);
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  /**
   * Stores a whole stream. When the blob is already present the stream is not read. The stream
   * must hold the blob from its first byte; a partial ingest of an earlier put is resumed by
   * skipping what it already has. On any failure nothing is stored and the partial is removed.
   */
  public Digest put(InputStream content, Digest expected, long size) throws IOException {
    if (expected != null && exists(expected)) {
      return expected;
    }
    String ref = expected != null
        ? "put-" + expected.algorithm() + "-" + expected.hex()
        : "put-" + UUID.randomUUID();
    try (Writer writer = writer(ref, expected, size)) {
      if (expected != null && exists(expected)) {
        writer.abort();
        return expected;
      }
      try {
        content.skipNBytes(writer.offset());
        content.transferTo(writer);
      } catch (IOException | RuntimeException e) {
        writer.abort();
        throw e;
      }
      return writer.commit();
    }
  }

  /** Removes a blob; false if it was not there. Open readers keep reading the old bytes. */
  public boolean delete(Digest digest) throws IOException {
    return Files.deleteIfExists(path(digest));
  }

  /** Every blob in the store, sorted by digest. Files whose names are not digests are ignored. */
  public List<Digest> list() throws IOException {
    List<Digest> digests = new ArrayList<>();
    try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs, Files::isDirectory)) {
      for (Path algorithmDir : algorithms) {
        String algorithm = algorithmDir.getFileName().toString();
        if (!ALGORITHM_DIR.matcher(algorithm).matches()) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(algorithmDir, Files::isRegularFile)) {
          for (Path file : files) {
            try {
              digests.add(new Digest(algorithm, file.getFileName().toString()));
            } catch (IllegalArgumentException notADigest) {
              // a stray file; the OCI layout allows unknown files
            }
          }
        }
      }
    }
    digests.sort(null);
    return digests;
  }

  /** Every blob with its size in bytes, sorted by digest. */
  public Map<Digest, Long> sizes() throws IOException {
    Map<Digest, Long> sizes = new LinkedHashMap<>();
    for (Digest digest : list()) {
      try {
        sizes.put(digest, Files.size(path(digest)));
      } catch (NoSuchFileException deletedMeanwhile) {
        // gone between listing and stat
      }
    }
    return sizes;
  }

  /**
   * Rehashes every blob and removes those whose content does not match their digest (bit rot, a
   * tool that wrote into the store). Blobs replaced while being checked are left alone: the
   * replacement came through a verified commit.
   */
  public FsckReport fsck() throws IOException {
    int checked = 0;
    List<Digest> corrupt = new ArrayList<>();
    List<Digest> skipped = new ArrayList<>();
    for (Digest digest : list()) {
      if (!Digester.supports(digest.algorithm())) {
        skipped.add(digest);
        continue;
      }
      Path file = path(digest);
      try {
        Object before = fileKey(file);
        Digest actual = hash(file, digest.algorithm());
        checked++;
        if (!actual.equals(digest) && Objects.equals(before, fileKey(file))) {
          Files.deleteIfExists(file);
          corrupt.add(digest);
        }
      } catch (NoSuchFileException deletedMeanwhile) {
        // nothing to check
      }
    }
    return new FsckReport(checked, corrupt, skipped);
  }

  /**
   * Removes ingest files not written to for {@code olderThan} (downloads abandoned for good),
   * except those a writer holds now. Returns the refs removed.
   */
  public List<String> cleanIngest(Duration olderThan) throws IOException {
    Instant cutoff = Instant.now().minus(olderThan);
    List<String> removed = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith(".") || !isOlder(file, cutoff)) {
          continue; // .lock, or recent
        }
        IngestLocks.Lease lease = locks.tryAcquire(name);
        if (lease == null) {
          continue; // being written
        }
        try (lease) {
          if (isOlder(file, cutoff) && Files.deleteIfExists(file)) {
            removed.add(name);
          }
        }
      }
    }
    return removed;
  }

  private static boolean isOlder(Path file, Instant cutoff) throws IOException {
    try {
      return Files.getLastModifiedTime(file).toInstant().isBefore(cutoff);
    } catch (NoSuchFileException gone) {
      return false;
    }
  }

  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  private static Digest hash(Path file, String algorithm) throws IOException {
    Digester digester = Digester.of(algorithm);
    ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (channel.read(chunk.clear()) >= 0) {
        digester.update(chunk.flip());
      }
    }
    return digester.digest();
  }

  private static void checkRef(String ref) {
    if (ref == null || !REF.matcher(ref).matches()) {
      throw new IllegalArgumentException("invalid ingest ref \"" + ref
          + "\": use 1 to 200 letters, digits and . _ : @ + = -, starting with a letter or digit");
    }
  }

  /**
   * An in-progress blob. Bytes written are hashed and appended to {@code ingest/<ref>}. End every
   * writer with exactly one of: {@link #commit()} (verify and store), {@link #abort()} (discard the
   * bytes), or {@link #close()} (keep the bytes for a later writer of the ref to resume). A write
   * that fails, or that passes the expected size, discards the bytes and ends the writer. A writer
   * belongs to one thread at a time.
   */
  public abstract static sealed class Writer extends OutputStream permits IngestWriter {
    Writer() {}

    public abstract String ref();

    /** The digest the content must have, or null if any is accepted. */
    public abstract Digest expected();

    /** Bytes in the ingest so far, including those resumed from an earlier writer. */
    public abstract long offset();

    /** Starts over from zero bytes, e.g. when a server ignored the Range request of a resume. */
    public abstract void reset() throws IOException;

    /**
     * Verifies size and digest, makes the bytes durable and publishes them under their digest.
     * If the blob is already present, the ingest is discarded and the commit succeeds.
     *
     * @return the digest of the content
     * @throws DigestMismatchException if size or digest differ; nothing is stored
     */
    public abstract Digest commit() throws IOException;

    /** Discards the bytes and releases the ref; no effect after commit. */
    public abstract void abort() throws IOException;

    /** Releases the ref; without a commit or abort, the bytes stay in the ingest for a resume. */
    @Override
    public abstract void close() throws IOException;
  }
}
