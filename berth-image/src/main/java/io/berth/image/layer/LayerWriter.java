package io.berth.image.layer;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.berth.sys.Libc;
import io.berth.sys.SysException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Applies archive members, in order, to the directory open as {@code root}. Every write is an
 * {@code *at} call relative to a parent opened by {@link ParentDirectories}, on a final component
 * that is never followed; so nothing this writes can land outside the root, whatever symlinks the
 * layer contains.
 *
 * <p>The mode and mtime of directories are applied by {@link #finish()}: creating their contents
 * would change the mtime again, and a read-only mode would get in the way of an unprivileged
 * unpack.
 */
final class LayerWriter implements AutoCloseable {
  private static final int BUFFER = 1 << 18;

  private record DirectoryAttributes(EntryPath path, int mode, long mtimeSec, int mtimeNanos) {}

  private final int root;
  private final boolean privileged;
  private final ParentDirectories parents;
  private final Arena arena = Arena.ofConfined();
  private final MemorySegment nativeBuffer = arena.allocate(BUFFER, 4096);
  private final byte[] buffer = new byte[BUFFER];
  /** Keyed by the reduced path; a later entry for the same directory replaces the earlier one. */
  private final Map<String, DirectoryAttributes> directories = new LinkedHashMap<>();

  /**
   * @param privileged whether to apply ownership and create device nodes (both need root); when
   *     false, files belong to the caller and device nodes are skipped
   */
  LayerWriter(int root, boolean privileged) {
    this.root = root;
    this.privileged = privileged;
    this.parents = new ParentDirectories(root);
  }

  void apply(TarEntry e, TarReader data) throws IOException {
    EntryPath path = EntryPath.parse(e.name());
    try {
      if (path.isRoot()) {
        applyToRoot(path, e);
        return;
      }
      String name = path.name();
      if (isAufsMeta(path)) {
        return;
      }
      if (name.equals(OverlayWhiteouts.OPAQUE_MARKER)) {
        OverlayWhiteouts.makeOpaque(parents.open(subject(path), path.parent(), true), "");
        return;
      }
      if (OverlayWhiteouts.isMarker(name)) {
        String victim = name.substring(OverlayWhiteouts.PREFIX.length());
        if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
          throw new LayerException("layer entry \"" + path + "\" is a whiteout of \"" + victim
              + "\", which names no sibling: refused");
        }
        OverlayWhiteouts.delete(parents.open(subject(path), path.parent(), true), victim);
        return;
      }
      if (e.type() == TarEntry.Type.HARD_LINK) {
        link(path, e);
        return;
      }
      int dir = parents.open(subject(path), path.parent(), true);
      Syscalls.Stat existing = Syscalls.lstatat(dir, name);
      boolean replacesWhiteout = existing != null && existing.isWhiteout();
      boolean keepDirectory =
          existing != null && existing.isDirectory() && e.type() == TarEntry.Type.DIRECTORY;
      if (existing != null && !keepDirectory) {
        remove(dir, path, existing);
      }
      switch (e.type()) {
        case FILE -> writeFile(dir, name, e, data);
        case DIRECTORY -> makeDirectory(dir, path, e, keepDirectory, replacesWhiteout);
        case SYMLINK -> makeSymlink(dir, name, e);
        case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> makeNode(dir, name, e);
        case HARD_LINK -> throw new IllegalStateException("handled above");
      }
    } catch (SysException x) {
      throw new LayerException("layer entry \"" + path + "\" could not be written: " + x.getMessage(), x);
    }
  }

  /** Sets the mode and mtime of directories, now that their contents are complete. */
  void finish() {
    for (DirectoryAttributes d : directories.values()) {
      try {
        if (d.path().isRoot()) {
          Syscalls.fchmod(root, d.mode());
          Syscalls.setTimes(root, "", d.mtimeSec(), d.mtimeNanos());
          continue;
        }
        int dir = parents.open(subject(d.path()), d.path().parent(), false);
        String name = d.path().name();
        Syscalls.Stat st = dir < 0 ? null : Syscalls.lstatat(dir, name);
        if (st == null || !st.isDirectory()) {
          continue; // replaced later in the layer; its attributes went with it
        }
        Syscalls.fchmodat(dir, name, d.mode());
        Syscalls.setTimes(dir, name, d.mtimeSec(), d.mtimeNanos());
      } catch (SysException x) {
        throw new LayerException("layer entry \"" + d.path() + "\" could not be written: " + x.getMessage(), x);
      }
    }
  }

  @Override
  public void close() {
    parents.close();
    arena.close();
  }

  private static boolean isAufsMeta(EntryPath path) {
    for (String part : path.parts()) {
      if (part.startsWith(OverlayWhiteouts.AUFS_META_PREFIX) && !part.equals(OverlayWhiteouts.OPAQUE_MARKER)) {
        return true;
      }
    }
    return false;
  }

  private void applyToRoot(EntryPath path, TarEntry e) {
    if (e.type() != TarEntry.Type.DIRECTORY) {
      throw new LayerException("layer entry \"" + path + "\" would replace the layer root with a "
          + e.type().name().toLowerCase().replace('_', ' ') + ": refused");
    }
    if (privileged) {
      Syscalls.fchown(root, e.uid(), e.gid());
    }
    setXattrs(root, e);
    directories.put("", new DirectoryAttributes(path, e.mode(), e.mtimeSec(), e.mtimeNanos()));
  }

  private void remove(int dir, EntryPath path, Syscalls.Stat existing) {
    if (existing.isDirectory()) {
      TreeRemover.remove(dir, path.name());
      String prefix = path.relative() + "/";
      directories.keySet().removeIf(k -> k.equals(path.relative()) || k.startsWith(prefix));
    } else {
      Syscalls.unlinkat(dir, path.name(), 0);
    }
  }

  private void writeFile(int dir, String name, TarEntry e, TarReader data) throws IOException {
    int fd = Syscalls.openat(dir, name,
        Syscalls.O_WRONLY | Syscalls.O_CREAT | Syscalls.O_EXCL | Syscalls.O_NOFOLLOW, 0600);
    try {
      if (e.sparse() == null) {
        int n;
        while ((n = data.read(buffer, 0, BUFFER)) > 0) {
          MemorySegment.copy(buffer, 0, nativeBuffer, JAVA_BYTE, 0, n);
          Syscalls.writeFully(fd, nativeBuffer, n);
        }
      } else {
        writeSparse(fd, e.sparse(), data);
      }
      if (privileged) {
        Syscalls.fchown(fd, e.uid(), e.gid());
      }
      // After chown, which clears setuid and setgid bits.
      Syscalls.fchmod(fd, e.mode());
      // After writing and chown, which both clear security.capability.
      setXattrs(fd, e);
      Syscalls.setTimes(fd, "", e.mtimeSec(), e.mtimeNanos());
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  private void writeSparse(int fd, TarEntry.Sparse sparse, TarReader data) throws IOException {
    for (TarEntry.Segment s : sparse.segments()) {
      long offset = s.offset();
      long left = s.length();
      while (left > 0) {
        int n = data.read(buffer, 0, (int) Math.min(BUFFER, left));
        if (n < 0) {
          throw TarReader.corrupt("sparse data shorter than its map");
        }
        MemorySegment.copy(buffer, 0, nativeBuffer, JAVA_BYTE, 0, n);
        Syscalls.pwriteFully(fd, nativeBuffer, n, offset);
        offset += n;
        left -= n;
      }
    }
    Syscalls.ftruncate(fd, sparse.realSize()); // the trailing hole, if any
  }

  private void makeDirectory(int dir, EntryPath path, TarEntry e, boolean exists, boolean replacesWhiteout) {
    String name = path.name();
    if (!exists) {
      Syscalls.mkdirat(dir, name, 0700);
    }
    int fd = Syscalls.openat(dir, name, Syscalls.O_RDONLY | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW, 0);
    try {
      if (privileged) {
        Syscalls.fchown(fd, e.uid(), e.gid());
      }
      setXattrs(fd, e);
      if (replacesWhiteout) {
        // Deleted, then made again in the same layer: nothing of the lower directory may show.
        OverlayWhiteouts.makeOpaque(fd, "");
      }
    } finally {
      Libc.closeQuietly(fd);
    }
    directories.remove(path.relative()); // keep the order of the latest entry
    directories.put(path.relative(), new DirectoryAttributes(path, e.mode(), e.mtimeSec(), e.mtimeNanos()));
  }

  private void makeSymlink(int dir, String name, TarEntry e) {
    // The target is stored as given: it is resolved only inside the container's root.
    Syscalls.symlinkat(e.linkName(), dir, name);
    if (privileged) {
      Syscalls.lchownat(dir, name, e.uid(), e.gid());
    }
    setXattrs(dir, name, e);
    Syscalls.setTimes(dir, name, e.mtimeSec(), e.mtimeNanos());
  }

  private void makeNode(int dir, String name, TarEntry e) {
    int type =
        switch (e.type()) {
          case CHAR_DEVICE -> Syscalls.S_IFCHR;
          case BLOCK_DEVICE -> Syscalls.S_IFBLK;
          default -> Syscalls.S_IFIFO;
        };
    if (type != Syscalls.S_IFIFO && !privileged) {
      return; // mknod of a device needs CAP_MKNOD; unprivileged containers get /dev bind-mounted
    }
    Syscalls.mknodat(dir, name, type | 0600, Syscalls.makedev(e.devMajor(), e.devMinor()));
    if (privileged) {
      Syscalls.lchownat(dir, name, e.uid(), e.gid());
    }
    Syscalls.fchmodat(dir, name, e.mode()); // just made by us, so not a symlink
    setXattrs(dir, name, e);
    Syscalls.setTimes(dir, name, e.mtimeSec(), e.mtimeNanos());
  }

  /**
   * A hard link may only name an earlier member of this layer, reached without a symlink; its
   * header's attributes are ignored, since they belong to the inode the target already has.
   */
  private void link(EntryPath path, TarEntry e) {
    EntryPath target;
    try {
      target = EntryPath.parse(e.linkName());
    } catch (LayerException escape) {
      throw new LayerException("layer entry \"" + path + "\" is a hard link to \""
          + EntryPath.display(e.linkName()) + "\", outside the layer: refused");
    }
    if (target.isRoot()) {
      throw notInLayer(path, e);
    }
    String subject = subject(path) + " (a hard link to \"" + target + "\")";
    int targetDir = parents.open(subject, target.parent(), false);
    Syscalls.Stat st = targetDir < 0 ? null : Syscalls.lstatat(targetDir, target.name());
    if (st == null) {
      throw notInLayer(path, e);
    }
    if (st.isDirectory()) {
      throw new LayerException("layer entry \"" + path + "\" is a hard link to the directory \""
          + EntryPath.display(e.linkName()) + "\": refused");
    }
    if (target.relative().equals(path.relative())) {
      return; // GNU tar archives a file named twice as a link to itself: nothing to do
    }
    int held = Libc.dupAbove(targetDir, 3); // the parent walk below would close it
    try {
      int dir = parents.open(subject(path), path.parent(), true);
      Syscalls.Stat existing = Syscalls.lstatat(dir, path.name());
      if (existing != null) {
        remove(dir, path, existing);
      }
      Syscalls.linkat(held, target.name(), dir, path.name());
    } catch (SysException x) {
      if (x.errno() == Syscalls.ENOENT) {
        throw notInLayer(path, e); // the replaced entry held the target
      }
      throw x;
    } finally {
      Libc.closeQuietly(held);
    }
  }

  private static String subject(EntryPath path) {
    return "layer entry \"" + path + "\"";
  }

  private static LayerException notInLayer(EntryPath path, TarEntry e) {
    return new LayerException("layer entry \"" + path + "\" is a hard link to \""
        + EntryPath.display(e.linkName()) + "\", which is not in the layer: refused");
  }

  private void setXattrs(int fd, TarEntry e) {
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      if (OverlayWhiteouts.isLayerXattr(x.getKey())) {
        Syscalls.fsetxattr(fd, x.getKey(), x.getValue());
      }
    }
  }

  private void setXattrs(int dir, String name, TarEntry e) {
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      // Linux allows user.* xattrs only on regular files and directories, so an archive made
      // elsewhere may carry some on a symlink or device that no Linux filesystem can hold.
      if (OverlayWhiteouts.isLayerXattr(x.getKey()) && !x.getKey().startsWith("user.")) {
        Syscalls.lsetxattrAt(dir, name, x.getKey(), x.getValue());
      }
    }
  }
}
