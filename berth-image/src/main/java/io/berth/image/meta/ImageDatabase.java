package io.berth.image.meta;

import io.berth.image.spec.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The image metadata database: images, their names, the blobs and snapshots they use, and the
 * containers that pin snapshots. One SQLite file; every change is one transaction.
 *
 * <p>Several processes may open the same file (SQLite's locks make writers take turns and wait
 * up to the busy timeout); within a process one instance may be shared by any number of threads,
 * which take turns on its single connection.
 *
 * <p>The database never touches files. {@link #collectGarbage()} forgets what nothing needs and
 * returns it, and the caller ({@link ImageGc}) deletes the files after that commit. A crash in
 * between leaves files the database no longer knows, which a sweep removes; the reverse order
 * could leave the database pointing at deleted files, which nothing would repair.
 */
public final class ImageDatabase implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[^\\s\\p{Cntrl}]{1,1024}");

  private final Path file;
  private final Connection connection;
  private boolean closed;

  private ImageDatabase(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /**
   * Opens the database at {@code file}, creating it (and its directory) if needed and upgrading
   * an older schema.
   *
   * @throws ImageDatabaseException if the file is not a database, cannot be written, or was
   *     written by a newer Berth
   */
  public static ImageDatabase open(Path file) {
    Path path = file.toAbsolutePath().normalize();
    try {
      Files.createDirectories(path.getParent());
    } catch (IOException e) {
      throw new ImageDatabaseException(path, "cannot create its directory: " + e, e);
    }
    Connection c;
    try {
      c = Sqlite.open(path);
    } catch (SQLException e) {
      throw new ImageDatabaseException(path, "cannot open: " + e.getMessage(), e);
    }
    ImageDatabase db = new ImageDatabase(path, c);
    try {
      Schema.configure(c);
      db.write("create or upgrade the schema", conn -> {
        Schema.migrate(conn, path);
        return null;
      });
      return db;
    } catch (SQLException e) {
      db.close();
      throw new ImageDatabaseException(path, "cannot open: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /**
   * Records an image: its blobs, its snapshots and its names, in one transaction. Recording an
   * image again replaces what the database knew of it (a blob it no longer uses becomes garbage)
   * and adds the new names to its old ones. A name that pointed at another image moves here; the
   * other image keeps its other names, or becomes dangling.
   *
   * <p>Call it after the blobs are in the store and, if unpacked, the snapshots are in place:
   * until then a sweep sees them as young orphans and leaves them alone for its grace period.
   */
  public void recordImage(ImageRecord image) {
    List<String> blobs = new ArrayList<>();
    blobs.add(checkDigest(image.id(), "image ID"));
    blobs.add(checkDigest(image.manifestDigest(), "manifest digest"));
    if (image.indexDigest() != null) {
      blobs.add(checkDigest(image.indexDigest(), "index digest"));
    }
    for (String layer : image.layerDigests()) {
      blobs.add(checkDigest(layer, "layer digest"));
    }
    for (String chainId : image.chainIds()) {
      checkDigest(chainId, "chain ID");
    }
    image.names().forEach(name -> checkName(name, "image name"));
    write("record image " + image.displayName(), c -> {
      batch(c, Sql.ADD_BLOB, new LinkedHashSet<>(blobs));
      batch(c, Sql.ADD_SNAPSHOT, new LinkedHashSet<>(image.chainIds()));
      try (PreparedStatement p = c.prepareStatement(Sql.UPSERT_IMAGE)) {
        p.setString(1, image.id());
        p.setString(2, image.manifestDigest());
        p.setString(3, image.indexDigest());
        p.setString(4, image.architecture());
        p.setString(5, image.os());
        p.setString(6, image.created() == null ? null : image.created().toString());
        p.setLong(7, image.size());
        p.setString(8, Instant.now().toString());
        p.executeUpdate();
      }
      update(c, Sql.DELETE_LAYERS, image.id());
      try (PreparedStatement p = c.prepareStatement(Sql.ADD_LAYER)) {
        for (int i = 0; i < image.layerDigests().size(); i++) {
          p.setString(1, image.id());
          p.setInt(2, i);
          p.setString(3, image.layerDigests().get(i));
          p.setString(4, image.chainIds().get(i));
          p.addBatch();
        }
        p.executeBatch();
      }
      for (String name : image.names()) {
        update(c, Sql.SET_NAME, name, image.id());
      }
      return null;
    });
  }

  /**
   * The image a user means: by full name (normalized by the caller, e.g. {@code
   * docker.io/library/busybox:latest}), by ID with or without {@code sha256:}, or by a prefix of
   * at least 4 hex digits that only one ID has.
   *
   * @throws AmbiguousImageException if the prefix matches several images
   */
  public Optional<ImageRecord> resolve(String nameOrIdPrefix) {
    return Optional.ofNullable(read("resolve " + nameOrIdPrefix, c -> {
      String id = ImageReader.findId(c, nameOrIdPrefix);
      return id == null ? null : ImageReader.load(c, id);
    }));
  }

  /** Every image with all its names, newest first. */
  public List<ImageRecord> list() {
    return read("list images", ImageReader::all);
  }

  /**
   * Gives an image one more name; a name another image had moves.
   *
   * @throws ImageNotFoundException if {@code imageIdOrName} matches no image
   */
  public void tag(String imageIdOrName, String newName) {
    checkName(newName, "image name");
    write("tag " + imageIdOrName + " as " + newName, c -> {
      update(c, Sql.SET_NAME, newName, existingId(c, imageIdOrName));
      return null;
    });
  }

  /**
   * Removes a name; the image stays, dangling if that was its last name.
   *
   * @throws ImageNotFoundException if no image has the name
   */
  public void untag(String name) {
    write("untag " + name, c -> {
      if (update(c, Sql.DELETE_NAME, name) == 0) {
        throw new ImageNotFoundException(name);
      }
      return null;
    });
  }

  /**
   * Removes an image and all its names; its blobs and snapshots become garbage unless another
   * image shares them. With {@code force} an image that containers use is removed too: the
   * containers keep their snapshots, pinned by {@link #addContainerReference}.
   *
   * @param imageIdOrName an ID, unique ID prefix or name; a name removes the whole image it
   *     names, not only that name (that is {@link #untag})
   * @return the image as it was
   * @throws ImageNotFoundException if nothing matches
   * @throws ImageInUseException if containers use the image and {@code force} is false
   */
  public ImageRecord removeImage(String imageIdOrName, boolean force) {
    return write("remove image " + imageIdOrName, c -> {
      String id = existingId(c, imageIdOrName);
      List<String> users = ImageReader.strings(c, Sql.CONTAINERS_OF, id);
      if (!users.isEmpty() && !force) {
        throw new ImageInUseException(id, users);
      }
      ImageRecord removed = ImageReader.load(c, id);
      update(c, Sql.DELETE_IMAGE, id);
      return removed;
    });
  }

  /**
   * Records that a container runs on an image, pinning the image's snapshots for as long as the
   * container exists, even if the image is removed.
   *
   * @throws ImageNotFoundException if nothing matches {@code imageIdOrName}
   */
  public void addContainerReference(String containerId, String imageIdOrName) {
    checkName(containerId, "container ID");
    write("add container " + containerId, c -> {
      String id = existingId(c, imageIdOrName);
      update(c, Sql.SET_CONTAINER, containerId, id);
      update(c, Sql.DELETE_CONTAINER_SNAPSHOTS, containerId);
      update(c, Sql.PIN_SNAPSHOTS, containerId, id);
      return null;
    });
  }

  /**
   * Drops a container's pins. Removing an unknown container is not an error, so that an engine
   * that crashed half-way through removing a container can simply remove it again.
   */
  public void removeContainerReference(String containerId) {
    write("remove container " + containerId, c -> {
      update(c, Sql.DELETE_CONTAINER, containerId);
      return null;
    });
  }

  /**
   * Forgets, in one transaction, every blob that no image references and every snapshot that
   * neither an image's layers nor a container needs, and returns them. The caller deletes their
   * files afterwards; see {@link ImageGc}.
   */
  public GarbageCollection collectGarbage() {
    return write("collect garbage", c -> {
      List<String> blobs = ImageReader.strings(c, Sql.UNREFERENCED_BLOBS);
      batch(c, Sql.FORGET_BLOB, blobs);
      List<String> snapshots = ImageReader.strings(c, Sql.UNREFERENCED_SNAPSHOTS);
      batch(c, Sql.FORGET_SNAPSHOT, snapshots);
      return new GarbageCollection(
          blobs.stream().map(Digest::parse).toList(), snapshots.stream().map(Digest::parse).toList());
    });
  }

  /** IDs of images with no name that no container uses: those {@code image prune} removes. */
  public List<String> dangling() {
    return read("list dangling images", c -> ImageReader.strings(c, Sql.DANGLING));
  }

  /** Whether the database accounts for this blob (a sweep must leave it alone). */
  boolean isKnownBlob(Digest digest) {
    return read("look up blob " + digest, c -> ImageReader.queryString(c, Sql.BLOB_KNOWN, digest.toString()) != null);
  }

  boolean isKnownSnapshot(Digest chainId) {
    return read("look up snapshot " + chainId,
        c -> ImageReader.queryString(c, Sql.SNAPSHOT_KNOWN, chainId.toString()) != null);
  }

  Set<String> knownBlobs() {
    return read("list blobs", c -> new HashSet<>(ImageReader.strings(c, Sql.ALL_BLOBS)));
  }

  Set<String> knownSnapshots() {
    return read("list snapshots", c -> new HashSet<>(ImageReader.strings(c, Sql.ALL_SNAPSHOTS)));
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      connection.close();
    } catch (SQLException e) {
      throw new ImageDatabaseException(file, "cannot close: " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T write(String what, Work<T> work) {
    return transaction(Sql.BEGIN_WRITE, what, work);
  }

  private <T> T read(String what, Work<T> work) {
    return transaction(Sql.BEGIN_READ, what, work);
  }

  /**
   * Runs {@code work} in a transaction on the one connection; threads take turns. Any exception
   * rolls back, so a refused operation (an image in use) changes nothing.
   */
  private synchronized <T> T transaction(String begin, String what, Work<T> work) {
    if (closed) {
      throw new IllegalStateException("image database " + file + " is closed");
    }
    boolean committed = false;
    try {
      execute(begin);
      T result = work.run(connection);
      execute(Sql.COMMIT);
      committed = true;
      return result;
    } catch (SQLException e) {
      throw new ImageDatabaseException(file, "cannot " + what + ": " + e.getMessage() + busyHint(e), e);
    } finally {
      if (!committed) {
        rollbackQuietly();
      }
    }
  }

  private static String busyHint(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return message.contains("SQLITE_BUSY") || message.contains("SQLITE_LOCKED")
        ? " (another Berth process held the database for too long; try again)"
        : "";
  }

  private void execute(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  private void rollbackQuietly() {
    try {
      execute(Sql.ROLLBACK);
    } catch (SQLException ignored) {
      // BEGIN itself failed, or SQLite already rolled back: nothing is pending either way
    }
  }

  private static String existingId(Connection c, String imageIdOrName) throws SQLException {
    String id = ImageReader.findId(c, imageIdOrName);
    if (id == null) {
      throw new ImageNotFoundException(imageIdOrName);
    }
    return id;
  }

  private static int update(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setString(i + 1, args[i]);
      }
      return p.executeUpdate();
    }
  }

  private static void batch(Connection c, String sql, Iterable<String> values) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (String value : values) {
        p.setString(1, value);
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  private static String checkDigest(String digest, String what) {
    try {
      return Digest.parse(digest).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  private static void checkName(String name, String what) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid " + what + " \"" + name
          + "\": it must be 1 to 1024 characters without spaces or control characters");
    }
  }
}
