package io.berth.runtime.cgroup;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/** Creates cgroup directories and removes the ones a cgroup created, and only those. */
final class CgroupDirectories {
  private static final System.Logger LOG = System.getLogger(CgroupDirectories.class.getName());

  /** rmdir fails with EBUSY for a moment after the last task exits; this is how long we wait. */
  static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(2);

  private CgroupDirectories() {}

  /**
   * mkdir -p {@code dir}; returns the topmost directory this call created, or null if {@code dir}
   * already existed. A parent removed concurrently by another container's {@code destroy} is
   * recreated, so two containers sharing a parent cannot make each other fail.
   */
  static Path create(Path dir) {
    for (int attempt = 0; ; attempt++) {
      try {
        return createOnce(dir);
      } catch (NoSuchFileException e) {
        if (attempt == 3) {
          throw new CgroupException("cannot create " + dir + ": " + e.getFile() + " vanished", e);
        }
      } catch (IOException e) {
        throw new CgroupException("cannot create " + dir + ": " + ControlFiles.reason(e), e);
      }
    }
  }

  private static Path createOnce(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    Path top = null;
    while (!missing.isEmpty()) {
      Path p = missing.pop();
      try {
        Files.createDirectory(p);
        if (top == null) {
          top = p;
        }
      } catch (FileAlreadyExistsException e) {
        // created by someone else in the meantime: not ours to remove
      }
    }
    return top;
  }

  /**
   * Removes {@code leaf} with everything below it, then its parents up to and including {@code
   * top}. Sub-cgroups below the leaf were made by the container itself and go with it; a parent
   * that is not empty belongs to other containers too and is kept.
   */
  static void remove(Path leaf, Path top) {
    remove(leaf, top, System.nanoTime() + REMOVE_TIMEOUT.toNanos());
  }

  /**
   * As {@link #remove(Path, Path)}, giving up on a busy directory at {@code deadlineNanos} ({@link
   * System#nanoTime()}); one deadline for all hierarchies of a cgroup, so that a stuck process
   * costs one timeout, not one per hierarchy.
   */
  static void remove(Path leaf, Path top, long deadlineNanos) {
    if (Files.isDirectory(leaf) && !removedAlone(leaf)) {
      List<Path> tree = subtree(leaf);
      for (Path dir : tree.reversed()) {
        rmdirWaiting(dir, deadlineNanos);
      }
    }
    if (top == null || !leaf.startsWith(top)) {
      return;
    }
    for (Path p = leaf.getParent(); p != null && p.startsWith(top); p = p.getParent()) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "keeping {0}: {1}", p, ControlFiles.reason(e));
        return;
      }
    }
  }

  /**
   * The common case first: a leaf with no sub-cgroups and no process left goes with one rmdir,
   * where listing it stats every control file of every hierarchy (hundreds of calls).
   */
  private static boolean removedAlone(Path leaf) {
    try {
      Files.deleteIfExists(leaf);
      return true;
    } catch (IOException e) {
      return false; // sub-cgroups, or processes still leaving: the walk below waits for them
    }
  }

  /** {@code dir} and its descendant directories, parents before children. */
  private static List<Path> subtree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return new ArrayList<>(s.filter(Files::isDirectory).toList());
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new CgroupException("cannot list " + dir + ": " + ControlFiles.reason(e), e);
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        return subtree(dir);
      }
      throw new CgroupException("cannot list " + dir + ": " + ControlFiles.reason(e.getCause()), e);
    }
  }

  private static void rmdirWaiting(Path dir, long deadline) {
    long pause = 5;
    while (true) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (IOException e) {
        if (System.nanoTime() - deadline > 0) {
          List<Integer> left = ProcessList.pidsBelow(dir);
          throw new CgroupException(
              "cannot remove cgroup "
                  + dir
                  + ": "
                  + ControlFiles.reason(e)
                  + (left.isEmpty()
                      ? ""
                      : "; processes still in it: " + left + " (kill them first)"),
              e);
        }
      }
      Polling.sleep(pause);
      pause = Math.min(pause * 2, 100);
    }
  }
}
