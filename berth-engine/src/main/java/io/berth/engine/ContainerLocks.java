package io.berth.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per container across threads (a ReentrantLock) and processes (flock on a file in the
 * containers directory), held while a run is started, finished or removed, so that two berth
 * processes never mount, start or tear down the same container at once. The lock file goes when
 * the process dies, so a killed berth never leaves a container locked.
 */
final class ContainerLocks {
  private final Path dir;
  private final ConcurrentHashMap<String, ReentrantLock> local = new ConcurrentHashMap<>();

  ContainerLocks(Path dir) {
    this.dir = dir;
  }

  final class Held implements AutoCloseable {
    private final ReentrantLock lock;
    private final FileChannel channel;
    private final FileLock fileLock;

    Held(ReentrantLock lock, FileChannel channel, FileLock fileLock) {
      this.lock = lock;
      this.channel = channel;
      this.fileLock = fileLock;
    }

    @Override
    public void close() {
      try {
        if (fileLock != null) {
          fileLock.release();
        }
        if (channel != null) {
          channel.close();
        }
      } catch (IOException e) {
        // the lock goes with the channel anyway
      } finally {
        lock.unlock();
      }
    }
  }

  Held hold(String id) {
    ReentrantLock lock = local.computeIfAbsent(id, k -> new ReentrantLock());
    lock.lock();
    if (lock.getHoldCount() > 1) {
      return new Held(lock, null, null); // re-entered by the same thread: the file lock is held
    }
    try {
      Files.createDirectories(dir.resolve(".locks"));
      FileChannel ch = FileChannel.open(dir.resolve(".locks").resolve(id),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      return new Held(lock, ch, ch.lock());
    } catch (IOException | RuntimeException e) {
      lock.unlock();
      throw new EngineException("cannot lock container " + id.substring(0, Math.min(12, id.length())) + ": " + e.getMessage(), e);
    }
  }

  /** Deletes the lock file of a removed container. */
  void forget(String id) {
    try {
      Files.deleteIfExists(dir.resolve(".locks").resolve(id));
    } catch (IOException e) {
      // an empty file left behind costs nothing
    }
    local.remove(id);
  }
}
