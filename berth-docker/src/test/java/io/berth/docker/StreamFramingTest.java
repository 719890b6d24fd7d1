package io.berth.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamFramingTest {
  /** Reads frames back as Docker's clients do (stdcopy): the header, then that many bytes. */
  static List<String> frames(byte[] wire) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(wire));
    List<String> out = new ArrayList<>();
    while (in.available() > 0) {
      int stream = in.readUnsignedByte();
      in.skipBytes(3);
      int size = in.readInt();
      out.add(stream + ":" + new String(in.readNBytes(size), StandardCharsets.UTF_8));
    }
    return out;
  }

  @Test
  void eachPieceHasAnEightByteHeaderWithItsStreamAndSize() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    StreamFraming f = StreamFraming.multiplexed(wire);
    f.write(StreamFraming.STDOUT, "hello\n".getBytes(StandardCharsets.UTF_8));
    f.stream(StreamFraming.STDERR).write("oops".getBytes(StandardCharsets.UTF_8));
    f.write(StreamFraming.STDOUT, new byte[0]); // nothing: no empty frame
    assertEquals(List.of("1:hello\n", "2:oops"), frames(wire.toByteArray()));
    assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 6}, java.util.Arrays.copyOf(wire.toByteArray(), 8));
  }

  @Test
  void sizesAreBigEndianAndLargePiecesKeepTheirLength() {
    assertArrayEquals(new byte[] {2, 0, 0, 0, 0x01, 0x02, 0x03, 0x04}, StreamFraming.header(2, 0x01020304));
    assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}, StreamFraming.header(1, 65535));
  }

  @Test
  void withATerminalTheBytesGoOutAsTheyAre() throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    StreamFraming f = StreamFraming.of(wire, true);
    f.write(StreamFraming.STDOUT, "a".getBytes(StandardCharsets.UTF_8));
    f.write(StreamFraming.STDERR, "b".getBytes(StandardCharsets.UTF_8));
    assertEquals("ab", wire.toString(StandardCharsets.UTF_8));
  }

  @Test
  void concurrentWritersNeverSplitAFrame() throws Exception {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    StreamFraming f = StreamFraming.multiplexed(wire);
    List<Thread> threads = new ArrayList<>();
    for (int s = 1; s <= 2; s++) {
      int stream = s;
      threads.add(Thread.ofVirtual().start(() -> {
        for (int i = 0; i < 200; i++) {
          try {
            f.write(stream, ("piece-" + stream + "-" + i).getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    List<String> got = frames(wire.toByteArray());
    assertEquals(400, got.size());
    for (String g : got) {
      assertEquals(g.charAt(0), g.charAt(8), g); // "1:piece-1-..." : the header's stream is the piece's
    }
  }
}
