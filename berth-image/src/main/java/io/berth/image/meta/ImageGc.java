package io.berth.image.meta;

import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.Digest;
import io.berth.image.store.ContentStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Garbage collection of the files behind images: what {@link ImageDatabase#collectGarbage()}
 * forgot is deleted, then files the database does not know (orphans) are swept.
 *
 * <p>Orphans have two sources: a crash after the database forgot something but before its files
 * went, and a pull or unpack that has written files but not yet recorded its image. The second
 * kind is why a sweep only takes files older than a grace period. Before each deletion the
 * database is asked once more, so a file recorded since the listing is kept.
 */
public final class ImageGc {
  /**
   * Orphans come only from crashes and failed pulls, so leaving them a day costs little, while a
   * grace shorter than a slow pull would delete blobs the pull is about to record.
   */
  public static final Duration DEFAULT_GRACE = Duration.ofHours(24);

  /** What this class renames a snapshot to before deleting it; such leftovers are always garbage. */
  private static final Pattern REMOVING = Pattern.compile("\\..+\\.removing-[0-9a-f]+");
  /** The unpacker's temporary directories; old ones were left by a killed unpack. */
  private static final Pattern UNPACKING = Pattern.compile("\\..+\\.unpacking-[0-9a-f]+");

  private ImageGc() {}

  /** {@link #run(ImageDatabase, ContentStore, Snapshotter, Duration)} with the default grace. */
  public static GcResult run(ImageDatabase db, ContentStore store, Snapshotter snapshots) {
    return run(db, store, snapshots, DEFAULT_GRACE);
  }

  /**
   * Collects garbage in the database, deletes those files, then sweeps orphans older than
   * {@code grace}. A file that cannot be removed is reported in {@link GcResult#failures()} and
   * left for the next run's sweep.
   */
  public static GcResult run(ImageDatabase db, ContentStore store, Snapshotter snapshots, Duration grace) {
    Tally tally = new Tally();
    deleteInto(db, store, snapshots, db.collectGarbage(), tally);
    sweepInto(db, store, snapshots, grace, Clock.systemUTC(), tally);
    return tally.result();
  }

  /**
   * Deletes the files of what the database collected, except any that were recorded again since
   * (a pull may have found a collected blob still in the store and used it). Only the first two
   * lists of the result are filled.
   */
  public static GcResult delete(
      ImageDatabase db, ContentStore store, Snapshotter snapshots, GarbageCollection collected) {
    Tally tally = new Tally();
    deleteInto(db, store, snapshots, collected, tally);
    return tally.result();
  }

  private static void deleteInto(
      ImageDatabase db, ContentStore store, Snapshotter snapshots, GarbageCollection collected, Tally tally) {
    for (Digest blob : collected.blobs()) {
      if (!db.isKnownBlob(blob) && deleteBlob(store, blob, tally)) {
        tally.blobs.add(blob);
      }
    }
    for (Digest chainId : collected.chainIds()) {
      if (!db.isKnownSnapshot(chainId) && removeSnapshot(snapshots, chainId, tally)) {
        tally.chainIds.add(chainId);
      }
    }
  }

  /**
   * Removes blob files and snapshot directories that the database does not know and that have
   * not changed for {@code grace} ({@link Duration#ZERO}: any age). Only the orphan lists of the
   * result are filled.
   */
  public static GcResult sweep(ImageDatabase db, ContentStore store, Snapshotter snapshots, Duration grace) {
    return sweep(db, store, snapshots, grace, Clock.systemUTC());
  }

  /** A sweep as of {@code clock}'s now; file times cannot be set back, so tests move the clock on. */
  static GcResult sweep(ImageDatabase db, ContentStore store, Snapshotter snapshots, Duration grace, Clock clock) {
    Tally tally = new Tally();
    sweepInto(db, store, snapshots, grace, clock, tally);
    return tally.result();
  }

  private static void sweepInto(
      ImageDatabase db, ContentStore store, Snapshotter snapshots, Duration grace, Clock clock, Tally tally) {
    Instant cutoff = clock.instant().minus(grace);
    boolean anyAge = grace.isZero() || grace.isNegative();
    sweepBlobs(db, store, cutoff, anyAge, tally);
    sweepSnapshots(db, snapshots, cutoff, anyAge, tally);
  }

  private static void sweepBlobs(ImageDatabase db, ContentStore store, Instant cutoff, boolean anyAge, Tally tally) {
    Set<String> known = db.knownBlobs();
    List<Digest> onDisk;
    try {
      onDisk = store.list();
    } catch (IOException e) {
      tally.failures.add("cannot list the blobs in " + store.root() + ": " + e);
      return;
    }
    for (Digest blob : onDisk) {
      if (known.contains(blob.toString()) || !(anyAge || unchangedSince(store.path(blob), cutoff))) {
        continue;
      }
      if (!db.isKnownBlob(blob) && deleteBlob(store, blob, tally)) {
        tally.orphanBlobs.add(blob);
      }
    }
  }

  /** Snapshots live at {@code <root>/<algorithm>/<hex>} (see {@link Snapshotter#path}). */
  private static void sweepSnapshots(
      ImageDatabase db, Snapshotter snapshots, Instant cutoff, boolean anyAge, Tally tally) {
    Path root = snapshots.root();
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Set<String> known = db.knownSnapshots();
    try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(root)) {
      for (Path algorithmDir : algorithms) {
        if (!Files.isDirectory(algorithmDir, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(algorithmDir)) {
          for (Path entry : entries) {
            sweepSnapshotEntry(db, snapshots, known, entry, cutoff, anyAge, tally);
          }
        }
      }
    } catch (IOException e) {
      tally.failures.add("cannot list the snapshots in " + root + ": " + e);
    }
  }

  private static void sweepSnapshotEntry(ImageDatabase db, Snapshotter snapshots, Set<String> known,
      Path entry, Instant cutoff, boolean anyAge, Tally tally) {
    String name = entry.getFileName().toString();
    if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
      return; // the snapshotter's lock files, and anything not ours
    }
    boolean old = anyAge || unchangedSince(entry, cutoff);
    if (REMOVING.matcher(name).matches() || (UNPACKING.matcher(name).matches() && old)) {
      deleteTree(entry, tally);
      return;
    }
    Digest chainId = digestOrNull(entry.getParent().getFileName().toString(), name);
    if (chainId == null || !old || known.contains(chainId.toString()) || db.isKnownSnapshot(chainId)) {
      return;
    }
    if (removeSnapshot(snapshots, chainId, tally)) {
      tally.orphanChainIds.add(chainId);
    }
  }

  private static boolean deleteBlob(ContentStore store, Digest blob, Tally tally) {
    try {
      store.delete(blob);
      return true;
    } catch (IOException e) {
      tally.failures.add("cannot delete blob " + blob + ": " + e);
      return false;
    }
  }

  /**
   * Moves the snapshot aside before deleting it: the snapshotter takes any directory at a chain
   * ID's path as a complete layer, so a half-deleted tree must never be visible there.
   */
  private static boolean removeSnapshot(Snapshotter snapshots, Digest chainId, Tally tally) {
    Path target = snapshots.path(chainId);
    Path aside = target.resolveSibling("." + target.getFileName() + ".removing-"
        + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    try {
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException gone) {
      return true;
    } catch (IOException e) {
      tally.failures.add("cannot remove snapshot " + chainId + ": " + e);
      return false;
    }
    return deleteTree(aside, tally);
  }

  /** Deletes a tree without following symlinks: layer content may point anywhere on the host. */
  private static boolean deleteTree(Path dir, Tally tally) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException failure) throws IOException {
          if (failure != null) {
            throw failure;
          }
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
      return true;
    } catch (NoSuchFileException gone) {
      return true;
    } catch (IOException e) {
      tally.failures.add("cannot delete " + dir + ": " + e);
      return false;
    }
  }

  /**
   * Whether a file has not changed since {@code cutoff}, judged by the later of its mtime and
   * ctime: an unpacked layer's directory carries the mtime from the tar, often years old, while
   * its ctime is set when it is created or renamed into place.
   */
  private static boolean unchangedSince(Path file, Instant cutoff) {
    try {
      Map<String, Object> times = Files.readAttributes(file, "unix:lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
      Instant modified = ((FileTime) times.get("lastModifiedTime")).toInstant();
      Instant changed = ((FileTime) times.get("ctime")).toInstant();
      return (modified.isAfter(changed) ? modified : changed).isBefore(cutoff);
    } catch (IOException | UnsupportedOperationException e) {
      return false; // gone, or unknowable: not provably old
    }
  }

  private static Digest digestOrNull(String algorithm, String hex) {
    try {
      return new Digest(algorithm, hex);
    } catch (IllegalArgumentException notADigest) {
      return null;
    }
  }

  private static final class Tally {
    final List<Digest> blobs = new ArrayList<>();
    final List<Digest> chainIds = new ArrayList<>();
    final List<Digest> orphanBlobs = new ArrayList<>();
    final List<Digest> orphanChainIds = new ArrayList<>();
    final List<String> failures = new ArrayList<>();

    GcResult result() {
      return new GcResult(blobs, chainIds, orphanBlobs, orphanChainIds, failures);
    }
  }
}
