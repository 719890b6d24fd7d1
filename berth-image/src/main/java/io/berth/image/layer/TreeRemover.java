package io.berth.image.layer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.berth.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes a directory tree through descriptors, never following a symlink inside it: the tree is
 * layer content, and a symlink in it may point anywhere on the host.
 */
final class TreeRemover {
  private static final int DT_UNKNOWN = 0;
  private static final int DT_DIR = 4;

  private TreeRemover() {}

  /** Removes the directory {@code name} in {@code parent} and everything below it. */
  static void remove(int parent, String name) {
    int fd = Syscalls.openat(parent, name, Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
    try {
      removeContents(fd);
    } finally {
      Libc.closeQuietly(fd);
    }
    Syscalls.unlinkat(parent, name, Syscalls.AT_REMOVEDIR);
  }

  /** Empties the directory open as {@code dir}. */
  static void removeContents(int dir) {
    // All names are read before anything is removed: removing while reading may skip entries.
    List<String> children = new ArrayList<>();
    List<Boolean> isDir = new ArrayList<>();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment buf = a.allocate(1 << 15, 8);
      long n;
      while ((n = Syscalls.getdents64(dir, buf)) > 0) {
        for (long off = 0; off < n; ) {
          int reclen = buf.get(JAVA_SHORT, off + 16) & 0xffff;
          int type = buf.get(JAVA_BYTE, off + 18);
          MemorySegment nameSeg = buf.asSlice(off + 19, reclen - 19);
          int len = 0;
          while (nameSeg.get(JAVA_BYTE, len) != 0) {
            len++;
          }
          String name = new String(nameSeg.asSlice(0, len).toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
          if (!name.equals(".") && !name.equals("..")) {
            children.add(name);
            if (type == DT_UNKNOWN) {
              Syscalls.Stat st = Syscalls.lstatat(dir, name);
              isDir.add(st != null && st.isDirectory());
            } else {
              isDir.add(type == DT_DIR);
            }
          }
          off += reclen;
        }
      }
    }
    for (int i = 0; i < children.size(); i++) {
      if (isDir.get(i)) {
        remove(dir, children.get(i));
      } else {
        Syscalls.unlinkat(dir, children.get(i), 0);
      }
    }
  }
}
