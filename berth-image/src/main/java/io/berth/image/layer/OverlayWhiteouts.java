package io.berth.image.layer;

import io.berth.sys.Libc;
import java.nio.charset.StandardCharsets;

/**
 * Renders OCI whiteout markers the way overlayfs reads a lower layer. The OCI names come from the
 * image-spec's layer.md: {@code .wh.<name>} deletes {@code <name>} of the layers below, and {@code
 * .wh..wh..opq} hides everything the layers below put in its directory. overlayfs says the same
 * with a character device 0/0 named {@code <name>}, and with the xattr {@code
 * trusted.overlay.opaque="y"} on the directory.
 */
final class OverlayWhiteouts {
  static final String PREFIX = ".wh.";
  static final String OPAQUE_MARKER = ".wh..wh..opq";
  /** aufs kept its own bookkeeping under this prefix; Docker skips such entries, and so do we. */
  static final String AUFS_META_PREFIX = ".wh..wh.";
  static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final byte[] YES = "y".getBytes(StandardCharsets.US_ASCII);

  private OverlayWhiteouts() {}

  static boolean isMarker(String name) {
    return name.startsWith(PREFIX);
  }

  /**
   * Marks {@code name} in {@code dir} deleted. The spec says a whiteout only hides the layers
   * below: when this layer has already put something at {@code name}, that stays. A non-directory
   * hides the lower layers by itself; a directory must become opaque so the lower one's contents
   * stay hidden.
   */
  static void delete(int dir, String name) {
    Syscalls.Stat existing = Syscalls.lstatat(dir, name);
    if (existing == null) {
      Syscalls.mknodat(dir, name, Syscalls.S_IFCHR, 0L);
    } else if (existing.isDirectory()) {
      makeOpaque(dir, name);
    }
  }

  /** Makes the directory {@code name} in {@code dir} (or {@code dir} itself for "") opaque. */
  static void makeOpaque(int dir, String name) {
    int fd =
        Syscalls.openat(dir, name.isEmpty() ? "." : name,
            Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
    try {
      Syscalls.fsetxattr(fd, OPAQUE_XATTR, YES);
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  /**
   * Whether a layer may set this xattr itself. overlayfs's own xattrs would let a layer make
   * directories opaque or redirect lookups to other paths of the lower layers, outside the OCI
   * markers; they are dropped.
   */
  static boolean isLayerXattr(String name) {
    return !name.startsWith("trusted.overlay.") && !name.startsWith("user.overlay.");
  }
}
