package io.berth.cli;

import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a foreground `run` or `exec` with a terminal and no --console-socket does, as runc does:
 * it is its own console socket, receives the pty master, puts the caller's terminal in raw
 * mode and copies bytes both ways until the container's side closes.
 */
final class ConsoleProxy implements AutoCloseable {
  private final Path dir;
  private final Path socket;
  private final int listenFd;
  private final CompletableFuture<Integer> master;
  private String savedTty;
  private Thread output;

  private ConsoleProxy(Path dir) {
    this.dir = dir;
    this.socket = dir.resolve("console.sock");
    this.listenFd = Libc.listenUnix(socket.toString());
    this.master =
        CompletableFuture.supplyAsync(
            () -> {
              int conn = Libc.accept(listenFd);
              try {
                return Libc.recvFd(conn, 4096).fd();
              } finally {
                Libc.closeQuietly(conn);
              }
            },
            r -> Thread.ofPlatform().daemon().start(r));
  }

  static ConsoleProxy open() throws IOException {
    return new ConsoleProxy(Files.createTempDirectory(Path.of("/tmp"), "berth-console"));
  }

  String socketPath() {
    return socket.toString();
  }

  /** Starts copying once the container's init has sent the pty master. */
  void attach() {
    int fd;
    try {
      fd = master.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException | TimeoutException e) {
      throw new io.berth.runtime.ContainerException("no terminal arrived on the console socket");
    }
    if (fd < 0) {
      throw new io.berth.runtime.ContainerException("the console socket message carried no fd");
    }
    savedTty = stty("-g");
    if (savedTty != null) {
      stty("raw", "-echo");
    }
    Thread.ofPlatform().daemon().name("console-in").start(() -> copy(0, fd));
    output = Thread.ofPlatform().name("console-out").start(() -> copy(fd, 1));
  }

  private static void copy(int from, int to) {
    byte[] buf = new byte[8192];
    try {
      while (true) {
        int n = Libc.read(from, buf, 0, buf.length);
        if (n <= 0) {
          return;
        }
        Libc.writeFully(to, java.util.Arrays.copyOf(buf, n));
      }
    } catch (RuntimeException e) {
      // EIO once the last slave fd closes: the container is done with the terminal.
    }
  }

  /** Waits until the container's output has been copied out (the slave side is closed). */
  void drain() {
    if (output != null) {
      try {
        output.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static String stty(String... args) {
    if (System.console() == null) {
      return null;
    }
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add("stty");
    cmd.addAll(java.util.List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  @Override
  public void close() {
    if (savedTty != null) {
      stty(savedTty);
    }
    Libc.closeQuietly(listenFd);
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A leftover empty directory in /tmp is harmless.
    }
  }
}
