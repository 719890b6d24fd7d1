package io.berth.sys;

import static io.berth.sys.NativeCall.call;
import static io.berth.sys.NativeCall.symbol;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The system calls the JVM side of Berth makes itself, through the FFM API with errno captured.
 * Each method throws {@link SysException} naming the call on failure, so callers never test -1.
 */
public final class Libc {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_NOCTTY = 0400;
  public static final int O_TRUNC = 01000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_CLOEXEC = 02000000;
  public static final int O_PATH = 010000000;

  public static final int AF_UNIX = 1;
  public static final int SOCK_STREAM = 1;
  public static final int SOCK_SEQPACKET = 5;
  public static final int SOCK_CLOEXEC = O_CLOEXEC;

  public static final int WNOHANG = 1;
  public static final int POLLIN = 1;
  public static final int POLLHUP = 0x10;

  public static final int SIGKILL = 9;
  public static final int SIGTERM = 15;

  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int MFD_CLOEXEC = 1;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;

  private static final StructLayout CALL_STATE = NativeCall.STATE;

  /** The functions' addresses, looked up on first use. */
  private static final class Fn {
    static final MemorySegment OPEN = symbol("open");
    static final MemorySegment CLOSE = symbol("close");
    static final MemorySegment READ = symbol("read");
    static final MemorySegment WRITE = symbol("write");
    static final MemorySegment FCNTL = symbol("fcntl");
    static final MemorySegment PIPE2 = symbol("pipe2");
    static final MemorySegment SOCKETPAIR = symbol("socketpair");
    static final MemorySegment MEMFD_CREATE = symbol("memfd_create");
    static final MemorySegment LSEEK = symbol("lseek");
    static final MemorySegment SETNS = symbol("setns");
    static final MemorySegment IOCTL = symbol("ioctl");
    static final MemorySegment KILL = symbol("kill");
    static final MemorySegment WAITPID = symbol("waitpid");
    static final MemorySegment PRCTL = symbol("prctl");
    static final MemorySegment MKFIFO = symbol("mkfifo");
    static final MemorySegment POLL = symbol("poll");
    static final MemorySegment MOUNT = symbol("mount");
    static final MemorySegment UMOUNT2 = symbol("umount2");
    static final MemorySegment SENDMSG = symbol("sendmsg");
    static final MemorySegment RECVMSG = symbol("recvmsg");
    static final MemorySegment SOCKET = symbol("socket");
    static final MemorySegment BIND = symbol("bind");
    static final MemorySegment CONNECT = symbol("connect");
    static final MemorySegment LISTEN = symbol("listen");
    static final MemorySegment ACCEPT4 = symbol("accept4");
    static final MemorySegment GETSOCKOPT = symbol("getsockopt");
    static final MemorySegment SPAWN = symbol("posix_spawn");
    static final MemorySegment FA_INIT = symbol("posix_spawn_file_actions_init");
    static final MemorySegment FA_DESTROY = symbol("posix_spawn_file_actions_destroy");
    static final MemorySegment FA_DUP2 = symbol("posix_spawn_file_actions_adddup2");
    static final MemorySegment ATTR_INIT = symbol("posix_spawnattr_init");
    static final MemorySegment ATTR_DESTROY = symbol("posix_spawnattr_destroy");
    static final MemorySegment ATTR_SETFLAGS = symbol("posix_spawnattr_setflags");
    static final MemorySegment ATTR_SETSIGMASK = symbol("posix_spawnattr_setsigmask");
    static final MemorySegment ATTR_SETSIGDEFAULT = symbol("posix_spawnattr_setsigdefault");
    static final MemorySegment SIGEMPTYSET = symbol("sigemptyset");
    static final MemorySegment SIGFILLSET = symbol("sigfillset");
    static final MemorySegment SIGDELSET = symbol("sigdelset");
  }

  private Libc() {}

  private static int errno(MemorySegment state) {
    return NativeCall.errno(state);
  }

  private static SysException fail(String what, MemorySegment state) {
    return new SysException(what, errno(state));
  }

  /** open(2); retried on EINTR. */
  public static int open(String path, int flags, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment p = a.allocateFrom(path);
      while (true) {
        int fd = (int) call(Fn.OPEN, st, p.address(), flags, mode);
        if (fd >= 0) {
          return fd;
        }
        if (errno(st) != Errno.EINTR) {
          throw fail("open " + path, st);
        }
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  public static void close(int fd) {
    if (fd < 0) {
      return;
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.CLOSE, st, fd);
      if (r != 0 && errno(st) != Errno.EINTR) {
        throw fail("close " + fd, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Closes, ignoring errors: for cleanup paths that must not mask the original failure. */
  public static void closeQuietly(int fd) {
    try {
      close(fd);
    } catch (RuntimeException ignored) {
      // Already reporting a failure; a second one would only hide it.
    }
  }

  /** read(2) into {@code buf}; returns the count, 0 at end of file; retried on EINTR. */
  public static int read(int fd, byte[] buf, int off, int len) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment m = a.allocate(Math.max(1, len));
      while (true) {
        long n = call(Fn.READ, st, fd, m.address(), len);
        if (n >= 0) {
          MemorySegment.copy(m, JAVA_BYTE, 0, buf, off, (int) n);
          return (int) n;
        }
        if (errno(st) != Errno.EINTR) {
          throw fail("read fd " + fd, st);
        }
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Writes all of {@code data}, looping on short writes and EINTR. */
  public static void writeFully(int fd, byte[] data) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment m = a.allocate(Math.max(1, data.length));
      MemorySegment.copy(data, 0, m, JAVA_BYTE, 0, data.length);
      long done = 0;
      while (done < data.length) {
        long n = call(Fn.WRITE, st, fd, m.address() + done, data.length - done);
        if (n < 0) {
          if (errno(st) == Errno.EINTR) {
            continue;
          }
          throw fail("write fd " + fd, st);
        }
        done += n;
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A duplicate of {@code fd} numbered at least {@code min}, close-on-exec. */
  public static int dupAbove(int fd, int min) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.FCNTL, st, fd, F_DUPFD_CLOEXEC, min);
      if (r < 0) {
        throw fail("fcntl F_DUPFD_CLOEXEC " + fd, st);
      }
      return r;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A close-on-exec pipe: [read end, write end]. */
  public static int[] pipe() {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment fds = a.allocate(JAVA_INT, 2);
      int r = (int) call(Fn.PIPE2, st, fds.address(), O_CLOEXEC);
      if (r != 0) {
        throw fail("pipe2", st);
      }
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A close-on-exec unix socket pair of the given type. */
  public static int[] socketpair(int type) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment fds = a.allocate(JAVA_INT, 2);
      int r = (int) call(Fn.SOCKETPAIR, st, AF_UNIX, type | SOCK_CLOEXEC, 0, fds.address());
      if (r != 0) {
        throw fail("socketpair", st);
      }
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /**
   * A sealed memory file holding {@code data}: nothing can ever change its contents, so an
   * executable run from it cannot be overwritten by anyone (CVE-2019-5736's class).
   */
  public static int sealedMemfd(String name, byte[] data) {
    int fd = memfd(name, data, MFD_CLOEXEC | 2 /* MFD_ALLOW_SEALING */);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int seals = 1 | 2 | 4 | 8; // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
      int r = (int) call(Fn.FCNTL, st, fd, 1033 /* F_ADD_SEALS */, seals);
      if (r != 0) {
        SysException e = fail("fcntl F_ADD_SEALS", st);
        closeQuietly(fd);
        throw e;
      }
      return fd;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** An anonymous close-on-exec memory file holding {@code data}, positioned at its start. */
  public static int memfd(String name, byte[] data) {
    return memfd(name, data, MFD_CLOEXEC);
  }

  private static int memfd(String name, byte[] data, int flags) {
    int fd;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      fd = (int) call(Fn.MEMFD_CREATE, st, a.allocateFrom(name).address(), flags);
      if (fd < 0) {
        throw fail("memfd_create", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
    try {
      writeFully(fd, data);
      lseek(fd, 0);
      return fd;
    } catch (RuntimeException e) {
      closeQuietly(fd);
      throw e;
    }
  }

  private static void lseek(int fd, long pos) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      long r = call(Fn.LSEEK, st, fd, pos, 0);
      if (r < 0) {
        throw fail("lseek", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  public static final int CLONE_NEWNET = 0x40000000;
  private static final long SIOCGIFFLAGS = 0x8913;
  private static final long SIOCSIFFLAGS = 0x8914;
  private static final short IFF_UP = 0x1;

  /**
   * Sets the loopback interface of {@code pid}'s network namespace up, as the CNI loopback plugin
   * would: setns(2) on a thread of its own (a thread's network namespace is its own), then
   * SIOCSIFFLAGS on a datagram socket of that namespace. The thread ends with the call, so no
   * other code ever runs in the container's namespace.
   */
  public static void loopbackUp(int pid) {
    int nsFd = open("/proc/" + pid + "/ns/net", O_RDONLY | O_CLOEXEC, 0);
    RuntimeException[] failure = new RuntimeException[1];
    Thread t = Thread.ofPlatform().name("netns-lo-" + pid).start(() -> {
      try (Arena a = Arena.ofConfined()) {
        MemorySegment st = a.allocate(CALL_STATE);
        if ((int) call(Fn.SETNS, st, nsFd, CLONE_NEWNET) != 0) {
          throw fail("setns into the network namespace of " + pid, st);
        }
        int sock = (int) call(Fn.SOCKET, st, 2 /* AF_INET */, 2 | O_CLOEXEC /* SOCK_DGRAM */, 0);
        if (sock < 0) {
          throw fail("socket in the network namespace of " + pid, st);
        }
        try {
          MemorySegment ifr = a.allocate(40); // struct ifreq: name[16], then the flags (a short)
          ifr.setString(0, "lo");
          if ((int) call(Fn.IOCTL, st, sock, SIOCGIFFLAGS, ifr.address()) != 0) {
            throw fail("SIOCGIFFLAGS lo", st);
          }
          ifr.set(JAVA_SHORT, 16, (short) (ifr.get(JAVA_SHORT, 16) | IFF_UP));
          if ((int) call(Fn.IOCTL, st, sock, SIOCSIFFLAGS, ifr.address()) != 0) {
            throw fail("SIOCSIFFLAGS lo up", st);
          }
        } finally {
          closeQuietly(sock);
        }
      } catch (RuntimeException e) {
        failure[0] = e;
      } catch (Throwable e) {
        failure[0] = Unchecked.of(e);
      }
    });
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(nsFd);
    }
    if (failure[0] != null) {
      throw failure[0];
    }
  }

  private static final long TIOCSWINSZ = 0x5414;

  /** Sets a terminal's size (TIOCSWINSZ), as a terminal emulator does on the pty master. */
  public static void setWindowSize(int fd, int rows, int cols) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment ws = a.allocate(8); // struct winsize: rows, cols, xpixel, ypixel (shorts)
      ws.set(JAVA_SHORT, 0, (short) rows);
      ws.set(JAVA_SHORT, 2, (short) cols);
      if ((int) call(Fn.IOCTL, st, fd, TIOCSWINSZ, ws.address()) != 0) {
        throw fail("TIOCSWINSZ", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** kill(2); returns false when the process does not exist (ESRCH). */
  public static boolean kill(int pid, int signal) {
    if (pid <= 0) {
      // 0 and negative pids address process groups, never one container process.
      throw new IllegalArgumentException("kill: refusing pid " + pid);
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.KILL, st, pid, signal);
      if (r == 0) {
        return true;
      }
      if (errno(st) == Errno.ESRCH) {
        return false;
      }
      throw fail("kill " + pid, st);
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /**
   * waitpid(2). Returns null with WNOHANG when the child has not changed state, and also when
   * the process is not our child (ECHILD), so callers can fall back to polling /proc.
   */
  public static WaitStatus waitpid(int pid, int options) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment status = a.allocate(JAVA_INT);
      while (true) {
        int r = (int) call(Fn.WAITPID, st, pid, status.address(), options);
        if (r > 0) {
          return WaitStatus.decode(r, status.get(JAVA_INT, 0));
        }
        if (r == 0) {
          return null;
        }
        int e = errno(st);
        if (e == Errno.EINTR) {
          continue;
        }
        if (e == Errno.ECHILD) {
          return null;
        }
        throw fail("waitpid " + pid, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Makes this process adopt orphaned descendants, so it can reap containers it started. */
  public static void becomeSubreaper() {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }

  /** Stops being a child subreaper: orphans go past this process again. */
  public static void stopBeingSubreaper() {
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  }

  private static void prctl(int option, long arg) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.PRCTL, st, option, arg, 0L, 0L, 0L);
      if (r != 0) {
        throw fail("prctl " + option, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  public static void mkfifo(String path, int mode) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.MKFIFO, st, a.allocateFrom(path).address(), mode);
      if (r != 0) {
        throw fail("mkfifo " + path, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** poll(2) on one fd; returns revents, 0 on timeout. */
  public static int poll(int fd, int events, int timeoutMillis) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment pfd = a.allocate(8);
      pfd.set(JAVA_INT, 0, fd);
      pfd.set(JAVA_SHORT, 4, (short) events);
      while (true) {
        int r = (int) call(Fn.POLL, st, pfd.address(), 1L, timeoutMillis);
        if (r >= 0) {
          return r == 0 ? 0 : pfd.get(JAVA_SHORT, 6) & 0xffff;
        }
        if (errno(st) != Errno.EINTR) {
          throw fail("poll", st);
        }
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  public static void mount(String source, String target, String fstype, long flags, String data) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r =
          (int)
              call(
                  Fn.MOUNT, st, cstr(a, source), cstr(a, target), cstr(a, fstype), flags, cstr(a, data));
      if (r != 0) {
        throw fail("mount " + target, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  public static void umount(String target, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int r = (int) call(Fn.UMOUNT2, st, a.allocateFrom(target).address(), flags);
      if (r != 0) {
        throw fail("umount " + target, st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  private static long cstr(Arena a, String s) {
    return s == null ? 0L : a.allocateFrom(s).address();
  }

  /** Sends {@code fd} over the unix socket {@code sock} with one byte of payload. */
  public static void sendFd(int sock, int fd, byte[] payload) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      byte[] data = payload.length == 0 ? new byte[] {0} : payload;
      MemorySegment buf = a.allocateFrom(JAVA_BYTE, data);
      MemorySegment iov = a.allocate(16);
      iov.set(ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, data.length);
      MemorySegment cmsg = a.allocate(24); // cmsghdr(16) + one int, aligned to 8
      cmsg.set(JAVA_LONG, 0, 20); // CMSG_LEN(sizeof(int))
      cmsg.set(JAVA_INT, 8, SOL_SOCKET);
      cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
      cmsg.set(JAVA_INT, 16, fd);
      MemorySegment msg = msghdr(a, iov, cmsg, 24);
      long r = call(Fn.SENDMSG, st, sock, msg.address(), 0);
      if (r < 0) {
        throw fail("sendmsg", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A listening unix stream socket bound to {@code path} (close-on-exec). */
  public static int listenUnix(String path) {
    return listenUnix(path, SOCK_STREAM);
  }

  /** A listening unix socket of {@code type} bound to {@code path} (close-on-exec). */
  public static int listenUnix(String path, int type) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    if (p.length >= 108) {
      throw new SysException("bind " + path + " (path too long)", 36);
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int fd = (int) call(Fn.SOCKET, st, AF_UNIX, type | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw fail("socket", st);
      }
      MemorySegment addr = a.allocate(110);
      addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
      if ((int) call(Fn.BIND, st, fd, addr.address(), 110) != 0) {
        SysException e = fail("bind " + path, st);
        closeQuietly(fd);
        throw e;
      }
      if ((int) call(Fn.LISTEN, st, fd, 16) != 0) {
        SysException e = fail("listen " + path, st);
        closeQuietly(fd);
        throw e;
      }
      return fd;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A unix socket of {@code type} connected to {@code path} (close-on-exec). */
  public static int connectUnix(String path, int type) {
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    if (p.length >= 108) {
      throw new SysException("connect " + path + " (path too long)", 36);
    }
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      int fd = (int) call(Fn.SOCKET, st, AF_UNIX, type | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw fail("socket", st);
      }
      MemorySegment addr = a.allocate(110);
      addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
      MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
      if ((int) call(Fn.CONNECT, st, fd, addr.address(), 110) != 0) {
        SysException e = fail("connect " + path, st);
        closeQuietly(fd);
        throw e;
      }
      return fd;
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** The uid of the process at the other end of a unix socket (SO_PEERCRED). */
  public static int peerUid(int sock) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment cred = a.allocate(12);
      MemorySegment len = a.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, 12);
      int r = (int) call(Fn.GETSOCKOPT, st, sock, SOL_SOCKET, 17, cred.address(), len.address());
      if (r != 0) {
        throw fail("getsockopt SO_PEERCRED", st);
      }
      return cred.get(JAVA_INT, 4);
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Accepts one connection (close-on-exec); retried on EINTR. */
  public static int accept(int listenFd) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      while (true) {
        int fd = (int) call(Fn.ACCEPT4, st, listenFd, 0L, 0L, O_CLOEXEC);
        if (fd >= 0) {
          return fd;
        }
        if (errno(st) != Errno.EINTR) {
          throw fail("accept", st);
        }
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** Sends {@code data} with {@code fds} attached (SCM_RIGHTS); a SEQPACKET message keeps both together. */
  public static void sendMsg(int sock, byte[] data, int[] fds) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      byte[] d = data.length == 0 ? new byte[] {0} : data;
      MemorySegment buf = a.allocateFrom(JAVA_BYTE, d);
      MemorySegment iov = a.allocate(16);
      iov.set(ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, d.length);
      MemorySegment msg;
      if (fds.length > 0) {
        long len = 16 + 4L * fds.length;
        long space = (len + 7) & ~7L;
        MemorySegment cmsg = a.allocate(space);
        cmsg.set(JAVA_LONG, 0, len);
        cmsg.set(JAVA_INT, 8, SOL_SOCKET);
        cmsg.set(JAVA_INT, 12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
          cmsg.set(JAVA_INT, 16 + 4L * i, fds[i]);
        }
        msg = msghdr(a, iov, cmsg, space);
      } else {
        msg = msghdr(a, iov, MemorySegment.NULL, 0);
      }
      long r = call(Fn.SENDMSG, st, sock, msg.address(), 0x4000); // MSG_NOSIGNAL
      if (r < 0) {
        throw fail("sendmsg", st);
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A received message and the fds that came with it (close-on-exec); data empty at EOF. */
  public record Message(byte[] data, int[] fds) {}

  public static Message recvMsg(int sock, int maxData, int maxFds) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment buf = a.allocate(Math.max(1, maxData));
      MemorySegment iov = a.allocate(16);
      iov.set(ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, maxData);
      long space = (16 + 4L * maxFds + 7) & ~7L;
      MemorySegment cmsg = a.allocate(space);
      MemorySegment msg = msghdr(a, iov, cmsg, space);
      long n;
      while (true) {
        n = call(Fn.RECVMSG, st, sock, msg.address(), O_CLOEXEC);
        if (n >= 0 || errno(st) != Errno.EINTR) {
          break;
        }
      }
      if (n < 0) {
        throw fail("recvmsg", st);
      }
      int[] fds = new int[0];
      long controlLen = msg.get(JAVA_LONG, 40);
      if (controlLen >= 16 && cmsg.get(JAVA_INT, 8) == SOL_SOCKET && cmsg.get(JAVA_INT, 12) == SCM_RIGHTS) {
        long clen = cmsg.get(JAVA_LONG, 0);
        fds = new int[(int) ((clen - 16) / 4)];
        for (int i = 0; i < fds.length; i++) {
          fds[i] = cmsg.get(JAVA_INT, 16 + 4L * i);
        }
      }
      byte[] data = new byte[(int) n];
      MemorySegment.copy(buf, JAVA_BYTE, 0, data, 0, (int) n);
      return new Message(data, fds);
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  /** A message received with an fd passed by SCM_RIGHTS; fd is -1 when none came. */
  public record FdMessage(byte[] data, int fd) {}

  public static FdMessage recvFd(int sock, int maxData) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE);
      MemorySegment buf = a.allocate(Math.max(1, maxData));
      MemorySegment iov = a.allocate(16);
      iov.set(ADDRESS, 0, buf);
      iov.set(JAVA_LONG, 8, maxData);
      MemorySegment cmsg = a.allocate(64);
      MemorySegment msg = msghdr(a, iov, cmsg, 64);
      long n;
      while (true) {
        n = call(Fn.RECVMSG, st, sock, msg.address(), O_CLOEXEC); // MSG_CMSG_CLOEXEC == O_CLOEXEC
        if (n >= 0 || errno(st) != Errno.EINTR) {
          break;
        }
      }
      if (n < 0) {
        throw fail("recvmsg", st);
      }
      int fd = -1;
      long controlLen = msg.get(JAVA_LONG, 40);
      if (controlLen >= 20
          && cmsg.get(JAVA_INT, 8) == SOL_SOCKET
          && cmsg.get(JAVA_INT, 12) == SCM_RIGHTS) {
        fd = cmsg.get(JAVA_INT, 16);
      }
      byte[] data = new byte[(int) n];
      MemorySegment.copy(buf, JAVA_BYTE, 0, data, 0, (int) n);
      return new FdMessage(data, fd);
    } catch (Throwable t) {
      throw Unchecked.of(t);
    }
  }

  private static MemorySegment msghdr(Arena a, MemorySegment iov, MemorySegment control, long len) {
    MemorySegment msg = a.allocate(56);
    msg.set(ADDRESS, 16, iov); // msg_iov
    msg.set(JAVA_LONG, 24, 1); // msg_iovlen
    msg.set(ADDRESS, 32, control); // msg_control
    msg.set(JAVA_LONG, 40, len); // msg_controllen
    return msg;
  }

  /**
   * posix_spawn(3) of {@code path}. {@code fdMap[i]} is the fd of this process that becomes fd
   * {@code i} of the child (-1: leave i closed); no other fd of ours is inherited unless it
   * lacks close-on-exec, which the child must handle by closing what it does not know. Signal
   * dispositions and the mask are reset, since the JVM's would otherwise carry over.
   */
  public static int spawn(String path, List<String> argv, List<String> env, int[] fdMap, boolean setsid) {
    // Move every source above the target range first, so that one dup2 can't clobber a source
    // another still needs.
    int[] high = new int[fdMap.length];
    java.util.Arrays.fill(high, -1);
    try (Arena a = Arena.ofConfined()) {
      for (int i = 0; i < fdMap.length; i++) {
        if (fdMap[i] >= 0) {
          high[i] = dupAbove(fdMap[i], Math.max(fdMap.length, 3) + 64);
        }
      }
      MemorySegment fa = a.allocate(256, 16);
      MemorySegment attr = a.allocate(512, 16);
      MemorySegment sigs = a.allocate(128, 16);
      MemorySegment st = a.allocate(CALL_STATE);
      check((int) call(Fn.FA_INIT, st, fa.address()), "posix_spawn_file_actions_init");
      check((int) call(Fn.ATTR_INIT, st, attr.address()), "posix_spawnattr_init");
      try {
        for (int i = 0; i < fdMap.length; i++) {
          if (high[i] >= 0) {
            check((int) call(Fn.FA_DUP2, st, fa.address(), high[i], i), "posix_spawn_file_actions_adddup2");
          }
        }
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (setsid) {
          flags |= POSIX_SPAWN_SETSID;
        }
        check((int) call(Fn.ATTR_SETFLAGS, st, attr.address(), flags), "posix_spawnattr_setflags");
        check((int) call(Fn.SIGEMPTYSET, st, sigs.address()), "sigemptyset");
        check((int) call(Fn.ATTR_SETSIGMASK, st, attr.address(), sigs.address()), "posix_spawnattr_setsigmask");
        check((int) call(Fn.SIGFILLSET, st, sigs.address()), "sigfillset");
        // SIGKILL and SIGSTOP cannot be reset; glibc rejects them in the default set.
        check((int) call(Fn.SIGDELSET, st, sigs.address(), 9), "sigdelset");
        check((int) call(Fn.SIGDELSET, st, sigs.address(), 19), "sigdelset");
        check((int) call(Fn.ATTR_SETSIGDEFAULT, st, attr.address(), sigs.address()), "posix_spawnattr_setsigdefault");
        MemorySegment pid = a.allocate(JAVA_INT);
        int r =
            (int)
                NativeCall.call(
                    Fn.SPAWN, st, pid.address(), a.allocateFrom(path).address(), fa.address(), attr.address(),
                    strings(a, argv).address(), strings(a, env).address());
        if (r != 0) {
          throw new SysException("posix_spawn " + path, r);
        }
        return pid.get(JAVA_INT, 0);
      } finally {
        call(Fn.FA_DESTROY, st, fa.address());
        call(Fn.ATTR_DESTROY, st, attr.address());
      }
    } catch (Throwable t) {
      throw Unchecked.of(t);
    } finally {
      for (int fd : high) {
        closeQuietly(fd);
      }
    }
  }

  private static void check(int r, String what) {
    if (r != 0) {
      throw new SysException(what, r);
    }
  }

  private static MemorySegment strings(Arena a, List<String> list) {
    MemorySegment arr = a.allocate(ADDRESS, list.size() + 1);
    for (int i = 0; i < list.size(); i++) {
      arr.setAtIndex(ADDRESS, i, a.allocateFrom(list.get(i), StandardCharsets.UTF_8));
    }
    arr.setAtIndex(ADDRESS, list.size(), MemorySegment.NULL);
    return arr;
  }
}
