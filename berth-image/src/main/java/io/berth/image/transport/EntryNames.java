package io.berth.image.transport;

/**
 * Checks archive member names. Names are only ever looked up, never used as paths, but a name that
 * climbs out ({@code ../x}) or is absolute marks an archive that was made to attack its reader,
 * so it is refused rather than guessed at.
 */
final class EntryNames {
  private EntryNames() {}

  /** The name without {@code ./} and trailing slashes: {@code ./a//b/} becomes {@code a/b}. */
  static String check(String raw, String where) {
    if (raw == null || raw.isEmpty()) {
      throw new TransportException(where + ": archive member without a name");
    }
    if (raw.startsWith("/") || raw.indexOf('\0') >= 0) {
      throw new TransportException(where + ": archive member \"" + raw + "\" has an absolute path; refusing the archive");
    }
    StringBuilder clean = new StringBuilder();
    for (String part : raw.split("/")) {
      if (part.equals("..")) {
        throw new TransportException(where + ": archive member \"" + raw + "\" points outside the archive (..); refusing it");
      }
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      clean.append(clean.isEmpty() ? "" : "/").append(part);
    }
    return clean.toString();
  }

  /** The member a symbolic link in {@code name} pointing at {@code target} names. */
  static String resolveLink(String name, String target, String where) {
    int slash = name.lastIndexOf('/');
    String parent = slash < 0 ? "" : name.substring(0, slash + 1);
    StringBuilder resolved = new StringBuilder(parent);
    if (target.startsWith("/")) {
      throw new TransportException(where + ": link \"" + name + "\" points to an absolute path; refusing the archive");
    }
    // Reduce ../ against the link's own directory; climbing above the archive root is refused.
    java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
    for (String part : (resolved + target).split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new TransportException(where + ": link \"" + name + "\" points outside the archive; refusing it");
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }
}
