package io.berth.image.store;

import io.berth.image.spec.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Test content and the independent checks the store tests make. */
final class Blobs {
  private Blobs() {}

  static byte[] random(long seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** sha256 by the JDK, not by the code under test. */
  static Digest sha256(byte[] content) {
    try {
      return Digest.parse("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Files in ingest/ other than the lock file. */
  static List<String> ingestFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.list(root.resolve("ingest"))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).sorted().toList();
    }
  }

  /** Every regular file under blobs/. */
  static List<Path> blobFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root.resolve("blobs"))) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
