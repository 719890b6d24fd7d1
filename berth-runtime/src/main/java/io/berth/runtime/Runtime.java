package io.berth.runtime;

import io.berth.oci.InvalidSpecException;
import io.berth.oci.LinuxNames.NamespaceType;
import io.berth.oci.Resources;
import io.berth.oci.Spec;
import io.berth.json.Json;
import io.berth.oci.SpecJson;
import io.berth.oci.SpecValidator;
import io.berth.oci.State;
import io.berth.runtime.cgroup.Cgroup;
import io.berth.runtime.cgroup.Hierarchy;
import io.berth.runtime.plan.CreateContext;
import io.berth.runtime.plan.Plan;
import io.berth.runtime.plan.PlanCompiler;
import io.berth.runtime.seccomp.SeccompCache;
import io.berth.runtime.seccomp.SeccompProgram;
import io.berth.sys.Libc;
import io.berth.sys.SysException;
import io.berth.sys.WaitStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The OCI runtime as a library: the operations of runtime.md (create, start, state, kill,
 * delete) and runc's extensions (run, exec, ps, list, pause, resume, update). One instance per
 * state directory; the caller's JVM stays warm while each container runs in berth-init's hands.
 */
public final class Runtime {
  private final StateStore store;
  private final SeccompCache seccompCache;
  private final Path initBinary;
  private final Consumer<String> warn;
  private final Launcher launcher;
  /** Where the time of create and delete goes (-Dberth.trace). */
  private PhaseTrace trace = new PhaseTrace("runtime");

  private void trace(String phase) {
    trace.mark(phase);
  }

  public Runtime(Path stateRoot, Path initBinary, Consumer<String> warn) {
    this(stateRoot, initBinary, warn, Launcher.LOCAL);
  }

  public Runtime(Path stateRoot, Path initBinary, Consumer<String> warn, Launcher launcher) {
    this.store = new StateStore(stateRoot);
    // "@" is not allowed in a container id, so the cache cannot meet a container's directory.
    this.seccompCache = SeccompCache.forThisBuild(stateRoot.resolve("@seccomp"));
    this.initBinary = initBinary;
    this.warn = warn;
    this.launcher = launcher;
  }

  /** The runtime with berth-init found next to the installation (see {@link Libexec}). */
  public static Runtime at(Path stateRoot) {
    return new Runtime(stateRoot, Libexec.init(), m -> System.err.println("berth-runtime: warning: " + m));
  }

  public StateStore store() {
    return store;
  }

  /**
   * Makes this process adopt containers whose init's parent (berth-init's first stage) exits, so
   * that {@link #waitFor} can reap them. Call it before creating containers to wait on.
   */
  public static void adoptContainers() {
    Libc.becomeSubreaper();
  }

  // ---- create -------------------------------------------------------------------------------

  /** Creates a container from a bundle; returns the pid of its process, waiting for start. */
  public int create(String id, Path bundle, CreateOptions opts) {
    return createInternal(id, bundle, opts, true, null, null);
  }

  /**
   * {@link #create} from a configuration the caller has already parsed: {@code configBytes} are
   * what the bundle's config.json holds and {@code spec} is what they parse to, so the runtime does
   * not read and parse them again.
   */
  public int create(String id, Path bundle, CreateOptions opts, Spec spec, byte[] configBytes) {
    return createInternal(id, bundle, opts, true, spec, configBytes);
  }

  /** Creates and starts a container in one step (no exec fifo); returns its pid. */
  public int run(String id, Path bundle, CreateOptions opts) {
    int pid = createInternal(id, bundle, opts, false, null, null);
    try (StateStore.Lock l = store.lock(id)) {
      ContainerRecord rec = store.read(id).withStarted();
      store.write(rec);
      runPoststart(store.readConfig(id), rec);
    }
    return pid;
  }

  private int createInternal(
      String id, Path bundle, CreateOptions opts, boolean withFifo, Spec parsed, byte[] parsedBytes) {
    trace = new PhaseTrace("runtime");
    StateStore.checkId(id);
    Path bundleDir = bundle.toAbsolutePath().normalize();
    Path configPath = bundleDir.resolve("config.json");
    byte[] configBytes = parsed != null ? parsedBytes : readConfig(configPath);
    Spec spec = parsed != null ? parsed : SpecJson.parse(configBytes, Spec.class, configPath.toString());
    SpecValidator.validate(spec, true);
    checkSecurityModules(spec);
    List<String> dropped = PlanCompiler.droppedAmbient(spec.process().capabilities());
    if (!dropped.isEmpty()) {
      warn.accept("ambient capabilities " + dropped + " are not both permitted and inheritable: not raised");
    }
    Path rootfs = bundleDir.resolve(spec.root().path()).normalize();
    if (!Files.isDirectory(rootfs)) {
      throw new InvalidSpecException("root.path " + rootfs + " is not a directory");
    }
    SeccompProgram seccomp =
        spec.linux() != null && spec.linux().seccomp() != null
            ? seccompCache.compile(spec.linux().seccomp())
            : null;
    trace("config");
    store.createDir(id);
    Cgroup cgroup = null;
    int pid = -1;
    try (StateStore.Lock l = store.lock(id)) {
      String cgroupsPath = spec.linux() == null ? null : spec.linux().cgroupsPath();
      cgroup = Cgroup.create(cgroupsPath, id);
      cgroup.apply(withDefaultDeviceRules(spec));
      trace("cgroup");
      Path fifo = null;
      if (withFifo) {
        fifo = store.fifo(id);
        Libc.mkfifo(fifo.toString(), 0622);
        // Exactly 0622 whatever the umask, owned by the container's root: its init reopens the
        // fifo for writing after switching to the container's user.
        Files.setPosixFilePermissions(fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw--w--w-"));
        long[] root = containerRoot(spec);
        if (root[0] != 0 || root[1] != 0) {
          Files.setAttribute(fifo, "unix:uid", (int) root[0]);
          Files.setAttribute(fifo, "unix:gid", (int) root[1]);
        }
      }
      ContainerRecord rec =
          new ContainerRecord(
              id, spec.ociVersion(), bundleDir.toString(), rootfs.toString(), 0, 0,
              Instant.now().toString(), "root", spec.annotations(), cgroup.paths(), !withFifo);
      // The config as given, not re-serialized: delete and exec read it back.
      store.writeConfig(id, configBytes);
      store.write(rec);
      CreateContext ctx =
          new CreateContext(
              bundleDir, rootfs, fifo, opts.consoleSocket(), opts.preserveFds(), opts.noPivot(),
              cgroupMountDirs(cgroup), seccomp == null ? null : new CreateContext.Seccomp(seccomp.filter(), seccomp.flags()),
              capLastCap(), HOST_PATHS, cgroup.selfJoin());
      Plan plan = PlanCompiler.forCreate(spec, ctx);
      debugPlan(plan);
      trace("plan");
      final ContainerRecord[] current = {rec};
      pid =
          InitProcess.run(
              launcher,
              initBinary, plan, opts.stdio(), opts.preserveFds(), !withFifo,
              (tag, p) -> {
                switch (tag) {
                  case PlanCompiler.SYNC_CREATED -> {
                    trace("clone");
                    writeIdMaps(spec, p); // the process entered its cgroup itself
                    long start = ProcStat.read(p).map(ProcStat::startTime).orElse(0L);
                    current[0] = current[0].withPid(p, start);
                    store.write(current[0]);
                    trace("join-cgroup");
                    return null;
                  }
                  case PlanCompiler.SYNC_MOUNTED -> {
                    trace("mounts");
                    byte[] state = stateBytes(current[0], Status.CREATING);
                    if (spec.hooks() != null) {
                      HookRunner.run("prestart", spec.hooks().prestart(), state);
                      HookRunner.run("createRuntime", spec.hooks().createRuntime(), state);
                    }
                    return state;
                  }
                  case PlanCompiler.SYNC_READY -> {
                    trace("ready");
                    return stateBytes(current[0], withFifo ? Status.CREATED : Status.RUNNING);
                  }
                  default -> throw new ContainerException("unknown sync point " + tag);
                }
              });
      if (opts.pidFile() != null) {
        writePidFile(opts.pidFile(), pid);
      }
      return pid;
    } catch (RuntimeException | IOException e) {
      // A failed create leaves nothing behind: no process, cgroup or state directory.
      if (pid > 0) {
        Libc.kill(pid, Libc.SIGKILL);
      }
      if (cgroup != null) {
        killAll(cgroup);
        try {
          cgroup.destroy();
        } catch (RuntimeException ce) {
          e.addSuppressed(ce);
        }
      }
      store.remove(id);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  private static byte[] readConfig(Path configPath) {
    try {
      return Files.readAllBytes(configPath);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new InvalidSpecException(configPath + ": no such file (is --bundle a bundle directory?)");
    } catch (IOException e) {
      throw new ContainerException("read " + configPath + ": " + e.getMessage());
    }
  }

  /** The host uid and gid that the container's root maps to (0, 0 without a user namespace). */
  private static long[] containerRoot(Spec spec) {
    long uid = 0;
    long gid = 0;
    if (spec.linux() != null) {
      for (var m : spec.linux().uidMappings() == null ? List.<io.berth.oci.Linux.IdMapping>of() : spec.linux().uidMappings()) {
        if (m.containerID() == 0) {
          uid = m.hostID();
        }
      }
      for (var m : spec.linux().gidMappings() == null ? List.<io.berth.oci.Linux.IdMapping>of() : spec.linux().gidMappings()) {
        if (m.containerID() == 0) {
          gid = m.hostID();
        }
      }
    }
    return new long[] {uid, gid};
  }

  private static void checkSecurityModules(Spec spec) {
    Spec.Process p = spec.process();
    if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty()
        && !Files.exists(Path.of("/sys/kernel/security/apparmor"))) {
      throw new InvalidSpecException(
          "process.apparmorProfile is set but AppArmor is not enabled on this host");
    }
    boolean selinux = Files.exists(Path.of("/sys/fs/selinux/enforce"));
    if (((p.selinuxLabel() != null && !p.selinuxLabel().isEmpty())
            || (spec.linux() != null && spec.linux().mountLabel() != null && !spec.linux().mountLabel().isEmpty()))
        && !selinux) {
      throw new InvalidSpecException("an SELinux label is set but SELinux is not enabled on this host");
    }
  }

  /** The config's device rules, then allow rules for the devices every container gets. */
  private static Resources withDefaultDeviceRules(Spec spec) {
    Resources r = spec.linux() == null ? null : spec.linux().resources();
    List<Resources.DeviceRule> rules = new ArrayList<>();
    if (r != null && r.devices() != null) {
      rules.addAll(r.devices());
    }
    if (!rules.isEmpty()) {
      for (var d : PlanCompiler.DEFAULT_DEVICES) {
        rules.add(new Resources.DeviceRule(true, d.type(), d.major(), d.minor(), "rwm"));
      }
      rules.add(new Resources.DeviceRule(true, "c", 136L, null, "rwm")); // /dev/pts/*
      rules.add(new Resources.DeviceRule(true, "c", 5L, 2L, "rwm")); // /dev/ptmx
      if (spec.linux().devices() != null) {
        for (var d : spec.linux().devices()) {
          if (!"p".equals(d.type())) {
            rules.add(new Resources.DeviceRule(true, d.type(), d.major(), d.minor(), "rwm"));
          }
        }
      }
    }
    if (r == null) {
      return new Resources(rules.isEmpty() ? null : rules, null, null, null, null, null, null, null);
    }
    return new Resources(
        rules.isEmpty() ? null : rules, r.memory(), r.cpu(), r.pids(), r.blockIO(),
        r.hugepageLimits(), r.network(), r.unified());
  }

  /** The container's cgroup directory per hierarchy, named as under the host's /sys/fs/cgroup. */
  private static Map<String, String> cgroupMountDirs(Cgroup cgroup) {
    Map<String, String> dirs = new LinkedHashMap<>();
    List<Hierarchy> hierarchies = Cgroup.hierarchies();
    for (Hierarchy h : hierarchies) {
      for (var e : cgroup.paths().entrySet()) {
        if (e.getKey().startsWith(Cgroup.CREATED_PREFIX)) {
          continue;
        }
        String dir = e.getValue();
        if (dir.equals(h.mountPoint()) || dir.startsWith(h.mountPoint() + "/")) {
          String name = h.mountPoint().equals("/sys/fs/cgroup") ? "" : Path.of(h.mountPoint()).getFileName().toString();
          dirs.putIfAbsent(name, dir);
        }
      }
    }
    return dirs;
  }

  private static void writeIdMaps(Spec spec, int pid) {
    if (spec.linux() == null) {
      return;
    }
    boolean newUserns =
        spec.linux().namespaces() != null
            && spec.linux().namespaces().stream()
                .anyMatch(n -> n.type().equals("user") && (n.path() == null || n.path().isEmpty()));
    if (!newUserns) {
      return;
    }
    writeMap(pid, "uid_map", spec.linux().uidMappings());
    writeMap(pid, "gid_map", spec.linux().gidMappings());
  }

  private static void writeMap(int pid, String file, List<io.berth.oci.Linux.IdMapping> maps) {
    if (maps == null || maps.isEmpty()) {
      return;
    }
    StringBuilder b = new StringBuilder();
    for (var m : maps) {
      b.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
    }
    Path p = Path.of("/proc", String.valueOf(pid), file);
    try {
      Files.writeString(p, b.toString());
    } catch (IOException e) {
      throw new ContainerException("write " + p + ": " + e.getMessage());
    }
  }

  private static void writePidFile(Path pidFile, int pid) {
    Path tmp = pidFile.resolveSibling("." + pidFile.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, String.valueOf(pid));
      Files.move(tmp, pidFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ContainerException("write pid file " + pidFile + ": " + e.getMessage());
    }
  }

  private static final CreateContext.HostPaths HOST_PATHS =
      new CreateContext.HostPaths() {
        @Override
        public boolean exists(String path) {
          return Files.exists(Path.of(path));
        }

        @Override
        public boolean isDirectory(String path) {
          return Files.isDirectory(Path.of(path));
        }
      };

  private static int capLastCap() {
    return io.berth.sys.ProcFiles.capLastCap();
  }

  // ---- start, state, kill, delete -----------------------------------------------------------

  public void start(String id) {
    ContainerRecord rec;
    Spec spec;
    try (StateStore.Lock l = store.lock(id)) {
      rec = store.read(id);
      Status s = status(rec);
      if (s != Status.CREATED) {
        throw new ContainerException(
            "cannot start container \"" + id + "\": it is " + s.specName() + ", not created");
      }
      spec = store.readConfig(id);
      waitOnFifo(rec);
      rec = rec.withStarted();
      store.write(rec);
      try {
        Files.deleteIfExists(store.fifo(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    runPoststart(spec, rec);
  }

  /** poststart hooks: a failing one is a warning, and the rest still run (runtime.md). */
  private void runPoststart(Spec spec, ContainerRecord rec) {
    for (String e :
        HookRunner.runAll("poststart", spec.hooks() == null ? null : spec.hooks().poststart(), stateBytes(rec, Status.RUNNING))) {
      warn.accept(e);
    }
  }

  /** Opens the fifo's read end, which releases the container's init, and reads its verdict. */
  private void waitOnFifo(ContainerRecord rec) {
    Path fifo = store.fifo(rec.id());
    int fd;
    try {
      fd = Libc.open(fifo.toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
    } catch (SysException e) {
      throw new ContainerException("cannot start container \"" + rec.id() + "\": " + e.getMessage());
    }
    try {
      byte[] b = new byte[1];
      while (true) {
        int ev = Libc.poll(fd, Libc.POLLIN, 100);
        if (ev != 0) {
          int n = Libc.read(fd, b, 0, 1);
          if (n == 1) {
            return;
          }
          if (!ProcStat.alive(rec.pid(), rec.pidStartTime()) || (ev & Libc.POLLHUP) != 0) {
            throw new ContainerException(
                "container \"" + rec.id() + "\" failed to start: its process exited (see its stderr)");
          }
        } else if (!ProcStat.alive(rec.pid(), rec.pidStartTime())) {
          throw new ContainerException(
              "container \"" + rec.id() + "\" failed to start: its process is gone");
        }
      }
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  public Status status(String id) {
    return status(store.read(id));
  }

  Status status(ContainerRecord rec) {
    if (rec.pid() <= 0) {
      return Status.CREATING;
    }
    if (!ProcStat.alive(rec.pid(), rec.pidStartTime())) {
      return Status.STOPPED;
    }
    if (rec.cgroupPaths() != null && !rec.cgroupPaths().isEmpty()) {
      try {
        if (Cgroup.load(rec.cgroupPaths()).isFrozen()) {
          return Status.PAUSED;
        }
      } catch (RuntimeException e) {
        // A cgroup we cannot read does not make the container paused.
      }
    }
    if (!rec.started() && Files.exists(store.fifo(rec.id()))) {
      return Status.CREATED;
    }
    return Status.RUNNING;
  }

  public State state(String id) {
    ContainerRecord rec = store.read(id);
    return toState(rec, status(rec));
  }

  private static State toState(ContainerRecord rec, Status s) {
    Integer pid = (s == Status.STOPPED || rec.pid() <= 0) ? null : rec.pid();
    return new State(rec.ociVersion(), rec.id(), s.specName(), pid, rec.bundle(), rec.annotations());
  }

  private static byte[] stateBytes(ContainerRecord rec, Status s) {
    return Json.write(toState(rec, s));
  }

  public void kill(String id, int signal, boolean all) {
    ContainerRecord rec = store.read(id);
    Status s = status(rec);
    if (s == Status.STOPPED || s == Status.CREATING) {
      throw new ContainerException("cannot kill container \"" + id + "\": it is " + s.specName());
    }
    if (all && rec.cgroupPaths() != null) {
      for (int p : Cgroup.load(rec.cgroupPaths()).pids()) {
        if (p > 0) {
          Libc.kill(p, signal);
        }
      }
    } else if (rec.pid() <= 0 || !Libc.kill(rec.pid(), signal)) {
      throw new ContainerException("cannot kill container \"" + id + "\": its process is gone");
    }
  }

  public void delete(String id, boolean force) {
    if (!store.exists(id)) {
      if (force && java.nio.file.Files.isDirectory(store.dir(id))) {
        store.remove(id);
        return;
      }
      if (force) {
        return;
      }
      throw new ContainerException("container \"" + id + "\" does not exist");
    }
    ContainerRecord rec;
    Spec spec;
    trace = new PhaseTrace("runtime");
    try (StateStore.Lock l = store.lock(id)) {
      rec = store.read(id);
      Status s = status(rec);
      trace("status");
      if ((s == Status.RUNNING || s == Status.PAUSED) && !force) {
        throw new ContainerException(
            "cannot delete container \"" + id + "\" that is " + s.specName() + " (stop it, or use --force)");
      }
      Cgroup cg = rec.cgroupPaths() == null ? null : Cgroup.load(rec.cgroupPaths());
      if (s != Status.STOPPED) {
        if (cg != null && s == Status.PAUSED) {
          cg.thaw();
        }
        // pid 0 (a create that died half-way) must never reach kill(2): it means "my group".
        if (rec.pid() > 0) {
          Libc.kill(rec.pid(), Libc.SIGKILL);
        }
        if (cg != null) {
          killAll(cg);
        }
        if (rec.pid() > 0) {
          awaitExit(rec, 10_000);
        }
      }
      trace("kill");
      if (cg != null) {
        cg.destroy();
        removeEmptyDefaultParents(rec);
      }
      trace("rm-cgroup");
      spec = store.readConfig(id);
      store.remove(id);
      trace("rm-state");
    }
    for (String e :
        HookRunner.runAll("poststop", spec.hooks() == null ? null : spec.hooks().poststop(), stateBytes(rec, Status.STOPPED))) {
      warn.accept(e);
    }
  }

  /**
   * The default cgroupsPath puts containers under a shared {@code berth} parent; the last one out
   * removes it, so an idle host keeps no trace. A parent still in use (or just re-made by a
   * concurrent create, which re-makes it when it vanishes) stays: rmdir refuses non-empty ones.
   */
  private static void removeEmptyDefaultParents(ContainerRecord rec) {
    if (rec.cgroupPaths() == null) {
      return;
    }
    for (var e : rec.cgroupPaths().entrySet()) {
      if (e.getKey().startsWith(Cgroup.CREATED_PREFIX)) {
        continue;
      }
      Path dir = Path.of(e.getValue());
      Path parent = dir.getParent();
      if (dir.getFileName().toString().equals(rec.id()) && parent != null
          && parent.getFileName().toString().equals("berth")) {
        try {
          Files.deleteIfExists(parent);
        } catch (IOException ignored) {
          // Not empty (another container) or busy: it stays, as it should.
        }
      }
    }
  }

  private static void killAll(Cgroup cg) {
    try {
      for (int p : cg.pids()) {
        if (p > 0) {
          Libc.kill(p, Libc.SIGKILL);
        }
      }
    } catch (RuntimeException e) {
      // Nothing left to kill in a cgroup that cannot be read.
    }
  }

  private static void awaitExit(ContainerRecord rec, long millis) {
    long end = System.nanoTime() + millis * 1_000_000;
    while (ProcStat.alive(rec.pid(), rec.pidStartTime())) {
      Libc.waitpid(rec.pid(), Libc.WNOHANG);
      if (System.nanoTime() > end) {
        throw new ContainerException("container \"" + rec.id() + "\" did not exit after SIGKILL");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerException("interrupted");
      }
    }
    Libc.waitpid(rec.pid(), Libc.WNOHANG);
  }

  /**
   * Waits for a container process this JVM adopted (see {@link #adoptContainers}) and returns
   * its shell-style exit code.
   */
  public static int waitFor(int pid) {
    WaitStatus st = Libc.waitpid(pid, 0);
    if (st == null) {
      // Not our child: poll until it is gone; its exit code is not ours to know.
      while (ProcStat.read(pid).filter(p -> p.state() != 'Z').isPresent()) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        }
      }
      return -1;
    }
    return st.shellCode();
  }

  // ---- exec, ps, list, pause, resume, update ------------------------------------------------

  /** Runs {@code process} in a container's namespaces and cgroup; returns its pid. */
  public int exec(String id, Spec.Process process, CreateOptions opts) {
    ContainerRecord rec = store.read(id);
    Status s = status(rec);
    if (s != Status.RUNNING && s != Status.CREATED) {
      throw new ContainerException("cannot exec in container \"" + id + "\": it is " + s.specName());
    }
    SpecValidator.process(process);
    Spec spec = store.readConfig(id);
    Map<NamespaceType, String> ns = new EnumMap<>(NamespaceType.class);
    if (spec.linux() != null && spec.linux().namespaces() != null) {
      for (var n : spec.linux().namespaces()) {
        NamespaceType t = NamespaceType.of(n.type());
        String theirs = "/proc/" + rec.pid() + "/ns/" + t.procName;
        if (!sameNamespace(theirs, "/proc/self/ns/" + t.procName)) {
          ns.put(t, theirs);
        }
      }
    }
    SeccompProgram seccomp =
        spec.linux() != null && spec.linux().seccomp() != null
            ? seccompCache.compile(spec.linux().seccomp())
            : null;
    Cgroup cg = rec.cgroupPaths() == null ? null : Cgroup.load(rec.cgroupPaths());
    CreateContext ctx =
        new CreateContext(
            Path.of(rec.bundle()), Path.of(rec.rootfs()), null, opts.consoleSocket(), opts.preserveFds(),
            false, Map.of(), seccomp == null ? null : new CreateContext.Seccomp(seccomp.filter(), seccomp.flags()),
            capLastCap(), HOST_PATHS, cg == null ? null : cg.selfJoin());
    // The process enters the container's cgroup itself, right after its clone.
    Plan plan = PlanCompiler.forExec(spec, process, ns, ctx);
    int pid =
        InitProcess.run(
            launcher,
            initBinary, plan, opts.stdio(), opts.preserveFds(), true,
            (tag, p) -> null);
    if (opts.pidFile() != null) {
      writePidFile(opts.pidFile(), pid);
    }
    return pid;
  }

  private static void debugPlan(Plan plan) {
    if (System.getenv("BERTH_DEBUG_PLAN") != null) {
      System.err.print(plan);
    }
  }

  private static boolean sameNamespace(String a, String b) {
    try {
      return Files.readSymbolicLink(Path.of(a)).equals(Files.readSymbolicLink(Path.of(b)));
    } catch (IOException e) {
      throw new ContainerException("read " + a + ": " + e.getMessage());
    }
  }

  public List<Integer> pids(String id) {
    ContainerRecord rec = store.read(id);
    if (rec.cgroupPaths() == null || rec.cgroupPaths().isEmpty()) {
      return status(rec) == Status.STOPPED ? List.of() : List.of(rec.pid());
    }
    return Cgroup.load(rec.cgroupPaths()).pids();
  }

  /** The container's cgroup usage (memory, CPU, pids); null when it has no cgroup. */
  public io.berth.runtime.cgroup.CgroupStats stats(String id) {
    ContainerRecord rec = store.read(id);
    if (rec.cgroupPaths() == null || rec.cgroupPaths().isEmpty()) {
      return null;
    }
    return Cgroup.load(rec.cgroupPaths()).stats();
  }

  public List<ContainerInfo> list() {
    List<ContainerInfo> out = new ArrayList<>();
    for (String id : store.ids()) {
      try {
        ContainerRecord r = store.read(id);
        Status s = status(r);
        out.add(
            new ContainerInfo(
                r.ociVersion(), r.id(), s == Status.STOPPED ? 0 : r.pid(), s, r.bundle(), r.rootfs(),
                r.created(), r.owner(), r.annotations()));
      } catch (ContainerException e) {
        // Deleted while we listed.
      }
    }
    return out;
  }

  public void pause(String id) {
    ContainerRecord rec = store.read(id);
    Status s = status(rec);
    if (s != Status.RUNNING && s != Status.CREATED) {
      throw new ContainerException("cannot pause container \"" + id + "\": it is " + s.specName());
    }
    Cgroup.load(rec.cgroupPaths()).freeze();
  }

  public void resume(String id) {
    ContainerRecord rec = store.read(id);
    Status s = status(rec);
    if (s != Status.PAUSED) {
      throw new ContainerException("cannot resume container \"" + id + "\": it is " + s.specName() + ", not paused");
    }
    Cgroup.load(rec.cgroupPaths()).thaw();
  }

  public void update(String id, Resources resources) {
    ContainerRecord rec = store.read(id);
    Status s = status(rec);
    if (s == Status.STOPPED) {
      throw new ContainerException("cannot update container \"" + id + "\": it is stopped");
    }
    Cgroup.load(rec.cgroupPaths()).update(resources);
  }
}
