package io.berth.image.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  static String sha(String jdkAlgorithm, byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(jdkAlgorithm).digest(content));
  }

  @Test
  void parsesSha256AndSha512() {
    Digest d = Digest.parse("sha256:" + EMPTY_SHA256);
    assertEquals("sha256", d.algorithm());
    assertEquals(EMPTY_SHA256, d.hex());
    assertEquals("sha256:" + EMPTY_SHA256, d.toString());
    Digest long512 = Digest.parse("sha512:" + "ab".repeat(64));
    assertEquals("sha512", long512.algorithm());
  }

  @Test
  void ofComputesSha256LikeTheJdk() throws Exception {
    byte[] content = "hello, berth\n".getBytes(StandardCharsets.UTF_8);
    assertEquals("sha256:" + sha("SHA-256", content), Digest.of(content).toString());
    assertEquals("sha256:" + EMPTY_SHA256, Digest.of(new byte[0]).toString());
  }

  @Test
  void emptyJsonObjectHasTheDigestTheSpecGives() {
    // manifest.md: the blob {} has digest sha256:44136fa3...
    assertEquals("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        Digest.of("{}".getBytes(StandardCharsets.UTF_8)).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "sha256",
      "sha256:",
      ":" + EMPTY_SHA256,
      "SHA256:" + EMPTY_SHA256,
      "sha256:" + "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
      "sha256:" + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
      "sha256:" + EMPTY_SHA256 + "0",
      "sha256:" + "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "sha512:" + EMPTY_SHA256,
      "blake3:abc",
      "sha256+:abc",
      "-sha256:abc",
      "sha..256:abc",
      "md5:abc/def",
      "md5:../../etc",
      "sha256:" + EMPTY_SHA256 + "\n",
  })
  void rejectsMalformedDigests(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Digest.parse(text));
    assertTrue(e.getMessage().startsWith("invalid digest"), e.getMessage());
  }

  @Test
  void unknownAlgorithmsThatFollowTheGrammarPass() {
    // descriptor.md: implementations SHOULD let unregistered algorithms pass validation.
    Digest d = Digest.parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8");
    assertEquals("multihash+base58", d.algorithm());
    assertFalse(Digester.supports(d.algorithm()));
    assertThrows(IllegalArgumentException.class, () -> Digester.of(d.algorithm()));
  }

  @Test
  void errorSaysWhatIsWrong() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:abc"));
    assertTrue(e.getMessage().contains("64 lower-case hex digits"), e.getMessage());
  }

  @Test
  void digesterSha512AndContinuation() throws Exception {
    byte[] a = "first part ".getBytes(StandardCharsets.UTF_8);
    byte[] b = "second part".getBytes(StandardCharsets.UTF_8);
    Digester digester = Digester.of("sha512");
    digester.update(a, 0, a.length);
    Digest half = digester.digest();
    digester.update(b, 0, b.length);
    assertEquals("sha512:" + sha("SHA-512", a), half.toString());
    byte[] both = (new String(a, StandardCharsets.UTF_8) + new String(b, StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
    assertEquals("sha512:" + sha("SHA-512", both), digester.digest().toString());
    assertEquals(both.length, digester.count());
  }

  @Test
  void digestingOutputStreamHashesWhatPassesThrough() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    byte[] content = new byte[100_000];
    new java.util.Random(7).nextBytes(content);
    try (DigestingOutputStream out = new DigestingOutputStream(sink)) {
      out.write(content, 0, 50_000);
      out.write(content[50_000]);
      out.write(content, 50_001, content.length - 50_001);
      assertEquals(content.length, out.count());
      assertEquals("sha256:" + sha("SHA-256", content), out.digest().toString());
    }
    assertEquals(content.length, sink.size());
  }

  @Test
  void ordersByAlgorithmThenHex() {
    Digest a = Digest.parse("sha256:" + "0".repeat(64));
    Digest b = Digest.parse("sha256:" + "1".repeat(64));
    assertTrue(a.compareTo(b) < 0);
    assertEquals("000000000000", a.shortHex());
  }
}
