package io.berth.image.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainIdTest {
  private static final Digest A =
      Digest.parse("sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1");
  private static final Digest B =
      Digest.parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
  private static final Digest C =
      Digest.parse("sha256:a9561eb1b190625c9adb5a9513e72c4dedafc1cb2d4c5236c9a6957ec7dfd5a9");

  /** Independent of the code under test: the spec's formula, spelled out with the JDK. */
  private static String sha256Of(String text) throws Exception {
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    return "sha256:" + HexFormat.of().formatHex(hash);
  }

  @Test
  void singleLayerChainIdIsItsDiffId() {
    assertEquals(A, ChainId.of(List.of(A)));
  }

  @Test
  void threeLayersFollowTheRecursion() throws Exception {
    String ab = sha256Of(A + " " + B);
    String abc = sha256Of(ab + " " + C);
    assertEquals(List.of(A.toString(), ab, abc),
        ChainId.chain(List.of(A, B, C)).stream().map(Digest::toString).toList());
    assertEquals(abc, ChainId.of(List.of(A, B, C)).toString());
  }

  @Test
  void orderMatters() {
    assertNotEquals(ChainId.of(List.of(A, B)), ChainId.of(List.of(B, A)));
    assertNotEquals(C, ChainId.of(List.of(A, B, C)));
  }

  @Test
  void emptyStackHasNoChainId() {
    assertEquals(List.of(), ChainId.chain(List.of()));
    assertThrows(IllegalArgumentException.class, () -> ChainId.of(List.of()));
  }
}
