package io.berth.image.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One writer per ingest ref, across threads and across processes (the CLI and the daemon may
 * share a store).
 *
 * <p>Across processes: an exclusive fcntl lock on one byte of {@code ingest/.lock}, at an offset
 * derived from the ref. One lock file that is never renamed or deleted avoids the classic race of
 * per-file locks (a waiter ending up holding the lock of a file that was renamed into the blob
 * directory or unlinked). Two refs that hash to the same byte merely take turns. The kernel drops
 * the lock when a process dies, so kill -9 never leaves a ref locked.
 *
 * <p>Within this JVM: fcntl locks belong to the process, so they cannot make threads wait (the
 * JDK's lock table only throws OverlappingFileLockException); a semaphore per byte, taken first,
 * lets threads wait without polling and notices a thread asking for its own ref twice. All locks
 * of a store go through one FileChannel, because closing any descriptor of a file drops all of
 * the process's fcntl locks on it; that channel is open only while some lock is held, so idle
 * stores keep no descriptor.
 *
 * <p>Waiting polls {@code tryLock} rather than blocking in {@code lock}: an interrupt during a
 * blocking lock would close the shared channel and with it every other writer's lock.
 */
final class IngestLocks {
  private static final ConcurrentHashMap<String, IngestLocks> BY_LOCK_FILE = new ConcurrentHashMap<>();
  private static final long MIN_WAIT_MILLIS = 2;
  private static final long MAX_WAIT_MILLIS = 50;

  private final Path lockFile;
  private final ConcurrentHashMap<Long, Slot> slots = new ConcurrentHashMap<>();
  private FileChannel channel; // guarded by this
  private int held; // locks taken through channel and not yet released; guarded by this

  private IngestLocks(Path lockFile) {
    this.lockFile = lockFile;
  }

  /** The locks of the store whose ingest directory this is; shared by every store object on it. */
  static IngestLocks of(Path ingestDir) throws IOException {
    Path lockFile = ingestDir.resolve(".lock");
    if (!Files.exists(lockFile)) {
      try {
        Files.createFile(lockFile);
      } catch (FileAlreadyExistsException raced) {
        // another store object or process created it first
      }
    }
    // By real path (a symlinked root shares its semaphores) and inode (a root deleted and made
    // anew is a new store). A bind mount of the root is not recognized as the same store.
    Path real = lockFile.toRealPath();
    Object inode = Files.readAttributes(real, BasicFileAttributes.class).fileKey();
    return BY_LOCK_FILE.computeIfAbsent(real + " " + inode, k -> new IngestLocks(real));
  }

  /** Waits until no other thread or process writes this ref, then holds it until closed. */
  Lease acquire(String ref) throws IOException {
    return take(ref, true);
  }

  /** Holds the ref if nobody does, else returns null at once. */
  Lease tryAcquire(String ref) throws IOException {
    return take(ref, false);
  }

  private Lease take(String ref, boolean wait) throws IOException {
    long position = position(ref);
    Slot slot = join(position);
    boolean permitted = false;
    boolean handedOver = false;
    try {
      if (slot.owner == Thread.currentThread()) {
        if (!wait) {
          return null;
        }
        throw new IllegalStateException("ingest ref " + ref
            + " is already being written by this thread; commit, abort or close that writer first");
      }
      if (wait) {
        slot.permit.acquire();
        permitted = true;
      } else {
        permitted = slot.permit.tryAcquire();
        if (!permitted) {
          return null;
        }
      }
      FileLock lock = lockByte(position, wait);
      if (lock == null) {
        return null;
      }
      slot.owner = Thread.currentThread();
      handedOver = true;
      return new Lease(position, slot, lock);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for ingest ref " + ref);
    } finally {
      if (!handedOver) {
        if (permitted) {
          slot.permit.release();
        }
        leave(position, slot);
      }
    }
  }

  private FileLock lockByte(long position, boolean wait) throws IOException, InterruptedException {
    long pause = MIN_WAIT_MILLIS;
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      FileLock lock = tryLockByte(position);
      if (lock != null || !wait) {
        return lock;
      }
      Thread.sleep(pause);
      pause = Math.min(pause * 2, MAX_WAIT_MILLIS);
    }
  }

  private synchronized FileLock tryLockByte(long position) throws IOException {
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          FileLock lock = channel().tryLock(position, 1, false);
          if (lock != null) {
            held++;
          }
          return lock;
        } catch (OverlappingFileLockException e) {
          return null; // the slots serialize each byte, so only a hash collision lands here: busy
        } catch (ClosedChannelException e) {
          if (attempt > 0) {
            throw e;
          }
          // Closed under us (an interrupt in another thread's tryLock): reopen once.
        }
      }
    } finally {
      closeIfIdle();
    }
  }

  private synchronized void unlock(FileLock lock) {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      // The channel is gone and the kernel dropped the lock with it.
    } finally {
      held--;
      closeIfIdle();
    }
  }

  private FileChannel channel() throws IOException {
    if (channel == null || !channel.isOpen()) {
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
    }
    return channel;
  }

  private void closeIfIdle() {
    if (held == 0 && channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing is locked through it
      }
      channel = null;
    }
  }

  private Slot join(long position) {
    return slots.compute(position, (k, slot) -> {
      Slot joined = slot == null ? new Slot() : slot;
      joined.users++;
      return joined;
    });
  }

  private void leave(long position, Slot slot) {
    slots.computeIfPresent(position, (k, current) -> current != slot || --current.users > 0 ? current : null);
  }

  /** The byte of the lock file that stands for a ref: 62 bits of its sha256. */
  private static long position(String ref) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(ref.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(hash).getLong() >>> 2;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class Slot {
    final Semaphore permit = new Semaphore(1, true);
    int users; // guarded by the map's compute
    volatile Thread owner;
  }

  /** Holding a ref; closing releases it (safe to call from any thread, and more than once). */
  final class Lease implements AutoCloseable {
    private final long position;
    private final Slot slot;
    private final FileLock lock;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(long position, Slot slot, FileLock lock) {
      this.position = position;
      this.slot = slot;
      this.lock = lock;
    }

    @Override
    public void close() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      try {
        unlock(lock);
      } finally {
        slot.owner = null;
        slot.permit.release();
        leave(position, slot);
      }
    }
  }
}
