package io.berth.engine;

import io.berth.runtime.ContainerException;
import io.berth.runtime.Libexec;
import io.berth.sys.Libc;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The names of the containers on Berth networks, served by one berth-dns daemon per directory
 * (the role of podman's aardvark-dns): each network with DNS has a file {@code <network>.net}
 * there, listing the addresses to listen on, the network's domain and a line per container
 * ({@code IP NAME...}). berth-dns answers those names and forwards every other question to the
 * resolvers of {@code resolvConf}.
 *
 * <p>Every change returns only once the daemon serves it: berth-dns writes {@code .status} after
 * each load, with the inode of each file it loaded and the lines or addresses it could not use.
 * All operations hold an exclusive flock on {@code .lock}, so berth processes may share the
 * directory.
 */
public final class BerthDns {
  /** A container's address and its names on a network: its name, aliases, short ID. */
  public record Record(String ip, List<String> names) {
    public Record {
      names = List.copyOf(names);
    }
  }

  private static final Duration SERVE_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  private static final Pattern WORD = Pattern.compile("[^\\s#]+");
  /** FileChannel.lock is per JVM: threads of one process queue here before the flock. */
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

  private final Path dir;
  private final Path resolvConf;
  private final List<String> upstreams;

  public BerthDns(Path dir, Path resolvConf) {
    this(dir, resolvConf, List.of());
  }

  /** With upstreams ({@code ADDR[:PORT]}) in place of resolv.conf's nameservers, for tests. */
  BerthDns(Path dir, Path resolvConf, List<String> upstreams) {
    this.dir = dir.toAbsolutePath().normalize();
    this.resolvConf = resolvConf;
    this.upstreams = List.copyOf(upstreams);
  }

  public Path pidFile() {
    return dir.resolve("berth-dns.pid");
  }

  public Path logFile() {
    return dir.resolve("berth-dns.log");
  }

  /**
   * Writes the network's file atomically (temp + rename), starts the daemon unless it runs, and
   * returns once it serves the new contents. Throws when berth-dns could not use a line of it or
   * bind one of its listen addresses; it then serves the rest.
   */
  public void update(String network, List<String> listen, String domain, List<Record> records) {
    String text = render(network, listen, domain, records);
    try (Held h = lock()) {
      Path file = netFile(network);
      Path tmp = dir.resolve("." + network + ".net.tmp");
      long ino;
      try {
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ino = (Long) Files.getAttribute(file, "unix:ino");
      } catch (IOException e) {
        throw new EngineException("cannot write " + file + ": " + e.getMessage(), e);
      }
      int pid = pid().orElseGet(this::start);
      Status s = awaitStatus(pid, st -> st.loaded.getOrDefault(network, -1L) == ino, "load " + file);
      List<String> errors = s.errors.getOrDefault(network, List.of());
      if (!errors.isEmpty()) {
        throw new EngineException("berth-dns, network " + network + ": " + errors.getFirst()
            + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more in " + logFile() + ")" : ""));
      }
    }
  }

  /** Deletes the network's file; with no network left, stops the daemon. */
  public void remove(String network) {
    checkNetwork(network);
    try (Held h = lock()) {
      try {
        Files.deleteIfExists(netFile(network));
        boolean last;
        try (Stream<Path> s = Files.list(dir)) {
          last = s.map(p -> p.getFileName().toString()).noneMatch(n -> n.endsWith(".net") && !n.startsWith("."));
        }
        if (last) {
          stop();
          return;
        }
      } catch (IOException e) {
        throw new EngineException("cannot remove " + netFile(network) + ": " + e.getMessage(), e);
      }
      OptionalInt pid = pid();
      if (pid.isPresent()) {
        awaitStatus(pid.getAsInt(), st -> !st.loaded.containsKey(network), "drop network " + network);
      }
    }
  }

  /** The daemon's pid, when its pid file names a live berth-dns. */
  public OptionalInt pid() {
    try {
      int pid = Integer.parseInt(Files.readString(pidFile()).trim());
      // After a reboot (/run need not be a tmpfs) the pid may be anyone's.
      if (Engine.alive(pid) && Files.readString(Path.of("/proc", Integer.toString(pid), "comm")).trim().equals("berth-dns")) {
        return OptionalInt.of(pid);
      }
    } catch (IOException | NumberFormatException e) {
      // no pid file, or it names no process: not running
    }
    return OptionalInt.empty();
  }

  private Path netFile(String network) {
    return dir.resolve(network + ".net");
  }

  private static void checkNetwork(String network) {
    if (network == null || !NETWORK.matcher(network).matches()) {
      throw new EngineException("invalid network name for DNS: \"" + network + "\"");
    }
  }

  private static String word(String what, String network, String s) {
    if (s == null || !WORD.matcher(s).matches()) {
      throw new EngineException("invalid " + what + " for DNS on network " + network + ": \"" + s + "\"");
    }
    return s;
  }

  static String render(String network, List<String> listen, String domain, List<Record> records) {
    checkNetwork(network);
    StringBuilder b = new StringBuilder("# network ").append(network).append(": written by berth, read by berth-dns\n");
    for (String a : listen) {
      b.append("listen ").append(word("listen address", network, a)).append('\n');
    }
    if (domain != null && !domain.isEmpty()) {
      b.append("domain ").append(word("domain", network, domain)).append('\n');
    }
    for (Record r : records) {
      if (r.names().isEmpty()) {
        throw new EngineException("no name for " + r.ip() + " in DNS on network " + network);
      }
      b.append(word("IP address", network, r.ip()));
      for (String n : r.names()) {
        b.append(' ').append(word("name", network, n));
      }
      b.append('\n');
    }
    return b.toString();
  }

  // ---- the daemon ----

  private int start() {
    Path bin;
    try {
      bin = Libexec.find("berth-dns");
    } catch (ContainerException e) {
      throw new EngineException(e.getMessage(), e);
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString(), "--pid-file", pidFile().toString(),
        "--log", logFile().toString(), "--resolv-conf", resolvConf.toString()));
    for (String u : upstreams) {
      cmd.add("--upstream");
      cmd.add(u);
    }
    cmd.add(dir.toString());
    // A file, not a pipe, for its stderr: a read cannot hang on whatever the daemon inherited.
    Path err = dir.resolve(".berth-dns.start");
    try {
      Process p = new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(err.toFile())
          .start();
      if (!p.waitFor(SERVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new EngineException("berth-dns did not start within " + SERVE_TIMEOUT.toSeconds() + " s");
      }
      if (p.exitValue() != 0) {
        List<String> lines = Files.readAllLines(err).stream().filter(l -> !l.isBlank()).toList();
        String why = lines.isEmpty() ? "exit status " + p.exitValue() : lines.getLast().replaceFirst("^berth-dns: ", "");
        throw new EngineException("berth-dns did not start: " + why);
      }
    } catch (IOException e) {
      throw new EngineException("cannot start " + bin + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while starting berth-dns", e);
    } finally {
      try {
        Files.deleteIfExists(err);
      } catch (IOException e) {
        // a leftover of a few bytes
      }
    }
    return pid().orElseThrow(() -> new EngineException("berth-dns started but " + pidFile() + " names no live berth-dns"));
  }

  /** SIGTERM, then SIGKILL after the timeout; the pid file and status go with it. */
  private void stop() throws IOException {
    OptionalInt found = pid();
    if (found.isPresent()) {
      int pid = found.getAsInt();
      Libc.kill(pid, Libc.SIGTERM);
      if (!gone(pid)) {
        Libc.kill(pid, Libc.SIGKILL);
        if (!gone(pid)) {
          throw new EngineException("berth-dns (pid " + pid + ") did not exit after SIGKILL");
        }
      }
    }
    Files.deleteIfExists(pidFile());
    Files.deleteIfExists(dir.resolve(".status"));
  }

  private static boolean gone(int pid) {
    long deadline = System.nanoTime() + SERVE_TIMEOUT.toNanos();
    while (Engine.alive(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(5);
    }
    // A subreaper JVM (the engine's daemon) adopted it: reap it here rather than keep a zombie.
    Libc.waitpid(pid, Libc.WNOHANG);
    return true;
  }

  private record Status(int pid, Map<String, Long> loaded, Map<String, List<String>> errors) {
    static Status read(Path file) {
      Map<String, Long> loaded = new HashMap<>();
      Map<String, List<String>> errors = new HashMap<>();
      int pid = -1;
      List<String> lines;
      try {
        lines = Files.readAllLines(file);
      } catch (NoSuchFileException e) {
        lines = List.of();
      } catch (IOException e) {
        throw new EngineException("cannot read " + file + ": " + e.getMessage(), e);
      }
      for (String line : lines) {
        String[] f = line.split(" ", 3);
        if (f.length == 2 && f[0].equals("pid")) {
          pid = Integer.parseInt(f[1]);
        } else if (f.length == 3 && f[0].equals("net")) {
          loaded.put(f[1], Long.parseUnsignedLong(f[2]));
        } else if (f.length == 3 && f[0].equals("error")) {
          errors.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[2]);
        }
      }
      return new Status(pid, loaded, errors);
    }
  }

  private Status awaitStatus(int pid, Predicate<Status> done, String what) {
    long deadline = System.nanoTime() + SERVE_TIMEOUT.toNanos();
    for (int wait = 1; ; wait = Math.min(wait * 2, 20)) {
      Status s = Status.read(dir.resolve(".status"));
      if (s.pid == pid && done.test(s)) {
        return s;
      }
      if (!Engine.alive(pid)) {
        throw new EngineException("berth-dns (pid " + pid + ") exited; see " + logFile());
      }
      if (System.nanoTime() > deadline) {
        throw new EngineException("berth-dns (pid " + pid + ") did not " + what + " within "
            + SERVE_TIMEOUT.toSeconds() + " s; see " + logFile());
      }
      sleep(wait);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while waiting for berth-dns", e);
    }
  }

  // ---- the lock ----

  private record Held(ReentrantLock local, FileChannel channel, FileLock lock) implements AutoCloseable {
    @Override
    public void close() {
      try {
        channel.close(); // releases the flock
      } catch (IOException e) {
        // the lock goes with the channel anyway
      } finally {
        local.unlock();
      }
    }
  }

  private Held lock() {
    ReentrantLock local = LOCAL.computeIfAbsent(dir, k -> new ReentrantLock());
    local.lock();
    try {
      Files.createDirectories(dir);
      FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        return new Held(local, ch, ch.lock());
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      local.unlock();
      throw new EngineException("cannot lock " + dir.resolve(".lock") + ": " + e.getMessage(), e);
    }
  }
}
