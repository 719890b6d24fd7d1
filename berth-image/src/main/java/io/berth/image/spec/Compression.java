package io.berth.image.spec;

/** How a layer blob is compressed: the three encodings the OCI layer media types allow. */
public enum Compression {
  NONE,
  GZIP,
  ZSTD;

  /** The number of leading bytes {@link #detect} looks at. */
  public static final int MAGIC_LENGTH = 4;

  /**
   * The compression whose magic number starts {@code magic} (gzip 1f 8b, zstd 28 b5 2f fd);
   * anything else is taken to be a plain tar, which has no magic at its start.
   */
  public static Compression detect(byte[] magic) {
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return GZIP;
    }
    if (magic.length >= 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return ZSTD;
    }
    return NONE;
  }
}
