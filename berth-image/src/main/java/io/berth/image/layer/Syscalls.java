package io.berth.image.layer;

import static io.berth.sys.NativeCall.call;
import static io.berth.sys.NativeCall.symbol;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.berth.sys.NativeCall;
import io.berth.sys.SysException;
import io.berth.sys.Unchecked;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;

/**
 * The directory-relative ({@code *at}) system calls that unpacking needs and berth-sys's {@code
 * Libc} does not offer. Names are raw byte strings (one Latin-1 char per byte, see {@link
 * EntryPath}) so that file names that are not UTF-8 reach the disk unchanged. Each method throws
 * {@link SysException} naming the call.
 */
final class Syscalls {
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_NOFOLLOW = 0400000;
  static final int O_DIRECTORY = 0200000;
  static final int O_CLOEXEC = 02000000;
  static final int O_PATH = 010000000;

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_REMOVEDIR = 0x200;
  static final int AT_EMPTY_PATH = 0x1000;
  static final int RENAME_NOREPLACE = 1;

  static final int S_IFMT = 0170000;
  static final int S_IFIFO = 0010000;
  static final int S_IFCHR = 0020000;
  static final int S_IFDIR = 0040000;
  static final int S_IFBLK = 0060000;
  static final int S_IFREG = 0100000;
  static final int S_IFLNK = 0120000;

  static final int ENOENT = 2;
  static final int EEXIST = 17;
  static final int ENODATA = 61;

  private static final StructLayout CALL_STATE = NativeCall.STATE;

  /** The file facts unpacking and its tests look at, from statx(2). */
  record Stat(int mode, int uid, int gid, long ino, int nlink, long size, int rdevMajor, int rdevMinor,
      long mtimeSec, int mtimeNanos) {
    int type() {
      return mode & S_IFMT;
    }

    boolean isDirectory() {
      return type() == S_IFDIR;
    }

    /** An overlayfs whiteout: a character device numbered 0/0. */
    boolean isWhiteout() {
      return type() == S_IFCHR && rdevMajor == 0 && rdevMinor == 0;
    }
  }

  /**
   * The functions' addresses, looked up on first use. Every call goes through berth-sys's one
   * {@link NativeCall} handle: a handle per function descriptor costs a cold JVM ~5 ms each.
   */
  private static final class Fn {
    static final MemorySegment OPENAT = symbol("openat");
    static final MemorySegment MKDIRAT = symbol("mkdirat");
    static final MemorySegment MKNODAT = symbol("mknodat");
    static final MemorySegment SYMLINKAT = symbol("symlinkat");
    static final MemorySegment LINKAT = symbol("linkat");
    static final MemorySegment UNLINKAT = symbol("unlinkat");
    static final MemorySegment RENAMEAT2 = symbol("renameat2");
    static final MemorySegment STATX = symbol("statx");
    static final MemorySegment FCHOWN = symbol("fchown");
    static final MemorySegment FCHOWNAT = symbol("fchownat");
    static final MemorySegment FCHMOD = symbol("fchmod");
    static final MemorySegment FCHMODAT = symbol("fchmodat");
    static final MemorySegment UTIMENSAT = symbol("utimensat");
    static final MemorySegment FUTIMENS = symbol("futimens");
    static final MemorySegment FSETXATTR = symbol("fsetxattr");
    static final MemorySegment LSETXATTR = symbol("lsetxattr");
    static final MemorySegment LGETXATTR = symbol("lgetxattr");
    static final MemorySegment WRITE = symbol("write");
    static final MemorySegment PWRITE = symbol("pwrite");
    static final MemorySegment FTRUNCATE = symbol("ftruncate");
    static final MemorySegment SYNCFS = symbol("syncfs");
    static final MemorySegment GETDENTS64 = symbol("getdents64");
    static final MemorySegment GETEUID = symbol("geteuid");
  }

  private Syscalls() {}

  private static SysException fail(String what, MemorySegment state) {
    return new SysException(what, NativeCall.errno(state));
  }

  /** A NUL-terminated copy of a raw (byte-per-char) name. */
  private static MemorySegment raw(Arena a, String name) {
    byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
    MemorySegment s = a.allocate(b.length + 1L);
    MemorySegment.copy(b, 0, s, JAVA_BYTE, 0, b.length);
    return s;
  }

  private static String shown(String raw) {
    return EntryPath.display(raw);
  }

  static int geteuid() {
    try (Arena a = Arena.ofConfined()) {
      return (int) call(Fn.GETEUID, a.allocate(CALL_STATE));
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static int openat(int dirfd, String name, int flags, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int fd = (int) call(Fn.OPENAT, st, dirfd, raw(a, name).address(), flags | O_CLOEXEC, mode);
      if (fd < 0) {
        throw fail("openat " + shown(name), st);
      }
      return fd;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void mkdirat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.MKDIRAT, st, dirfd, raw(a, name).address(), mode) != 0) {
        throw fail("mkdirat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** glibc's makedev: the major's and minor's low and high bits interleave in the 64-bit dev_t. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32)
        | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12)
        | (minor & 0xffL);
  }

  static void mknodat(int dirfd, String name, int mode, long dev) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.MKNODAT, st, dirfd, raw(a, name).address(), mode, dev) != 0) {
        throw fail("mknodat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void symlinkat(String target, int dirfd, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.SYMLINKAT, st, raw(a, target).address(), dirfd, raw(a, name).address()) != 0) {
        throw fail("symlinkat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void linkat(int oldDir, String oldName, int newDir, String newName) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      // flags 0: a symlink as the old name is linked itself, never followed.
      if ((int) call(Fn.LINKAT, st, oldDir, raw(a, oldName).address(), newDir, raw(a, newName).address(), 0) != 0) {
        throw fail("linkat " + shown(newName), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void unlinkat(int dirfd, String name, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.UNLINKAT, st, dirfd, raw(a, name).address(), flags) != 0) {
        throw fail("unlinkat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** rename(2) that fails with EEXIST instead of replacing an empty directory at {@code to}. */
  static void renameNoReplace(String from, String to) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.RENAMEAT2, st,
          AT_FDCWD, a.allocateFrom(from).address(), AT_FDCWD, a.allocateFrom(to).address(), RENAME_NOREPLACE);
      if (r != 0) {
        throw fail("rename to " + to, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** statx without following a final symlink; null when nothing is there. */
  static Stat lstatat(int dirfd, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment buf = a.allocate(256, 8);
      int flags = AT_SYMLINK_NOFOLLOW | (name.isEmpty() ? AT_EMPTY_PATH : 0);
      int mask = 0x7ff; // STATX_BASIC_STATS
      int r = (int) call(Fn.STATX, st, dirfd, raw(a, name).address(), flags, mask, buf.address());
      if (r != 0) {
        SysException e = fail("statx " + shown(name), st);
        if (e.errno() == ENOENT) {
          return null;
        }
        throw e;
      }
      return new Stat(
          buf.get(JAVA_SHORT, 28) & 0xffff,
          buf.get(JAVA_INT, 20),
          buf.get(JAVA_INT, 24),
          buf.get(JAVA_LONG, 32),
          buf.get(JAVA_INT, 16),
          buf.get(JAVA_LONG, 40),
          buf.get(JAVA_INT, 128),
          buf.get(JAVA_INT, 132),
          buf.get(JAVA_LONG, 112),
          buf.get(JAVA_INT, 120));
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void fchown(int fd, int uid, int gid) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.FCHOWN, st, fd, uid, gid) != 0) {
        throw fail("fchown", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void lchownat(int dirfd, String name, int uid, int gid) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.FCHOWNAT, st, dirfd, raw(a, name).address(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        throw fail("fchownat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void fchmod(int fd, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.FCHMOD, st, fd, mode) != 0) {
        throw fail("fchmod", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** fchmodat following the name: only for nodes this unpacker just made, never symlinks. */
  static void fchmodat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.FCHMODAT, st, dirfd, raw(a, name).address(), mode, 0) != 0) {
        throw fail("fchmodat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /**
   * Sets atime and mtime of {@code name} in {@code dirfd} without following a final symlink; an
   * empty name means {@code dirfd} itself.
   */
  static void setTimes(int dirfd, String name, long sec, int nanos) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment times = a.allocate(32, 8);
      times.set(JAVA_LONG, 0, sec);
      times.set(JAVA_LONG, 8, nanos);
      times.set(JAVA_LONG, 16, sec);
      times.set(JAVA_LONG, 24, nanos);
      int r = name.isEmpty()
          ? (int) call(Fn.FUTIMENS, st, dirfd, times.address())
          : (int) call(Fn.UTIMENSAT, st, dirfd, raw(a, name).address(), times.address(), AT_SYMLINK_NOFOLLOW);
      if (r != 0) {
        throw fail("utimensat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void fsetxattr(int fd, String name, byte[] value) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment v = a.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
      if ((int) call(Fn.FSETXATTR, st, fd, raw(a, name).address(), v.address(), value.length, 0) != 0) {
        throw fail("fsetxattr " + shown(name), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /**
   * Sets an xattr on {@code name} inside the directory {@code dirfd}, never following {@code name}
   * itself: the path goes through {@code /proc/self/fd}, which leads to exactly that directory.
   */
  static void lsetxattrAt(int dirfd, String name, String attr, byte[] value) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment v = a.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
      MemorySegment path = raw(a, "/proc/self/fd/" + dirfd + "/" + name);
      if ((int) call(Fn.LSETXATTR, st, path.address(), raw(a, attr).address(), v.address(), value.length, 0) != 0) {
        throw fail("lsetxattr " + shown(name) + " " + shown(attr), st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** The value of an xattr of {@code path} (not following a final symlink), or null if absent. */
  static byte[] lgetxattr(String path, String attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment v = a.allocate(65536);
      long n = call(Fn.LGETXATTR, st, a.allocateFrom(path).address(), raw(a, attr).address(), v.address(), 65536L);
      if (n < 0) {
        SysException e = fail("lgetxattr " + path + " " + attr, st);
        if (e.errno() == ENODATA) {
          return null;
        }
        throw e;
      }
      return v.asSlice(0, n).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Writes {@code len} bytes of {@code buf}, looping on short writes. */
  static void writeFully(int fd, MemorySegment buf, long len) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long done = 0;
      while (done < len) {
        long n = call(Fn.WRITE, st, fd, buf.asSlice(done).address(), len - done);
        if (n < 0) {
          SysException e = fail("write", st);
          if (e.errno() == 4) { // EINTR
            continue;
          }
          throw e;
        }
        done += n;
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** pwrite(2) of all {@code len} bytes at {@code offset}: sparse files are written piecewise. */
  static void pwriteFully(int fd, MemorySegment buf, long len, long offset) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long done = 0;
      while (done < len) {
        long n = call(Fn.PWRITE, st, fd, buf.asSlice(done).address(), len - done, offset + done);
        if (n < 0) {
          SysException e = fail("pwrite", st);
          if (e.errno() == 4) {
            continue;
          }
          throw e;
        }
        done += n;
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void ftruncate(int fd, long length) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.FTRUNCATE, st, fd, length) != 0) {
        throw fail("ftruncate", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  static void syncfs(int fd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) call(Fn.SYNCFS, st, fd) != 0) {
        throw fail("syncfs", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** getdents64 into {@code buf}; returns the byte count, 0 at the end of the directory. */
  static long getdents64(int fd, MemorySegment buf) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long n = call(Fn.GETDENTS64, st, fd, buf.address(), buf.byteSize());
      if (n < 0) {
        throw fail("getdents64", st);
      }
      return n;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }
}
