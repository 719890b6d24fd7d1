package io.berth.image.layer;

import io.berth.sys.Libc;
import io.berth.sys.SysException;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the directory an entry goes into, one component at a time from the layer root, never
 * following a symlink: each component is opened with O_NOFOLLOW|O_DIRECTORY, so a symlink the
 * layer made (say {@code link -> /etc}) stops the walk instead of leading out of the layer. Every
 * later call is relative to the descriptor this returns, so no path is ever resolved twice.
 *
 * <p>The descriptors of the current chain are kept: tar archives list a directory's members
 * together, so the next entry usually shares its parent and costs no system call. The chain only
 * ever holds ancestors of the entry being written, which that entry cannot remove.
 */
final class ParentDirectories implements AutoCloseable {
  /** Directories a layer implies without listing them get the mode tar and Docker give them. */
  static final int IMPLIED_MODE = 0755;

  private final int root;
  private final List<String> names = new ArrayList<>();
  private final List<Integer> fds = new ArrayList<>();

  ParentDirectories(int root) {
    this.root = root;
  }

  /**
   * The descriptor of {@code dir} (components below the root), valid until the next call. Missing
   * directories are created when {@code create}, else -1 is returned.
   */
  int open(String subject, List<String> dir, boolean create) {
    int common = 0;
    while (common < names.size() && common < dir.size() && names.get(common).equals(dir.get(common))) {
      common++;
    }
    truncate(common);
    for (int i = common; i < dir.size(); i++) {
      int parent = i == 0 ? root : fds.get(i - 1);
      int fd = openOne(subject, dir, i, parent, create);
      if (fd < 0) {
        return -1;
      }
      names.add(dir.get(i));
      fds.add(fd);
    }
    return dir.isEmpty() ? root : fds.getLast();
  }

  private int openOne(String subject, List<String> dir, int i, int parent, boolean create) {
    String name = dir.get(i);
    int flags = Syscalls.O_PATH | Syscalls.O_DIRECTORY | Syscalls.O_NOFOLLOW;
    try {
      return Syscalls.openat(parent, name, flags, 0);
    } catch (SysException e) {
      if (e.errno() != Syscalls.ENOENT) {
        throw notADirectory(subject, dir, i, parent, e);
      }
    }
    if (!create) {
      return -1;
    }
    if (OverlayWhiteouts.isMarker(name)) {
      // ".wh.x/y": the marker would have to be a directory, which the OCI layout rules out.
      throw new LayerException(
          subject + " is inside the whiteout marker \"" + shown(dir, i) + "\": refused");
    }
    Syscalls.mkdirat(parent, name, 0700);
    Syscalls.fchmodat(parent, name, IMPLIED_MODE); // not left to the umask
    return Syscalls.openat(parent, name, flags, 0);
  }

  private static LayerException notADirectory(String subject, List<String> dir, int i, int parent,
      SysException e) {
    Syscalls.Stat st = Syscalls.lstatat(parent, dir.get(i));
    if (st != null && st.type() == Syscalls.S_IFLNK) {
      return new LayerException(
          subject + " goes through the symlink \"" + shown(dir, i)
              + "\" of the layer: refused");
    }
    if (st != null && !st.isDirectory()) {
      return new LayerException(
          subject + " is below \"" + shown(dir, i) + "\", which is not a directory: refused");
    }
    return new LayerException(subject + ": cannot open \"" + shown(dir, i) + "\": "
        + e.getMessage(), e);
  }

  private static String shown(List<String> dir, int i) {
    return EntryPath.display(String.join("/", dir.subList(0, i + 1)));
  }

  private void truncate(int depth) {
    while (fds.size() > depth) {
      Libc.closeQuietly(fds.removeLast());
      names.removeLast();
    }
  }

  @Override
  public void close() {
    truncate(0);
  }
}
