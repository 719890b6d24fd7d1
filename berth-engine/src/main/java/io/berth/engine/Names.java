package io.berth.engine;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** Container IDs (64 hex digits) and names: the user's, checked, or a generated adjective_noun. */
final class Names {
  static final Pattern VALID = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  private static final List<String> LEFT = List.of(
      "brave", "calm", "clever", "eager", "gentle", "happy", "keen", "lucid", "merry", "nimble",
      "quiet", "quirky", "sharp", "steady", "sunny", "swift", "tender", "vivid", "wise", "zen");
  private static final List<String> RIGHT = List.of(
      "babbage", "curie", "dijkstra", "euler", "fermat", "gauss", "hopper", "hypatia", "knuth",
      "lamport", "liskov", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson",
      "turing", "wozniak", "yonath");

  private Names() {}

  /**
   * Random bytes from the kernel's generator, read directly: the JDK's SecureRandom reads the same
   * source but first sets up its providers, ~6 ms of a one-shot {@code berth run}.
   */
  private static byte[] random(int n) {
    try (FileInputStream in = new FileInputStream("/dev/urandom")) {
      byte[] b = in.readNBytes(n);
      if (b.length != n) {
        throw new IOException("short read");
      }
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /dev/urandom", e);
    }
  }

  static String newId() {
    return HexFormat.of().formatHex(random(32));
  }

  static String generated() {
    byte[] r = random(4);
    return LEFT.get((r[0] & 0xff) % LEFT.size()) + "_" + RIGHT.get((r[1] & 0xff) % RIGHT.size())
        + "_" + HexFormat.of().formatHex(new byte[] {r[2], r[3]});
  }

  static String check(String name) {
    if (!VALID.matcher(name).matches() || name.length() > 253) {
      throw new EngineException("invalid container name \"" + name
          + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    return name.startsWith("/") ? name.substring(1) : name;
  }
}
