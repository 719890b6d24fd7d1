package io.berth.docker;

import io.berth.server.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** A streamed response's chunks as an output stream: each write is one chunk, sent at once. */
final class ChunkOutput extends OutputStream {
  private final Response.Chunks chunks;

  ChunkOutput(Response.Chunks chunks) {
    this.chunks = chunks;
  }

  @Override
  public void write(int b) throws IOException {
    chunks.write(new byte[] {(byte) b});
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    chunks.write(Arrays.copyOfRange(b, off, off + len));
  }
}
