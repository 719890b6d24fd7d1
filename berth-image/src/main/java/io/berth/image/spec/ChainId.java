package io.berth.image.spec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Chain IDs (config.md, "Layer ChainID"): the identity of a stack of applied layers, which is
 * what an unpacked snapshot is keyed by. ChainID(L0) = DiffID(L0); ChainID(L0|..|Ln) =
 * sha256(ChainID(L0|..|Ln-1) + " " + DiffID(Ln)), hashing the digests' text forms.
 */
public final class ChainId {
  private ChainId() {}

  /** The chain ID of every prefix of the stack: element i identifies layers 0..i applied. */
  public static List<Digest> chain(List<Digest> diffIds) {
    List<Digest> chain = new ArrayList<>(diffIds.size());
    Digest previous = null;
    for (Digest diffId : diffIds) {
      previous = previous == null
          ? diffId
          : Digest.of((previous + " " + diffId).getBytes(StandardCharsets.UTF_8));
      chain.add(previous);
    }
    return List.copyOf(chain);
  }

  /**
   * The chain ID of the whole stack.
   *
   * @throws IllegalArgumentException for an empty stack, which has no chain ID
   */
  public static Digest of(List<Digest> diffIds) {
    if (diffIds.isEmpty()) {
      throw new IllegalArgumentException("an image with no layers has no chain ID");
    }
    List<Digest> chain = chain(diffIds);
    return chain.get(chain.size() - 1);
  }
}
