package io.berth.engine;

import io.berth.image.meta.Sqlite;
import io.berth.json.Json;
import io.berth.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The containers' records in SQLite (WAL, one row a container, the record as JSON). Every change
 * is a read-modify-write in one immediate transaction, so many berth processes at once (20
 * parallel {@code berth run -d}) serialize on the database and never lose an update; the name
 * column is unique, so two containers can never share a name.
 */
final class ContainerStore implements AutoCloseable {

  private final Path file;
  private final Connection c;

  private ContainerStore(Path file, Connection c) {
    this.file = file;
    this.c = c;
  }

  static ContainerStore open(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Connection c = Sqlite.open(file);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 60000");
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = NORMAL");
      }
      c.setAutoCommit(true);
      ContainerStore store = new ContainerStore(file, c);
      store.write(conn -> {
        try (Statement s = conn.createStatement()) {
          s.execute(
              "CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                  + " created TEXT NOT NULL, record TEXT NOT NULL)");
        }
        return null;
      });
      return store;
    } catch (SQLException | IOException e) {
      throw new EngineException("cannot open the container database " + file + ": " + e.getMessage(), e);
    }
  }

  /** Adds a new container; a taken name is a {@link EngineException.Conflict}. */
  void insert(Container ctr) {
    write(conn -> {
      String holder = one(conn, "SELECT id FROM containers WHERE name = ?", ctr.name());
      if (holder != null) {
        throw new EngineException.Conflict("the container name \"" + ctr.name()
            + "\" is already in use by " + holder.substring(0, 12)
            + ": remove that container or choose another name");
      }
      try (PreparedStatement p = conn.prepareStatement("INSERT INTO containers VALUES (?, ?, ?, ?)")) {
        p.setString(1, ctr.id());
        p.setString(2, ctr.name());
        p.setString(3, ctr.created());
        p.setString(4, toJson(ctr));
        p.executeUpdate();
      }
      return null;
    });
  }

  /** By exact name, exact ID, or a unique ID prefix. */
  Optional<Container> find(String nameOrId) {
    return Optional.ofNullable(read(conn -> {
      String json = one(conn, "SELECT record FROM containers WHERE name = ? OR id = ?", nameOrId, nameOrId);
      if (json == null && nameOrId.matches("[0-9a-f]{1,63}")) {
        List<String> matches = all(conn, "SELECT record FROM containers WHERE id LIKE ? || '%'", nameOrId);
        if (matches.size() > 1) {
          throw new EngineException("container ID prefix \"" + nameOrId + "\" is ambiguous: "
              + matches.size() + " containers match; give more digits");
        }
        json = matches.isEmpty() ? null : matches.get(0);
      }
      return json == null ? null : fromJson(json);
    }));
  }

  Container get(String nameOrId) {
    return find(nameOrId).orElseThrow(() ->
        new EngineException.NotFound("no such container: " + nameOrId));
  }

  /** Every container, oldest first. */
  List<Container> list() {
    return read(conn -> all(conn, "SELECT record FROM containers ORDER BY created, id")
        .stream().map(ContainerStore::fromJson).toList());
  }

  /**
   * Replaces a container's record with {@code change} of the stored one, in one transaction.
   * Returns the new record, or empty when the container is gone.
   */
  Optional<Container> update(String id, UnaryOperator<Container> change) {
    return Optional.ofNullable(write(conn -> {
      String json = one(conn, "SELECT record FROM containers WHERE id = ?", id);
      if (json == null) {
        return null;
      }
      Container next = change.apply(fromJson(json));
      if (next == null) {
        return null;
      }
      String holder = one(conn, "SELECT id FROM containers WHERE name = ? AND id <> ?", next.name(), id);
      if (holder != null) {
        throw new EngineException.Conflict("the container name \"" + next.name()
            + "\" is already in use by " + holder.substring(0, 12));
      }
      try (PreparedStatement p = conn.prepareStatement("UPDATE containers SET name = ?, record = ? WHERE id = ?")) {
        p.setString(1, next.name());
        p.setString(2, toJson(next));
        p.setString(3, id);
        p.executeUpdate();
      }
      return next;
    }));
  }

  void delete(String id) {
    write(conn -> {
      try (PreparedStatement p = conn.prepareStatement("DELETE FROM containers WHERE id = ?")) {
        p.setString(1, id);
        p.executeUpdate();
      }
      return null;
    });
  }

  @Override
  public synchronized void close() {
    try {
      c.close();
    } catch (SQLException e) {
      // closing a read connection cannot lose anything
    }
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private synchronized <T> T write(Work<T> work) {
    return transaction("BEGIN IMMEDIATE", work);
  }

  private synchronized <T> T read(Work<T> work) {
    return transaction("BEGIN DEFERRED", work);
  }

  private <T> T transaction(String begin, Work<T> work) {
    boolean done = false;
    try {
      try (Statement s = c.createStatement()) {
        s.execute(begin);
      }
      T result = work.run(c);
      try (Statement s = c.createStatement()) {
        s.execute("COMMIT");
      }
      done = true;
      return result;
    } catch (SQLException e) {
      throw new EngineException("container database " + file + ": " + e.getMessage(), e);
    } finally {
      if (!done) {
        try (Statement s = c.createStatement()) {
          s.execute("ROLLBACK");
        } catch (SQLException ignored) {
          // no transaction was open
        }
      }
    }
  }

  private static String one(Connection c, String sql, String... args) throws SQLException {
    List<String> r = all(c, sql, args);
    return r.isEmpty() ? null : r.get(0);
  }

  private static List<String> all(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setString(i + 1, args[i]);
      }
      List<String> out = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
      return out;
    }
  }

  private static String toJson(Container ctr) {
    return Json.writeString(ctr);
  }

  private static Container fromJson(String json) {
    try {
      return Json.read(json, Container.class);
    } catch (JsonException e) {
      throw new EngineException("a container record in the database is unreadable: " + e.getMessage(), e);
    }
  }
}
