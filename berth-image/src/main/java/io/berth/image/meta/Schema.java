package io.berth.image.meta;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

/** Connection settings and schema migrations of the image database. */
final class Schema {
  /** The version this code reads and writes: the number of migrations in {@link Sql#MIGRATIONS}. */
  static final int VERSION = Sql.MIGRATIONS.size();

  private Schema() {}

  /** Applies {@link Sql#PRAGMAS} and switches to write-ahead logging. */
  static void configure(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String pragma : Sql.PRAGMAS) {
        s.execute(pragma);
      }
      try (ResultSet mode = s.executeQuery(Sql.JOURNAL_MODE_WAL)) {
        String now = mode.next() ? mode.getString(1) : null;
        if (!"wal".equalsIgnoreCase(now)) {
          throw new SQLException("cannot switch to write-ahead logging; the journal mode stays " + now);
        }
      }
    }
  }

  /**
   * Brings the schema to {@link #VERSION}, in the caller's write transaction so that two
   * processes opening a new database at once do not both create it.
   */
  static void migrate(Connection c, Path file) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(Sql.CREATE_VERSION_TABLE);
    }
    int current = version(c);
    if (current > VERSION) {
      throw new ImageDatabaseException(file, "schema version " + current + " is newer than this Berth knows ("
          + VERSION + "); it was written by a newer Berth, so upgrade Berth to use it", null);
    }
    for (int v = current; v < VERSION; v++) {
      List<String> migration = Sql.MIGRATIONS.get(v);
      try (Statement s = c.createStatement()) {
        for (String statement : migration) {
          s.execute(statement);
        }
      }
      try (PreparedStatement p = c.prepareStatement(Sql.RECORD_VERSION)) {
        p.setInt(1, v + 1);
        p.setString(2, Instant.now().toString());
        p.executeUpdate();
      }
    }
  }

  /** 0 for a database that has no schema yet. */
  static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(Sql.CURRENT_VERSION)) {
      return r.next() ? r.getInt(1) : 0;
    }
  }
}
