package io.berth.image.meta;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens SQLite databases through the driver itself, not {@link java.sql.DriverManager}: the
 * manager's first use scans the class path for every JDBC driver, milliseconds a one-shot
 * command does not need to spend.
 */
public final class Sqlite {
  private Sqlite() {}

  public static Connection open(Path file) throws SQLException {
    return org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, new Properties());
  }
}
