package io.berth.image.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads images back from the tables, inside a transaction the caller holds. */
final class ImageReader {
  /** An image ID with or without its algorithm, or at least 4 leading hex digits of one. */
  private static final Pattern ID_PREFIX = Pattern.compile("(?:([a-z0-9]+(?:[+._-][a-z0-9]+)*):)?([a-f0-9]{4,})");

  /** Newest first, as {@code berth images} lists them; undated images last, then by ID. */
  static final Comparator<ImageRecord> NEWEST_FIRST = Comparator
      .comparing(ImageRecord::created, Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
      .thenComparing(ImageRecord::id);

  private ImageReader() {}

  /**
   * The ID of the image a user means: a full name first (a name may look like hex), then a full
   * ID or a unique ID prefix. Null when nothing matches.
   *
   * @throws AmbiguousImageException for a prefix of several IDs
   */
  static String findId(Connection c, String nameOrIdPrefix) throws SQLException {
    String byName = queryString(c, Sql.IMAGE_BY_NAME, nameOrIdPrefix);
    if (byName != null) {
      return byName;
    }
    Matcher m = ID_PREFIX.matcher(nameOrIdPrefix);
    if (!m.matches()) {
      return null;
    }
    String glob = (m.group(1) == null ? "*" : m.group(1)) + ":" + m.group(2) + "*";
    List<String> ids = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(Sql.IMAGES_BY_ID_GLOB)) {
      p.setString(1, glob);
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          ids.add(r.getString(1));
        }
      }
    }
    if (ids.size() > 1) {
      throw new AmbiguousImageException(nameOrIdPrefix, ids);
    }
    return ids.isEmpty() ? null : ids.get(0);
  }

  /** The image with this exact ID, or null. */
  static ImageRecord load(Connection c, String id) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(Sql.IMAGE)) {
      p.setString(1, id);
      try (ResultSet r = p.executeQuery()) {
        if (!r.next()) {
          return null;
        }
        List<String> names = new ArrayList<>();
        try (PreparedStatement n = c.prepareStatement(Sql.NAMES_OF)) {
          n.setString(1, id);
          try (ResultSet rn = n.executeQuery()) {
            while (rn.next()) {
              names.add(rn.getString(1));
            }
          }
        }
        Layers layers = new Layers();
        try (PreparedStatement l = c.prepareStatement(Sql.LAYERS_OF)) {
          l.setString(1, id);
          try (ResultSet rl = l.executeQuery()) {
            while (rl.next()) {
              layers.add(rl.getString(1), rl.getString(2));
            }
          }
        }
        return record(r, names, layers);
      }
    }
  }

  /** Every image, newest first. Three scans rather than three queries per image. */
  static List<ImageRecord> all(Connection c) throws SQLException {
    Map<String, List<String>> names = new HashMap<>();
    Map<String, Layers> layers = new HashMap<>();
    try (PreparedStatement p = c.prepareStatement(Sql.ALL_NAMES); ResultSet r = p.executeQuery()) {
      while (r.next()) {
        names.computeIfAbsent(r.getString(1), k -> new ArrayList<>()).add(r.getString(2));
      }
    }
    try (PreparedStatement p = c.prepareStatement(Sql.ALL_LAYERS); ResultSet r = p.executeQuery()) {
      while (r.next()) {
        layers.computeIfAbsent(r.getString(1), k -> new Layers()).add(r.getString(2), r.getString(3));
      }
    }
    List<ImageRecord> images = new ArrayList<>();
    try (PreparedStatement p = c.prepareStatement(Sql.ALL_IMAGES); ResultSet r = p.executeQuery()) {
      while (r.next()) {
        String id = r.getString("id");
        images.add(record(r, names.getOrDefault(id, List.of()), layers.getOrDefault(id, new Layers())));
      }
    }
    images.sort(NEWEST_FIRST);
    return images;
  }

  static List<String> strings(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setString(i + 1, args[i]);
      }
      List<String> values = new ArrayList<>();
      try (ResultSet r = p.executeQuery()) {
        while (r.next()) {
          values.add(r.getString(1));
        }
      }
      return values;
    }
  }

  static String queryString(Connection c, String sql, String arg) throws SQLException {
    List<String> values = strings(c, sql, arg);
    return values.isEmpty() ? null : values.get(0);
  }

  private static ImageRecord record(ResultSet r, List<String> names, Layers layers) throws SQLException {
    String created = r.getString("created");
    return new ImageRecord(r.getString("id"), r.getString("manifest_digest"), r.getString("index_digest"),
        names, layers.digests, layers.chainIds, r.getString("architecture"), r.getString("os"),
        created == null ? null : Instant.parse(created), r.getLong("size"));
  }

  private static final class Layers {
    final List<String> digests = new ArrayList<>();
    final List<String> chainIds = new ArrayList<>();

    void add(String digest, String chainId) {
      digests.add(digest);
      chainIds.add(chainId);
    }
  }
}
