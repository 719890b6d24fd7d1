package io.berth.image.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.berth.image.spec.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** The decompressed view of a layer blob; reading past a truncated end throws IOException. */
public final class Decompressor {
  private Decompressor() {}

  public static InputStream open(Compression compression, InputStream in) throws IOException {
    return switch (compression) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new ZstdInputStreamNoFinalizer(in);
    };
  }
}
