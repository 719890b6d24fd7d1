package io.berth.image.store;

import io.berth.image.spec.Digest;
import io.berth.image.spec.Digester;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Writes one blob through {@code ingest/<ref>}: hashes every byte on its way to the file, and on
 * commit verifies, fsyncs, renames into {@code blobs/} and fsyncs the directory. Holds the ref's
 * lease from open to commit, abort or close.
 */
final class IngestWriter extends ContentStore.Writer {
  private static final int BUFFER_SIZE = 256 * 1024;
  private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");
  /** Releases the ref of a writer dropped without close, so the ref is not locked until exit. */
  private static final Cleaner CLEANER = Cleaner.create();

  private enum State { OPEN, COMMITTED, ABORTED, ABANDONED, FAILED }

  private final ContentStore store;
  private final String ref;
  private final Digest expected;
  private final long expectedSize;
  private final Path file;
  private final FileChannel channel;
  private final IngestLocks.Lease lease;
  private final Cleaner.Cleanable cleanable;
  private Digester digester;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
  private State state = State.OPEN;

  private IngestWriter(ContentStore store, String ref, Digest expected, long expectedSize, Path file,
      FileChannel channel, IngestLocks.Lease lease, Digester digester) {
    this.store = store;
    this.ref = ref;
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.file = file;
    this.channel = channel;
    this.lease = lease;
    this.digester = digester;
    this.cleanable = CLEANER.register(this, new Release(channel, lease));
  }

  /**
   * Opens the ingest file of a ref whose lease the caller holds, continuing after whatever bytes
   * an earlier writer left there (they are rehashed, not trusted).
   */
  static IngestWriter open(ContentStore store, String ref, Digest expected, long expectedSize, Path file,
      IngestLocks.Lease lease) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      Digester digester = Digester.of(expected == null ? Digest.SHA256 : expected.algorithm());
      long existing = channel.size();
      if (expectedSize >= 0 && existing > expectedSize) {
        // Not a prefix of this blob: left by a different blob under the same ref.
        channel.truncate(0);
        existing = 0;
      }
      rehash(channel, existing, digester);
      channel.position(existing);
      return new IngestWriter(store, ref, expected, expectedSize, file, channel, lease, digester);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static void rehash(FileChannel channel, long length, Digester digester) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(BUFFER_SIZE);
    long position = 0;
    while (position < length) {
      chunk.clear().limit((int) Math.min(chunk.capacity(), length - position));
      int read = channel.read(chunk, position);
      if (read < 0) {
        throw new IOException("ingest file " + channel + " shrank while being read");
      }
      position += read;
      digester.update(chunk.flip());
    }
  }

  @Override
  public String ref() {
    return ref;
  }

  @Override
  public Digest expected() {
    return expected;
  }

  @Override
  public long offset() {
    return digester.count();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, bytes.length);
    requireOpen();
    if (expectedSize >= 0 && digester.count() + length > expectedSize) {
      long attempted = digester.count() + length;
      discard();
      state = State.FAILED;
      throw DigestMismatchException.tooLong(expected, expectedSize, attempted);
    }
    digester.update(bytes, offset, length);
    try {
      if (length >= buffer.capacity()) {
        drain();
        writeFully(ByteBuffer.wrap(bytes, offset, length));
      } else {
        if (buffer.remaining() < length) {
          drain();
        }
        buffer.put(bytes, offset, length);
      }
    } catch (IOException e) {
      throw failed("writing", e);
    }
  }

  /** Moves buffered bytes to the ingest file (not to the disk: commit does that). */
  @Override
  public void flush() throws IOException {
    requireOpen();
    try {
      drain();
    } catch (IOException e) {
      throw failed("writing", e);
    }
  }

  @Override
  public void reset() throws IOException {
    requireOpen();
    try {
      buffer.clear();
      channel.truncate(0);
      channel.position(0);
      digester = Digester.of(digester.algorithm());
    } catch (IOException e) {
      throw failed("truncating", e);
    }
  }

  @Override
  public Digest commit() throws IOException {
    requireOpen();
    try {
      drain();
      long size = digester.count();
      Digest actual = digester.digest();
      if ((expectedSize >= 0 && size != expectedSize) || (expected != null && !expected.equals(actual))) {
        discard();
        state = State.FAILED;
        throw DigestMismatchException.of(expected, expectedSize, actual, size);
      }
      Path target = store.path(actual);
      if (Files.exists(target)) {
        // Someone else committed the same bytes first: ours are redundant.
        discard();
        state = State.COMMITTED;
        return actual;
      }
      channel.force(false);
      channel.close();
      Files.setPosixFilePermissions(file, READ_ONLY);
      Path dir = target.getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Fsync.directory(dir.getParent());
      }
      // rename(2): atomic, and if another writer won the race it replaces identical verified bytes.
      Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      Fsync.directory(dir);
      state = State.COMMITTED;
      return actual;
    } catch (DigestMismatchException e) {
      throw e;
    } catch (IOException e) {
      throw failed("committing", e);
    } finally {
      release();
    }
  }

  @Override
  public void abort() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    discard();
    state = State.ABORTED;
  }

  /** Without commit or abort: keeps the bytes written so far for a later writer of the ref. */
  @Override
  public void close() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    try {
      drain();
      channel.close();
      state = State.ABANDONED;
    } catch (IOException e) {
      throw failed("writing", e);
    } finally {
      release();
    }
  }

  private void requireOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException("writer of ingest ref " + ref + " is " + state.name().toLowerCase(Locale.ROOT));
    }
  }

  private void drain() throws IOException {
    if (buffer.position() > 0) {
      buffer.flip();
      writeFully(buffer);
      buffer.clear();
    }
  }

  private void writeFully(ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
  }

  /**
   * A write that failed (a full disk, an I/O error) leaves nothing: the partial file is removed
   * so it neither occupies the space nor is resumed from bytes of unknown state.
   */
  private IOException failed(String doing, IOException cause) {
    discard();
    state = State.FAILED;
    String what = expected != null ? "blob " + expected : "a blob";
    return new IOException(doing + " " + what + " (ingest ref " + ref + ") failed: " + cause.getMessage(), cause);
  }

  /** Removes the ingest file and releases the ref. Never throws: it runs on failure paths. */
  private void discard() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing is best effort; the file goes either way
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // cleanIngest will find it
    }
    state = State.ABORTED;
    release();
  }

  private void release() {
    cleanable.clean();
  }

  /** The cleanup that must run even if the writer is dropped: close the file, free the ref. */
  private record Release(FileChannel channel, IngestLocks.Lease lease) implements Runnable {
    @Override
    public void run() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more can be done for a dropped writer
      }
      lease.close();
    }
  }
}
