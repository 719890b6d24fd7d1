package io.berth.image.meta;

import java.util.List;

/**
 * Every SQL statement of the image database, so that the schema and the queries that rely on it
 * are read together.
 *
 * <p>Reference counting is done by query, not with stored counters: a blob or snapshot is needed
 * while some row points at it, and a counter kept beside those rows could drift after a bug or
 * a hand edit, whereas the rows themselves cannot. Foreign keys from every referencing row to
 * {@code blobs} and {@code snapshots} make SQLite itself refuse to forget an entry that is still
 * referenced.
 */
final class Sql {
  private Sql() {}

  /**
   * Per-connection settings. The busy timeout is long enough for another process's GC or pull to
   * commit and short enough to report a stuck one. synchronous=FULL makes a commit durable before
   * the caller deletes files on its strength: with NORMAL (enough for WAL's integrity) a power cut
   * could undo a garbage collection whose files are already gone, leaving images that point at
   * missing blobs. Foreign keys are off unless asked for, and they are what refuse to forget a
   * referenced blob.
   */
  static final List<String> PRAGMAS = List.of(
      "PRAGMA busy_timeout = 30000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL");
  /** Write-ahead logging lets readers go on while one process writes; it persists in the file. */
  static final String JOURNAL_MODE_WAL = "PRAGMA journal_mode = WAL";
  /** Writers take the lock up front: a read transaction that later writes can fail with BUSY at once. */
  static final String BEGIN_WRITE = "BEGIN IMMEDIATE";
  static final String BEGIN_READ = "BEGIN DEFERRED";
  static final String COMMIT = "COMMIT";
  static final String ROLLBACK = "ROLLBACK";

  static final String CREATE_VERSION_TABLE =
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied TEXT NOT NULL)";
  static final String CURRENT_VERSION = "SELECT max(version) FROM schema_version";
  static final String RECORD_VERSION = "INSERT INTO schema_version (version, applied) VALUES (?, ?)";

  /** Migration i brings the schema from version i to version i + 1; never edit a released one. */
  static final List<List<String>> MIGRATIONS = List.of(List.of(
      // Blobs and snapshots the database accounts for. A file on disk that is in neither table
      // is an orphan (a crash between a commit and a file operation) that a sweep may remove.
      "CREATE TABLE blobs (digest TEXT PRIMARY KEY) WITHOUT ROWID",
      "CREATE TABLE snapshots (chain_id TEXT PRIMARY KEY) WITHOUT ROWID",
      """
      CREATE TABLE images (
        id TEXT PRIMARY KEY REFERENCES blobs (digest),
        manifest_digest TEXT NOT NULL REFERENCES blobs (digest),
        index_digest TEXT REFERENCES blobs (digest),
        architecture TEXT,
        os TEXT,
        created TEXT,
        size INTEGER NOT NULL,
        recorded TEXT NOT NULL)""",
      """
      CREATE TABLE image_layers (
        image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        layer_digest TEXT NOT NULL REFERENCES blobs (digest),
        chain_id TEXT NOT NULL REFERENCES snapshots (chain_id),
        PRIMARY KEY (image_id, position)) WITHOUT ROWID""",
      """
      CREATE TABLE names (
        name TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE) WITHOUT ROWID""",
      // image_id is not a foreign key: rmi --force removes the image while its containers live
      // on, held up by the snapshots they pinned when they were created.
      "CREATE TABLE containers (id TEXT PRIMARY KEY, image_id TEXT NOT NULL) WITHOUT ROWID",
      """
      CREATE TABLE container_snapshots (
        container_id TEXT NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
        chain_id TEXT NOT NULL REFERENCES snapshots (chain_id),
        PRIMARY KEY (container_id, chain_id)) WITHOUT ROWID""",
      // Foreign-key children need indexes, or every delete of a parent scans them.
      "CREATE INDEX images_manifest ON images (manifest_digest)",
      "CREATE INDEX images_index ON images (index_digest)",
      "CREATE INDEX image_layers_digest ON image_layers (layer_digest)",
      "CREATE INDEX image_layers_chain ON image_layers (chain_id)",
      "CREATE INDEX names_image ON names (image_id)",
      "CREATE INDEX containers_image ON containers (image_id)",
      "CREATE INDEX container_snapshots_chain ON container_snapshots (chain_id)"));

  static final String ADD_BLOB = "INSERT INTO blobs (digest) VALUES (?) ON CONFLICT DO NOTHING";
  static final String ADD_SNAPSHOT = "INSERT INTO snapshots (chain_id) VALUES (?) ON CONFLICT DO NOTHING";
  /** An upsert, not INSERT OR REPLACE: a replace deletes the row first and would cascade to its names. */
  static final String UPSERT_IMAGE = """
      INSERT INTO images (id, manifest_digest, index_digest, architecture, os, created, size, recorded)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET manifest_digest = excluded.manifest_digest,
        index_digest = excluded.index_digest, architecture = excluded.architecture, os = excluded.os,
        created = excluded.created, size = excluded.size, recorded = excluded.recorded""";
  static final String DELETE_LAYERS = "DELETE FROM image_layers WHERE image_id = ?";
  static final String ADD_LAYER =
      "INSERT INTO image_layers (image_id, position, layer_digest, chain_id) VALUES (?, ?, ?, ?)";
  /** Naming an image takes the name from whichever image had it. */
  static final String SET_NAME = """
      INSERT INTO names (name, image_id) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET image_id = excluded.image_id""";
  static final String DELETE_NAME = "DELETE FROM names WHERE name = ?";
  static final String DELETE_IMAGE = "DELETE FROM images WHERE id = ?";

  static final String IMAGE_BY_NAME = "SELECT image_id FROM names WHERE name = ?";
  /** GLOB, not LIKE: it is case-sensitive, and hex digits hold none of its wildcards. */
  static final String IMAGES_BY_ID_GLOB = "SELECT id FROM images WHERE id GLOB ? ORDER BY id";
  static final String IMAGE = """
      SELECT id, manifest_digest, index_digest, architecture, os, created, size
      FROM images WHERE id = ?""";
  static final String ALL_IMAGES =
      "SELECT id, manifest_digest, index_digest, architecture, os, created, size FROM images";
  static final String NAMES_OF = "SELECT name FROM names WHERE image_id = ? ORDER BY name";
  static final String ALL_NAMES = "SELECT image_id, name FROM names ORDER BY name";
  static final String LAYERS_OF =
      "SELECT layer_digest, chain_id FROM image_layers WHERE image_id = ? ORDER BY position";
  static final String ALL_LAYERS =
      "SELECT image_id, layer_digest, chain_id FROM image_layers ORDER BY image_id, position";
  /** Unnamed images that no container uses: what {@code image prune} may remove without --force. */
  static final String DANGLING = """
      SELECT id FROM images i
      WHERE NOT EXISTS (SELECT 1 FROM names n WHERE n.image_id = i.id)
        AND NOT EXISTS (SELECT 1 FROM containers c WHERE c.image_id = i.id)
      ORDER BY id""";

  static final String SET_CONTAINER = """
      INSERT INTO containers (id, image_id) VALUES (?, ?)
      ON CONFLICT (id) DO UPDATE SET image_id = excluded.image_id""";
  static final String DELETE_CONTAINER_SNAPSHOTS = "DELETE FROM container_snapshots WHERE container_id = ?";
  static final String PIN_SNAPSHOTS = """
      INSERT INTO container_snapshots (container_id, chain_id)
      SELECT DISTINCT ?, chain_id FROM image_layers WHERE image_id = ?""";
  static final String DELETE_CONTAINER = "DELETE FROM containers WHERE id = ?";
  static final String CONTAINERS_OF = "SELECT id FROM containers WHERE image_id = ? ORDER BY id";

  /** Blobs no image points at, by any of the four ways an image refers to a blob. */
  static final String UNREFERENCED_BLOBS = """
      SELECT digest FROM blobs b
      WHERE NOT EXISTS (SELECT 1 FROM images i WHERE i.id = b.digest)
        AND NOT EXISTS (SELECT 1 FROM images i WHERE i.manifest_digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM images i WHERE i.index_digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM image_layers l WHERE l.layer_digest = b.digest)
      ORDER BY digest""";
  static final String FORGET_BLOB = "DELETE FROM blobs WHERE digest = ?";
  /** Snapshots that neither an image's layer stack nor a container needs. */
  static final String UNREFERENCED_SNAPSHOTS = """
      SELECT chain_id FROM snapshots s
      WHERE NOT EXISTS (SELECT 1 FROM image_layers l WHERE l.chain_id = s.chain_id)
        AND NOT EXISTS (SELECT 1 FROM container_snapshots c WHERE c.chain_id = s.chain_id)
      ORDER BY chain_id""";
  static final String FORGET_SNAPSHOT = "DELETE FROM snapshots WHERE chain_id = ?";

  static final String BLOB_KNOWN = "SELECT 1 FROM blobs WHERE digest = ?";
  static final String SNAPSHOT_KNOWN = "SELECT 1 FROM snapshots WHERE chain_id = ?";
  static final String ALL_BLOBS = "SELECT digest FROM blobs";
  static final String ALL_SNAPSHOTS = "SELECT chain_id FROM snapshots";
}
