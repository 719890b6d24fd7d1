package io.berth.engine;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** Container IDs (64 hex digits) and names: the user's, checked, or a generated adjective_noun. */
final class Names {
  static final Pattern VALID = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> LEFT = List.of(
      "brave", "calm", "clever", "eager", "gentle", "happy", "keen", "lucid", "merry", "nimble",
      "quiet", "quirky", "sharp", "steady", "sunny", "swift", "tender", "vivid", "wise", "zen");
  private static final List<String> RIGHT = List.of(
      "babbage", "curie", "dijkstra", "euler", "fermat", "gauss", "hopper", "hypatia", "knuth",
      "lamport", "liskov", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson",
      "turing", "wozniak", "yonath");

  private Names() {}

  static String newId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static String generated() {
    return LEFT.get(RANDOM.nextInt(LEFT.size())) + "_" + RIGHT.get(RANDOM.nextInt(RIGHT.size()))
        + "_" + HexFormat.of().formatHex(new byte[] {(byte) RANDOM.nextInt(), (byte) RANDOM.nextInt()});
  }

  static String check(String name) {
    if (!VALID.matcher(name).matches() || name.length() > 253) {
      throw new EngineException("invalid container name \"" + name
          + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
    }
    return name.startsWith("/") ? name.substring(1) : name;
  }
}
