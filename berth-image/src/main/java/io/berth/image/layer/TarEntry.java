package io.berth.image.layer;

import java.util.List;
import java.util.Map;

/**
 * One archive member with its PAX and GNU extensions already folded in. Names are raw byte strings
 * (see {@link EntryPath}); {@code size} counts the bytes the archive stores for the member, which
 * for a sparse file is less than the file's length.
 */
record TarEntry(
    Type type,
    String name,
    String linkName,
    int mode,
    int uid,
    int gid,
    long mtimeSec,
    int mtimeNanos,
    long size,
    int devMajor,
    int devMinor,
    Map<String, byte[]> xattrs,
    Sparse sparse) {

  enum Type {
    FILE,
    HARD_LINK,
    SYMLINK,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    DIRECTORY,
    FIFO
  }

  /** Where the stored bytes of a sparse file go: data segments in order, holes between them. */
  record Sparse(long realSize, List<Segment> segments) {}

  record Segment(long offset, long length) {}

  @Override
  public String toString() {
    return EntryPath.display(name);
  }
}
