package io.berth.runtime;

import io.berth.oci.InvalidSpecException;
import io.berth.oci.Spec;
import io.berth.json.Json;
import io.berth.oci.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The runtime's state directory: one directory per container holding state.json (a {@link
 * ContainerRecord}), the config it was created with, and the exec fifo. Files are replaced by
 * rename so that a reader never sees half a file, and each container has a lock that serializes
 * the commands acting on it.
 */
public final class StateStore {
  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_+.-]{0,1023}$");

  private final Path root;

  public StateStore(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  public static void checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new ContainerException(
          "invalid container id " + (id == null ? "(none)" : "\"" + id + "\"")
              + ": use letters, digits and _+.- only");
    }
  }

  public Path dir(String id) {
    checkId(id);
    return root.resolve(id);
  }

  public Path fifo(String id) {
    return dir(id).resolve("exec.fifo");
  }

  /** Creates the container's directory; fails if the id is taken. */
  public Path createDir(String id) {
    Path d = dir(id);
    try {
      Files.createDirectories(root);
      Files.createDirectory(d);
      return d;
    } catch (FileAlreadyExistsException e) {
      throw new ContainerException("container \"" + id + "\" already exists");
    } catch (IOException e) {
      throw new UncheckedIOException("create state directory " + d, e);
    }
  }

  public boolean exists(String id) {
    return Files.isRegularFile(dir(id).resolve("state.json"));
  }

  public ContainerRecord read(String id) {
    Path f = dir(id).resolve("state.json");
    try {
      return SpecJson.parse(Files.readAllBytes(f), ContainerRecord.class, f.toString());
    } catch (NoSuchFileException e) {
      throw new ContainerException("container \"" + id + "\" does not exist");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InvalidSpecException e) {
      throw new ContainerException("state of container \"" + id + "\" is corrupt: " + e.getMessage());
    }
  }

  public void write(ContainerRecord r) {
    writeAtomically(dir(r.id()).resolve("state.json"), Json.write(r));
  }

  public void writeConfig(String id, byte[] configJson) {
    writeAtomically(dir(id).resolve("config.json"), configJson);
  }

  public Spec readConfig(String id) {
    try {
      return SpecJson.readConfig(dir(id).resolve("config.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeAtomically(Path target, byte[] data) {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      // No fsync: this is runtime state under /run, gone at reboot by design; the rename alone
      // keeps readers from ever seeing half a file.
      ch.write(java.nio.ByteBuffer.wrap(data));
    } catch (IOException e) {
      throw new UncheckedIOException("write " + tmp, e);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException("rename " + tmp, e);
    }
  }

  /** An exclusive lock on a container; close releases it. */
  public interface Lock extends AutoCloseable {
    @Override
    void close();
  }

  /** Threads of one JVM (the runtime service) must queue here: file locks are per process. */
  private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock>
      IN_PROCESS = new java.util.concurrent.ConcurrentHashMap<>();

  /** An exclusive lock on the container, across processes and threads, held until closed. */
  public Lock lock(String id) {
    Path l = dir(id).resolve(".lock");
    java.util.concurrent.locks.ReentrantLock local =
        IN_PROCESS.computeIfAbsent(l, k -> new java.util.concurrent.locks.ReentrantLock());
    local.lock();
    try {
      FileChannel ch = FileChannel.open(l, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock fl = ch.lock();
      return () -> {
        try {
          fl.release();
          ch.close();
        } catch (IOException e) {
          // Closing the channel releases the lock anyway.
        } finally {
          local.unlock();
        }
      };
    } catch (NoSuchFileException e) {
      local.unlock();
      throw new ContainerException("container \"" + id + "\" does not exist");
    } catch (IOException e) {
      local.unlock();
      throw new UncheckedIOException("lock " + l, e);
    }
  }

  public List<String> ids() {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return ids;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      for (Path p : ds) {
        if (Files.isRegularFile(p.resolve("state.json"))) {
          ids.add(p.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ids.sort(null);
    return ids;
  }

  public void remove(String id) {
    Path d = dir(id);
    try (Stream<Path> walk = Files.walk(d)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // Already gone: delete is idempotent.
    } catch (IOException e) {
      throw new UncheckedIOException("remove " + d, e);
    }
  }
}
