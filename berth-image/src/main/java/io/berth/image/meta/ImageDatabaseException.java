package io.berth.image.meta;

import java.nio.file.Path;

/** The database itself failed: unreadable, locked for too long, too new a schema, a full disk. */
public class ImageDatabaseException extends RuntimeException {
  public ImageDatabaseException(Path file, String message, Throwable cause) {
    super("image database " + file + ": " + message, cause);
  }
}
