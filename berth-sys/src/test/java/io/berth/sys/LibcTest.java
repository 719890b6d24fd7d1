package io.berth.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every C function goes through {@link NativeCall}'s one descriptor (six longs in, a long out):
 * pointers, ints, shorts, negative values, int results and errno must all come through intact.
 */
class LibcTest {
  @TempDir Path tmp;

  @Test
  void intResultsAreTheLow32BitsAndPointersReachTheCallee() throws Throwable {
    MemorySegment getpid = NativeCall.symbol("getpid");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(NativeCall.STATE);
      assertEquals(ProcessHandle.current().pid(), (int) NativeCall.call(getpid, st, 0, 0, 0, 0, 0, 0));
      MemorySegment buf = a.allocate(64);
      MemorySegment gethostname = NativeCall.symbol("gethostname");
      assertEquals(0, (int) NativeCall.call(gethostname, st, buf.address(), 64, 0, 0, 0, 0));
      assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim(), buf.getString(0));
    }
  }

  @Test
  void theJniLibraryIsWhatTheseTestsCallAndTheLinkerAgreesWithIt() throws Throwable {
    assertTrue(NativeCall.JNI, "libberth-sys.so (berth.sys.lib=" + System.getProperty("berth.sys.lib") + ") was not loaded");
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(NativeCall.STATE);
      MemorySegment getpid = NativeCall.symbol("getpid");
      assertEquals(NativeCall.Ffm.LIBC.find("getpid").orElseThrow().address(), getpid.address());
      assertEquals(ProcessHandle.current().pid(), (int) NativeCall.Ffm.call(getpid, st, 0, 0, 0, 0, 0, 0));
      // close(-1): -1 and EBADF by both ways
      MemorySegment close = NativeCall.symbol("close");
      st.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 0);
      assertEquals(-1, (int) NativeCall.call(close, st, -1));
      assertEquals(Errno.EBADF, NativeCall.errno(st));
      st.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, 0);
      assertEquals(-1, (int) NativeCall.Ffm.call(close, st, -1, 0, 0, 0, 0, 0));
      assertEquals(Errno.EBADF, NativeCall.errno(st));
      // a pointer and a length through JNI reach the callee: write(2) to a pipe
      int[] p = Libc.pipe();
      try {
        MemorySegment buf = a.allocateFrom("via jni");
        assertEquals(7, (int) NativeCall.call(NativeCall.symbol("write"), st, p[1], buf.address(), 7));
        byte[] got = new byte[16];
        assertEquals(7, Libc.read(p[0], got, 0, 16));
        assertEquals("via jni", new String(got, 0, 7, StandardCharsets.UTF_8));
      } finally {
        Libc.close(p[0]);
        Libc.close(p[1]);
      }
      assertThrows(UnsatisfiedLinkError.class, () -> NativeCall.symbol("no_such_function_in_libc"));
      assertThrows(IllegalArgumentException.class, () -> NativeCall.call(getpid, MemorySegment.ofArray(new byte[4])));
    }
  }

  @Test
  void errnoIsCapturedAndNamed() {
    SysException e = assertThrows(SysException.class, () -> Libc.open(tmp.resolve("missing").toString(), Libc.O_RDONLY, 0));
    assertEquals(Errno.ENOENT, e.errno());
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
    // A negative int argument (AT_FDCWD-like values travel the same way): fd -1 is EBADF.
    SysException bad = assertThrows(SysException.class, () -> Libc.dupAbove(-1, 10));
    assertEquals(Errno.EBADF, bad.errno());
  }

  @Test
  void pipeReadWriteAndPoll() {
    int[] p = Libc.pipe();
    try {
      assertEquals(0, Libc.poll(p[0], Libc.POLLIN, 0), "nothing to read yet");
      byte[] data = "hello through one descriptor".getBytes(StandardCharsets.UTF_8);
      Libc.writeFully(p[1], data);
      assertEquals(Libc.POLLIN, Libc.poll(p[0], Libc.POLLIN, 1000) & Libc.POLLIN);
      byte[] got = new byte[100];
      int n = Libc.read(p[0], got, 3, 90);
      assertEquals(data.length, n);
      assertArrayEquals(data, java.util.Arrays.copyOfRange(got, 3, 3 + n));
      int high = Libc.dupAbove(p[1], 100);
      assertTrue(high >= 100, "F_DUPFD_CLOEXEC above 100: " + high);
      Libc.close(high);
    } finally {
      Libc.close(p[0]);
      Libc.close(p[1]);
    }
  }

  @Test
  void fdsTravelOverASocketPair() {
    int[] s = Libc.socketpair(Libc.SOCK_SEQPACKET);
    int[] p = Libc.pipe();
    try {
      Libc.sendMsg(s[0], "fds".getBytes(StandardCharsets.US_ASCII), new int[] {p[1]});
      Libc.Message m = Libc.recvMsg(s[1], 16, 4);
      assertEquals("fds", new String(m.data(), StandardCharsets.US_ASCII));
      assertEquals(1, m.fds().length);
      assertNotEquals(p[1], m.fds()[0]);
      Libc.writeFully(m.fds()[0], new byte[] {42});
      byte[] b = new byte[1];
      assertEquals(1, Libc.read(p[0], b, 0, 1));
      assertEquals(42, b[0]);
      Libc.close(m.fds()[0]);
    } finally {
      for (int fd : new int[] {s[0], s[1], p[0], p[1]}) {
        Libc.close(fd);
      }
    }
  }

  @Test
  void unixSocketsBindConnectAcceptAndPeerCredentials() throws Exception {
    String path = tmp.resolve("s.sock").toString();
    int listen = Libc.listenUnix(path);
    int client = Libc.connectUnix(path, Libc.SOCK_STREAM);
    int server = Libc.accept(listen);
    try {
      assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), Libc.peerUid(server));
      Libc.writeFully(client, new byte[] {7, 8});
      byte[] b = new byte[2];
      assertEquals(2, Libc.read(server, b, 0, 2));
      assertArrayEquals(new byte[] {7, 8}, b);
    } finally {
      Libc.close(server);
      Libc.close(client);
      Libc.close(listen);
    }
  }

  @Test
  void spawnWithAnFdMapThenWaitForTheExitCode() {
    int[] p = Libc.pipe();
    int pid;
    try {
      pid = Libc.spawn("/bin/sh", List.of("sh", "-c", "echo spawned >&3; exit 7"), List.of("PATH=/bin"),
          new int[] {-1, -1, 2, p[1]}, true);
    } finally {
      Libc.close(p[1]);
    }
    WaitStatus st = Libc.waitpid(pid, 0);
    byte[] out = new byte[64];
    int n = Libc.read(p[0], out, 0, out.length);
    Libc.close(p[0]);
    assertTrue(st.exited());
    assertEquals(7, st.exitCode());
    assertEquals("spawned\n", new String(out, 0, n, StandardCharsets.US_ASCII));
    assertNull(Libc.waitpid(pid, Libc.WNOHANG), "reaped already: ECHILD is no status");
    assertFalse(Libc.kill(pid, 0), "gone");
  }

  @Test
  void aSealedMemfdHoldsItsDataAndRefusesWrites() {
    byte[] data = "sealed".getBytes(StandardCharsets.US_ASCII);
    int fd = Libc.sealedMemfd("t", data);
    try {
      byte[] b = new byte[16];
      assertEquals(data.length, Libc.read(fd, b, 0, b.length));
      SysException e = assertThrows(SysException.class, () -> Libc.writeFully(fd, data));
      assertEquals(1, e.errno(), "EPERM: F_SEAL_WRITE");
    } finally {
      Libc.close(fd);
    }
  }
}
