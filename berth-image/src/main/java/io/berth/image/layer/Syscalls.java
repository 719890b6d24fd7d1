package io.berth.image.layer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.berth.sys.SysException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
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

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

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

  // Linked on first use, as in berth-sys: every handle costs start-up time.
  private static final class Openat { static final MethodHandle H = fn("openat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT); }
  private static final class Mkdirat { static final MethodHandle H = fn("mkdirat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
  private static final class Mknodat { static final MethodHandle H = fn("mknodat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG); }
  private static final class Symlinkat { static final MethodHandle H = fn("symlinkat", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS); }
  private static final class Linkat { static final MethodHandle H = fn("linkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT); }
  private static final class Unlinkat { static final MethodHandle H = fn("unlinkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT); }
  private static final class Renameat2 { static final MethodHandle H = fn("renameat2", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT); }
  private static final class Statx { static final MethodHandle H = fn("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS); }
  private static final class Fchown { static final MethodHandle H = fn("fchown", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT); }
  private static final class Fchownat { static final MethodHandle H = fn("fchownat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT); }
  private static final class Fchmod { static final MethodHandle H = fn("fchmod", JAVA_INT, JAVA_INT, JAVA_INT); }
  private static final class Fchmodat { static final MethodHandle H = fn("fchmodat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT); }
  private static final class Utimensat { static final MethodHandle H = fn("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT); }
  private static final class Futimens { static final MethodHandle H = fn("futimens", JAVA_INT, JAVA_INT, ADDRESS); }
  private static final class Fsetxattr { static final MethodHandle H = fn("fsetxattr", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT); }
  private static final class Lsetxattr { static final MethodHandle H = fn("lsetxattr", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT); }
  private static final class Lgetxattr { static final MethodHandle H = fn("lgetxattr", JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG); }
  private static final class Write { static final MethodHandle H = fn("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG); }
  private static final class Pwrite { static final MethodHandle H = fn("pwrite", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG); }
  private static final class Ftruncate { static final MethodHandle H = fn("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG); }
  private static final class Syncfs { static final MethodHandle H = fn("syncfs", JAVA_INT, JAVA_INT); }
  private static final class Getdents64 { static final MethodHandle H = fn("getdents64", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG); }
  private static final class Geteuid { static final MethodHandle H = LINKER.downcallHandle(LIBC.find("geteuid").orElseThrow(), FunctionDescriptor.of(JAVA_INT)); }

  private Syscalls() {}

  private static MethodHandle fn(String name, MemoryLayout ret, MemoryLayout... args) {
    MemoryLayout[] all = new MemoryLayout[args.length + 1];
    all[0] = ADDRESS;
    System.arraycopy(args, 0, all, 1, args.length);
    return LINKER.downcallHandle(
        LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)),
        FunctionDescriptor.of(ret, args),
        Linker.Option.captureCallState("errno"));
  }

  private static SysException fail(String what, MemorySegment state) {
    return new SysException(what, (int) ERRNO.get(state, 0L));
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
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
    try {
      return (int) Geteuid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int openat(int dirfd, String name, int flags, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int fd = (int) Openat.H.invokeExact(st, dirfd, raw(a, name), flags | O_CLOEXEC, mode);
      if (fd < 0) {
        throw fail("openat " + shown(name), st);
      }
      return fd;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void mkdirat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Mkdirat.H.invokeExact(st, dirfd, raw(a, name), mode) != 0) {
        throw fail("mkdirat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
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
      if ((int) Mknodat.H.invokeExact(st, dirfd, raw(a, name), mode, dev) != 0) {
        throw fail("mknodat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void symlinkat(String target, int dirfd, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Symlinkat.H.invokeExact(st, raw(a, target), dirfd, raw(a, name)) != 0) {
        throw fail("symlinkat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void linkat(int oldDir, String oldName, int newDir, String newName) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      // flags 0: a symlink as the old name is linked itself, never followed.
      if ((int) Linkat.H.invokeExact(st, oldDir, raw(a, oldName), newDir, raw(a, newName), 0) != 0) {
        throw fail("linkat " + shown(newName), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void unlinkat(int dirfd, String name, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Unlinkat.H.invokeExact(st, dirfd, raw(a, name), flags) != 0) {
        throw fail("unlinkat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** rename(2) that fails with EEXIST instead of replacing an empty directory at {@code to}. */
  static void renameNoReplace(String from, String to) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) Renameat2.H.invokeExact(
          st, AT_FDCWD, a.allocateFrom(from), AT_FDCWD, a.allocateFrom(to), RENAME_NOREPLACE);
      if (r != 0) {
        throw fail("rename to " + to, st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** statx without following a final symlink; null when nothing is there. */
  static Stat lstatat(int dirfd, String name) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment buf = a.allocate(256, 8);
      int flags = AT_SYMLINK_NOFOLLOW | (name.isEmpty() ? AT_EMPTY_PATH : 0);
      int mask = 0x7ff; // STATX_BASIC_STATS
      int r = (int) Statx.H.invokeExact(st, dirfd, raw(a, name), flags, mask, buf);
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
      throw rethrow(t);
    }
  }

  static void fchown(int fd, int uid, int gid) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Fchown.H.invokeExact(st, fd, uid, gid) != 0) {
        throw fail("fchown", st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void lchownat(int dirfd, String name, int uid, int gid) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Fchownat.H.invokeExact(st, dirfd, raw(a, name), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
        throw fail("fchownat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void fchmod(int fd, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Fchmod.H.invokeExact(st, fd, mode) != 0) {
        throw fail("fchmod", st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** fchmodat following the name: only for nodes this unpacker just made, never symlinks. */
  static void fchmodat(int dirfd, String name, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Fchmodat.H.invokeExact(st, dirfd, raw(a, name), mode, 0) != 0) {
        throw fail("fchmodat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
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
          ? (int) Futimens.H.invokeExact(st, dirfd, times)
          : (int) Utimensat.H.invokeExact(st, dirfd, raw(a, name), times, AT_SYMLINK_NOFOLLOW);
      if (r != 0) {
        throw fail("utimensat " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void fsetxattr(int fd, String name, byte[] value) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment v = a.allocate(Math.max(1, value.length));
      MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
      if ((int) Fsetxattr.H.invokeExact(st, fd, raw(a, name), v, (long) value.length, 0) != 0) {
        throw fail("fsetxattr " + shown(name), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
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
      if ((int) Lsetxattr.H.invokeExact(st, path, raw(a, attr), v, (long) value.length, 0) != 0) {
        throw fail("lsetxattr " + shown(name) + " " + shown(attr), st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The value of an xattr of {@code path} (not following a final symlink), or null if absent. */
  static byte[] lgetxattr(String path, String attr) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment v = a.allocate(65536);
      long n = (long) Lgetxattr.H.invokeExact(st, a.allocateFrom(path), raw(a, attr), v, 65536L);
      if (n < 0) {
        SysException e = fail("lgetxattr " + path + " " + attr, st);
        if (e.errno() == ENODATA) {
          return null;
        }
        throw e;
      }
      return v.asSlice(0, n).toArray(JAVA_BYTE);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Writes {@code len} bytes of {@code buf}, looping on short writes. */
  static void writeFully(int fd, MemorySegment buf, long len) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long done = 0;
      while (done < len) {
        long n = (long) Write.H.invokeExact(st, fd, buf.asSlice(done), len - done);
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
      throw rethrow(t);
    }
  }

  /** pwrite(2) of all {@code len} bytes at {@code offset}: sparse files are written piecewise. */
  static void pwriteFully(int fd, MemorySegment buf, long len, long offset) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long done = 0;
      while (done < len) {
        long n = (long) Pwrite.H.invokeExact(st, fd, buf.asSlice(done), len - done, offset + done);
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
      throw rethrow(t);
    }
  }

  static void ftruncate(int fd, long length) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Ftruncate.H.invokeExact(st, fd, length) != 0) {
        throw fail("ftruncate", st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void syncfs(int fd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      if ((int) Syncfs.H.invokeExact(st, fd) != 0) {
        throw fail("syncfs", st);
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** getdents64 into {@code buf}; returns the byte count, 0 at the end of the directory. */
  static long getdents64(int fd, MemorySegment buf) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long n = (long) Getdents64.H.invokeExact(st, fd, buf, buf.byteSize());
      if (n < 0) {
        throw fail("getdents64", st);
      }
      return n;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }
}
