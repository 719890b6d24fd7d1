package io.berth.engine;

import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageRecord;
import io.berth.image.pull.ImagePuller;
import io.berth.image.registry.RegistriesConf;
import io.berth.image.snapshot.Snapshotter;
import io.berth.image.spec.ImageConfig;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import io.berth.runtime.CreateOptions;
import io.berth.runtime.Libexec;
import io.berth.runtime.PhaseTrace;
import io.berth.runtime.Runtime;
import io.berth.runtime.Status;
import io.berth.runtime.shim.ExitStatus;
import io.berth.runtime.shim.ShimLauncher;
import io.berth.runtime.shim.ShimOptions;
import io.berth.sys.Libc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The container manager as a library: create, start, stop, kill, remove, wait for and list
 * containers on images from the image layer, each run watched by its own berth-shim. The CLI and
 * the daemon are thin layers over this class; a Java program can embed it directly.
 *
 * <p>Where things live: {@code <root>/containers.db} (the records), {@code
 * <root>/containers/<id>/} (bundle: config.json, rootfs mount point, the overlay's upper and
 * work directories, the container's log and /etc files), {@code <runRoot>/containers/<id>/} (the
 * shim's sockets, pid and exit files) and {@code <runRoot>/runtime/} (the OCI runtime's state).
 * The shim writes the truth about a run (its exit) under the run root, so an engine that was
 * killed finds out what happened from there: every read of a container first reconciles its
 * record with the shim's files.
 */
public final class Engine implements AutoCloseable {
  /**
   * Where the engine keeps its state and how it reaches the outside.
   *
   * @param exitCommand the command prefix a shim runs when its container exits (followed by
   *     {@code container cleanup <id>}); null for none, as in a test that reconciles itself
   */
  public record Config(
      Path root, Path runRoot, RegistriesConf registries, List<String> exitCommand, Consumer<String> warn) {
    public static Config of(Path root, Path runRoot) {
      return new Config(root, runRoot, RegistriesConf.empty(), null, m -> {});
    }

    public Config withExitCommand(List<String> cmd) {
      return new Config(root, runRoot, registries, cmd, warn);
    }

    public Config withRegistries(RegistriesConf r) {
      return new Config(root, runRoot, r, exitCommand, warn);
    }

    public Config withWarn(Consumer<String> w) {
      return new Config(root, runRoot, registries, exitCommand, w);
    }
  }

  /** Called once a start has made the container and its shim, before the process runs. */
  public interface BeforeStart {
    void ready(Container container, Path shimDir);
  }

  private final Config config;
  private final ContainerStore store;
  private final ImageService images;
  private final Volumes volumes;
  private final ContainerLocks locks;
  private final EventLog events;
  private final Networks networks;
  private final BerthDns dns;

  private Engine(Config config) {
    this.config = config;
    this.store = ContainerStore.open(config.root().resolve("containers.db"));
    this.images = new ImageService(config.root(), config.registries());
    this.volumes = new Volumes(config.root().resolve("volumes"));
    this.locks = new ContainerLocks(config.root().resolve("containers"));
    this.events = new EventLog(config.runRoot().resolve("events.log"));
    this.networks = new Networks(config.root(), config.warn());
    this.dns = new BerthDns(config.runRoot().resolve("dns"), Path.of("/etc/resolv.conf"));
  }

  public Networks networks() {
    return networks;
  }

  public EventLog events() {
    return events;
  }

  private void emit(Container c, String action, Map<String, String> extra) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("name", c.name());
    attrs.put("image", c.image());
    attrs.putAll(c.spec().labels());
    attrs.putAll(extra);
    Instant now = Instant.now();
    events.append(new Event("container", action, c.id(), c.name(), c.image(), attrs,
        now.getEpochSecond() * 1_000_000_000L + now.getNano()));
  }

  /**
   * sqlite-jdbc's loader deletes the native libraries that exited JVMs left in /tmp; two berth
   * processes ending at once race on that and one logs a SEVERE stack trace on stderr, noise in
   * the output of a command that worked. Held here, as the logger is otherwise collectable.
   */
  private static final java.util.logging.Logger SQLITE_LOG = java.util.logging.Logger.getLogger("org.sqlite");

  static {
    SQLITE_LOG.setLevel(java.util.logging.Level.OFF);
  }

  public static Engine open(Config config) {
    return new Engine(config);
  }

  public Config config() {
    return config;
  }

  public ImageService images() {
    return images;
  }

  public Volumes volumes() {
    return volumes;
  }

  // ---- paths ----

  public Path containerDir(String id) {
    return config.root().resolve("containers").resolve(id);
  }

  /**
   * The shim's directory. Short (the first 32 digits of the ID), because its sockets' paths must
   * fit a sockaddr_un (108 bytes).
   */
  public Path shimDir(String id) {
    return config.runRoot().resolve("s").resolve(id.substring(0, Math.min(32, id.length())));
  }

  public Path logPath(String id) {
    return containerDir(id).resolve("ctr.log");
  }

  private Path runtimeRoot() {
    return config.runRoot().resolve("runtime");
  }

  private Runtime runtime() {
    return new Runtime(runtimeRoot(), Libexec.init(), config.warn());
  }

  // ---- create ----

  /** Makes a container (its record, directory and volumes) without starting it. */
  public Container create(ContainerSpec spec, Consumer<ImagePuller.Progress> pullProgress) {
    if (spec.image() == null || spec.image().isBlank()) {
      throw new EngineException("an image is required");
    }
    PhaseTrace trace = new PhaseTrace("create");
    ImageRecord image = images.resolve(spec.image(), true, pullProgress);
    ImageConfig.Config imageConfig = images.config(image.id()).config();
    trace.mark("image");
    validate(spec, imageConfig);
    String id = Names.newId();
    String name = spec.name() == null || spec.name().isEmpty() ? Names.generated() : Names.check(spec.name());
    Map<String, String> anonymous = new LinkedHashMap<>();
    for (String v : spec.binds()) {
      String target = MountSpecs.anonymousTarget(v);
      if (target != null) {
        anonymous.put(target, Names.newId());
      }
    }
    if (imageConfig != null && imageConfig.volumes() != null) {
      List<String> taken = MountSpecs.of(spec, Map.of(), n -> Path.of("/")).stream()
          .map(Spec.Mount::destination).toList();
      for (String v : imageConfig.volumes()) {
        String target = Path.of(v).normalize().toString();
        if (!taken.contains(target) && !anonymous.containsKey(target)) {
          anonymous.put(target, Names.newId());
        }
      }
    }
    Container ctr = new Container(id, name, spec.image(), image.id(), Instant.now().toString(),
        spec.toBuilder().name(name).build(), ContainerState.created(), anonymous);
    images.pin(id, image.id());
    trace.mark("pin");
    try {
      store.insert(ctr);
    } catch (RuntimeException e) {
      images.unpin(id);
      throw e;
    }
    trace.mark("insert");
    try {
      Files.createDirectories(containerDir(id));
      for (String v : anonymous.values()) {
        volumes.create(v, Map.of(), true);
      }
      MountSpecs.of(spec, anonymous, this::volumeData); // creates the named volumes it names
    } catch (IOException | RuntimeException e) {
      remove(id, true, true);
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
    emit(ctr, "create", Map.of());
    trace.mark("created");
    return ctr;
  }

  private Path volumeData(String name) {
    return Path.of(volumes.create(name, Map.of(), false).mountpoint());
  }

  /** What can be checked before anything exists: bad values fail here, leaving nothing behind. */
  private void validate(ContainerSpec spec, ImageConfig.Config image) {
    SpecBuilder.command(spec, image);
    MountSpecs.of(spec, anonymousPlaceholders(spec), n -> {
      Volumes.checkName(n);
      return Path.of("/");
    });
    SpecBuilder.capabilities(spec);
    spec.ulimits().forEach(SpecBuilder::rlimit);
    RestartPolicy.parse(spec.restart());
    if (spec.seccomp() != null && !spec.seccomp().equals("unconfined") && !spec.seccomp().equals("default")) {
      try {
        SpecJson.parse(Files.readAllBytes(Path.of(spec.seccomp())), io.berth.oci.Seccomp.class, spec.seccomp());
      } catch (IOException e) {
        throw new EngineException("cannot read the seccomp profile " + spec.seccomp() + ": " + e.getMessage());
      } catch (RuntimeException e) {
        throw new EngineException("invalid seccomp profile: " + e.getMessage());
      }
    }
    for (String d : spec.devices()) {
      if (!Files.exists(Path.of(d.split(":")[0]))) {
        throw new EngineException("--device " + d + ": " + d.split(":")[0] + " does not exist");
      }
    }
    validateNetwork(spec, image);
    if (spec.memory() > 0 && spec.memory() < 6 * 1024 * 1024) {
      throw new EngineException("minimum memory limit allowed is 6MB");
    }
  }

  private static Map<String, String> anonymousPlaceholders(ContainerSpec spec) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String v : spec.binds()) {
      String t = MountSpecs.anonymousTarget(v);
      if (t != null) {
        m.put(t, "placeholder");
      }
    }
    return m;
  }

  // ---- start ----

  public Container start(String nameOrId) {
    return start(nameOrId, null);
  }

  /**
   * Starts a created or exited container: mounts its root filesystem, writes its OCI config,
   * spawns its shim and runs it. A start of a running container changes nothing.
   */
  public Container start(String nameOrId, BeforeStart beforeStart) {
    Container ctr = get(nameOrId);
    try (ContainerLocks.Held held = locks.hold(ctr.id())) {
      ctr = refresh(store.get(ctr.id()));
      if (ctr.state().isRunning()) {
        return ctr;
      }
      if (ctr.state().status().equals(ContainerState.REMOVING)) {
        throw new EngineException.Conflict("container " + ctr.name() + " is being removed");
      }
      return startLocked(ctr, beforeStart);
    }
  }

  private Container startLocked(Container ctr, BeforeStart beforeStart) {
    String id = ctr.id();
    Runtime plain = runtime();
    Path dir = containerDir(id);
    Path rootfs = dir.resolve("rootfs");
    Path shimDir = shimDir(id);
    PhaseTrace trace = new PhaseTrace("start");
    try {
      clearRun(plain, id, rootfs);
      releaseNetwork(id);
      trace.mark("clear");
      ImageRecord image = images.find(ctr.imageId()).orElseThrow(() ->
          new EngineException("the image " + ctr.image() + " of container " + ctr.name() + " is gone"));
      ImageConfig.Config imageConfig = images.config(image.id()).config();
      trace.mark("image");
      Files.createDirectories(dir);
      Snapshotter.mount(images.lowers(image), dir);
      trace.mark("mount");
      String hostname = hostname(ctr);
      List<Networks.Network> nets = cniNetworks(ctr.spec());
      EtcFiles.write(dir.resolve("etc"), etcInputs(ctr, hostname, nets, List.of()));
      SpecBuilder.Built built = SpecBuilder.build(new SpecBuilder.Inputs(ctr, imageConfig, rootfs, dir.resolve("etc"),
          hostname, MountSpecs.of(ctr.spec(), ctr.anonymousVolumes(), this::volumeData), initBinary(ctr.spec()),
          joinedNetns(ctr.spec())));
      Spec spec = built.spec();
      byte[] configJson = built.json();
      Files.write(dir.resolve("config.json"), configJson);
      trace.mark("spec");
      if (shimDir.resolve("attach.sock").toAbsolutePath().toString().length() >= 108) {
        throw new EngineException("the run root " + config.runRoot() + " is too long: the shim's socket paths"
            + " under it would not fit a unix socket address (108 bytes); choose a shorter --run-root");
      }
      recreate(shimDir);
      ShimOptions shim = new ShimOptions(id, shimDir, logPath(id),
          ctr.spec().logMaxSize(), Math.max(1, ctr.spec().logMaxFiles()), ctr.spec().tty(),
          ctr.spec().openStdin(), oomFile(id), exitCommand(ctr));
      Runtime rt = new Runtime(runtimeRoot(), Libexec.init(), config.warn(), new ShimLauncher(shim));
      int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
      int pid;
      try {
        pid = rt.create(id, dir, new CreateOptions(null, shim.tty() ? shim.consoleSocket() : null,
            0, false, new int[] {devNull, devNull, devNull}), spec, configJson);
      } finally {
        Libc.closeQuietly(devNull);
      }
      int shimPid = readPid(shimDir.resolve("shim.pid"));
      trace.mark("create");
      if (!"host".equals(ctr.spec().network())) {
        loopbackUp(pid);
      }
      trace.mark("loopback");
      if (!nets.isEmpty()) {
        List<ContainerState.NetAttachment> joined = attachAll(ctr, pid, nets, imageConfig);
        EtcFiles.write(dir.resolve("etc"), etcInputs(ctr, hostname, nets, joined));
        nets.forEach(this::updateDns);
      }
      boolean healthChecked = health(ctr).isPresent();
      Container created = store.update(id, c -> c.withState(c.state().running(pid, shimPid, Instant.now().toString())
              .withHealth(healthChecked ? ContainerState.HealthState.starting() : null)))
          .orElseThrow(() -> new EngineException.NotFound("container " + ctr.name() + " was removed while starting"));
      trace.mark("record");
      if (beforeStart != null) {
        beforeStart.ready(created, shimDir);
      }
      rt.start(id);
      emit(created, "start", Map.of());
      trace.mark("started");
      return created;
    } catch (IOException | RuntimeException e) {
      String msg = e instanceof ContainerException ? "cannot start container " + ctr.name() + ": " + e.getMessage()
          : e.getMessage();
      try {
        clearRun(plain, id, rootfs);
        releaseNetwork(id);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      String lower = msg == null ? "" : msg.toLowerCase(java.util.Locale.ROOT); // strerror says "No such file"
      int code = lower.contains("no such file") || lower.contains("not found") ? 127 : 126;
      store.update(id, c -> c.withState(c.state().failedStart(code, msg)));
      if (e instanceof EngineException ee) {
        throw ee;
      }
      throw new EngineException(msg == null ? e.toString() : msg, e);
    }
  }

  /**
   * A private network namespace starts with lo down; docker and podman bring it up, and programs
   * that talk to localhost expect it. Done in the created container's namespace, before it runs.
   */
  private void loopbackUp(int pid) {
    try {
      Libc.loopbackUp(pid);
    } catch (RuntimeException e) {
      config.warn().accept("cannot bring up lo in the container: " + e.getMessage());
    }
  }


  private static Path initBinary(ContainerSpec spec) {
    if (!spec.init()) {
      return null;
    }
    for (String p : List.of("/usr/bin/tini-static", "/usr/bin/tini")) {
      if (Files.isExecutable(Path.of(p))) {
        return Path.of(p);
      }
    }
    return null;
  }

  private static String hostname(Container ctr) {
    if (ctr.spec().hostname() != null && !ctr.spec().hostname().isEmpty()) {
      return ctr.spec().hostname();
    }
    if ("host".equals(ctr.spec().network())) {
      try {
        return io.berth.sys.ProcFiles.sysctl(Path.of("/proc/sys/kernel/hostname"));
      } catch (IOException e) {
        return ctr.shortId();
      }
    }
    return ctr.shortId();
  }

  /** The cgroup file whose oom_kill counter tells the shim that the kernel killed the container. */
  private static Path oomFile(String id) {
    return io.berth.runtime.cgroup.OomEvents.file(SpecBuilder.cgroupsPath(id), id);
  }

  /**
   * What the shim runs when the container exits: {@code container cleanup} where something is
   * to be done then (--rm, a restart policy). Otherwise nothing: the next reader of the record
   * finishes it, and no JVM starts per exit.
   */
  private List<String> exitCommand(Container ctr) {
    String id = ctr.id();
    boolean restarts = !RestartPolicy.parse(ctr.spec().restart()).name().equals("no");
    if (config.exitCommand() == null || !(ctr.spec().autoRemove() || restarts)) {
      return List.of();
    }
    List<String> cmd = new ArrayList<>();
    if (!restarts) {
      // Only --rm: a foreground `run --rm` removes the container itself within moments; the
      // exit command is for when nobody does (run -d, or a killed CLI), so it waits a second
      // and starts no JVM when the container's directory is already gone.
      cmd.addAll(List.of("/bin/sh", "-c", "sleep 1; [ -d \"$0\" ] || exit 0; exec \"$@\"",
          containerDir(id).toString()));
    }
    cmd.addAll(config.exitCommand());
    cmd.addAll(List.of("container", "cleanup", id));
    return cmd;
  }

  private static void recreate(Path dir) throws IOException {
    Volumes.deleteTree(dir);
    Files.createDirectories(dir);
  }

  private static int readPid(Path file) {
    try {
      return Integer.parseInt(Files.readString(file).trim());
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  /** Removes what a previous run left: the runtime's container and the rootfs mount. */
  private void clearRun(Runtime rt, String id, Path rootfs) {
    try {
      if (rt.store().exists(id)) {
        rt.delete(id, true);
      }
    } catch (ContainerException e) {
      config.warn().accept("container " + id.substring(0, 12) + ": " + e.getMessage());
    }
    Snapshotter.unmount(rootfs);
  }

  // ---- networks ----

  /**
   * The network mode: {@code none}, {@code host}, {@code container:NAME}, or null for CNI
   * networks ({@code bridge} and {@code default}, Docker's names of the default network, too).
   */
  static String networkMode(ContainerSpec spec) {
    String m = spec.network();
    return m == null || m.isEmpty() || m.equals("bridge") || m.equals("default") ? null : m;
  }

  /** The networks a container joins, in interface order; empty unless its mode is CNI. */
  static List<ContainerSpec.Attach> attachments(ContainerSpec spec) {
    if (networkMode(spec) != null) {
      return List.of();
    }
    List<ContainerSpec.Attach> own = spec.networkOptions().networks();
    if (own.isEmpty()) {
      return List.of(ContainerSpec.Attach.of(Networks.DEFAULT));
    }
    return own.stream().map(a -> a.name().equals("bridge") || a.name().equals("default")
        ? new ContainerSpec.Attach(Networks.DEFAULT, a.aliases(), a.ip(), a.mac()) : a).toList();
  }

  private List<Networks.Network> cniNetworks(ContainerSpec spec) {
    List<Networks.Network> out = new ArrayList<>();
    for (ContainerSpec.Attach a : attachments(spec)) {
      out.add(networks.forAttach(a.name()));
    }
    return out;
  }

  private Path joinedNetns(ContainerSpec spec) {
    String mode = networkMode(spec);
    if (mode == null || !mode.startsWith("container:")) {
      return null;
    }
    Container other = get(mode.substring("container:".length()));
    if (!other.state().isRunning()) {
      throw new EngineException.Conflict("--network " + mode + ": container " + other.name() + " is not running");
    }
    return Path.of("/proc", Integer.toString(other.state().pid()), "ns", "net");
  }

  private void validateNetwork(ContainerSpec spec, ImageConfig.Config image) {
    String mode = networkMode(spec);
    ContainerSpec.NetworkOptions opts = spec.networkOptions();
    if (mode != null && !mode.equals("none") && !mode.equals("host") && !mode.startsWith("container:")) {
      throw new EngineException("unknown network mode \"" + mode + "\"");
    }
    if (mode != null && !opts.networks().isEmpty()) {
      throw new EngineException("--network " + mode + " cannot be combined with other networks");
    }
    // A network or container the options name but that does not exist is a bad value of the
    // request (400 through an API), not a missing resource: only a missing image is that.
    if (mode != null && mode.startsWith("container:")) {
      String other = mode.substring("container:".length());
      if (find(other).isEmpty()) {
        throw new EngineException("no such container: " + other);
      }
    }
    if (mode != null && (!opts.publish().isEmpty() || opts.publishAll())) {
      throw new EngineException("published ports need a network (not --network " + mode + ")");
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (ContainerSpec.Attach a : attachments(spec)) {
      if (!seen.add(a.name())) {
        throw new EngineException("network " + a.name() + " is given twice");
      }
      Networks.Network n = a.name().equals(Networks.DEFAULT) ? null : networks.find(a.name())
          .orElseThrow(() -> new EngineException("network " + a.name() + " not found"));
      if (a.ip() != null && !a.ip().isEmpty()) {
        int ip;
        try {
          ip = Networks.ipv4(a.ip());
        } catch (IllegalArgumentException e) {
          throw new EngineException("--ip " + a.ip() + ": " + e.getMessage());
        }
        String subnet = n == null ? Networks.DEFAULT_SUBNET : n.subnet();
        if (subnet == null || !Networks.Subnet.parse(subnet).contains(ip)) {
          throw new EngineException("--ip " + a.ip() + " is not in network " + a.name() + "'s subnet " + subnet);
        }
      }
      if (a.mac() != null && !a.mac().isEmpty() && !a.mac().matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
        throw new EngineException("invalid MAC address \"" + a.mac() + "\"");
      }
    }
    Ports.parse(opts.publish());
    Ports.publishAll(opts.expose());
    for (String d : opts.dns()) {
      try {
        java.net.InetAddress.ofLiteral(d);
      } catch (IllegalArgumentException e) {
        throw new EngineException("--dns " + d + ": not an IP address");
      }
    }
    addHosts(spec, null);
  }

  /** {@code --add-host NAME:IP} (or {@code NAME=IP}; {@code host-gateway} for the first network's gateway). */
  private static List<Map.Entry<String, String>> addHosts(ContainerSpec spec, String gateway) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (String h : spec.networkOptions().addHosts()) {
      int sep = h.indexOf('=') > 0 ? h.indexOf('=') : h.indexOf(':');
      if (sep <= 0 || sep == h.length() - 1) {
        throw new EngineException("invalid --add-host \"" + h + "\": expected NAME:IP");
      }
      String name = h.substring(0, sep);
      String ip = h.substring(sep + 1);
      if (ip.startsWith("[") && ip.endsWith("]")) {
        ip = ip.substring(1, ip.length() - 1);
      }
      if (ip.equals("host-gateway")) {
        if (gateway == null) {
          ip = "127.0.0.1";
        } else {
          ip = gateway;
        }
      } else {
        try {
          java.net.InetAddress.ofLiteral(ip);
        } catch (IllegalArgumentException e) {
          throw new EngineException("invalid --add-host \"" + h + "\": \"" + ip + "\" is not an IP address");
        }
      }
      out.add(Map.entry(name, ip));
    }
    return out;
  }

  private EtcFiles.Inputs etcInputs(Container ctr, String hostname, List<Networks.Network> nets,
      List<ContainerState.NetAttachment> joined) {
    ContainerSpec spec = ctr.spec();
    ContainerSpec.NetworkOptions o = spec.networkOptions();
    String gateway = nets.isEmpty() ? null : nets.get(0).gateway();
    List<String> servers = o.dns().isEmpty() ? null : o.dns();
    List<String> search = new ArrayList<>(o.dnsSearch());
    if (servers == null && !nets.isEmpty() && nets.get(0).dns() && nets.get(0).gateway() != null) {
      servers = List.of(nets.get(0).gateway());
      search.add(0, Networks.DOMAIN);
    }
    List<String> addresses = joined.stream().map(ContainerState.NetAttachment::ip)
        .filter(java.util.Objects::nonNull).toList();
    return new EtcFiles.Inputs(hostname, "host".equals(networkMode(spec)), addresses, addHosts(spec, gateway),
        servers, search, o.dnsOptions());
  }

  /**
   * CNI ADD on each network, in order, in the created container's namespace. Each attachment is
   * recorded before its ADD, so that a berth killed mid-way leaves a record the next start or
   * remove DELs. Published ports go with the first network.
   */
  private List<ContainerState.NetAttachment> attachAll(Container ctr, int pid, List<Networks.Network> nets,
      ImageConfig.Config image) {
    List<ContainerSpec.Attach> wanted = attachments(ctr.spec());
    ContainerSpec.NetworkOptions o = ctr.spec().networkOptions();
    List<Ports.Request> requests = new ArrayList<>(Ports.parse(o.publish()));
    if (o.publishAll()) {
      List<String> exposed = new ArrayList<>(o.expose());
      if (image != null && image.exposedPorts() != null) {
        exposed.addAll(image.exposedPorts());
      }
      requests.addAll(Ports.publishAll(exposed));
    }
    List<ContainerState.PortBinding> ports = List.of();
    if (!requests.isEmpty()) {
      List<ContainerState.PortBinding> taken = new ArrayList<>();
      for (Container c : store.list()) {
        if (!c.id().equals(ctr.id()) && c.state().isRunning()) {
          taken.addAll(c.state().netState().ports());
        }
      }
      ports = Ports.allocate(requests, taken);
    }
    List<ContainerState.PortBinding> published = ports;
    List<ContainerState.NetAttachment> joined = new ArrayList<>();
    for (int i = 0; i < nets.size(); i++) {
      Networks.Network n = nets.get(i);
      ContainerSpec.Attach a = wanted.get(i);
      String ifName = "eth" + i;
      ContainerState.NetAttachment pending = new ContainerState.NetAttachment(n.name(), n.id(), ifName, null, 0,
          null, null, a.aliases());
      boolean first = i == 0; // the run's network state starts with its published ports
      store.update(ctr.id(), c -> c.withState(c.state().withNet(first
          ? new ContainerState.NetState(List.of(pending), published) : c.state().netState().with(pending))));
      io.berth.network.Result r = networks.attach(n, runtimeConf(ctr.id(), pid, ifName, a, i == 0 ? published : List.of(), n));
      ContainerState.NetAttachment done = fromResult(pending, r, ifName);
      store.update(ctr.id(), c -> c.withState(c.state().withNet(c.state().netState().with(done))));
      joined.add(done);
      emitNetwork(n, "connect", ctr);
    }
    return joined;
  }

  private static io.berth.network.RuntimeConf runtimeConf(String id, int pid, String ifName, ContainerSpec.Attach a,
      List<ContainerState.PortBinding> ports, Networks.Network n) {
    Map<String, Object> caps = new LinkedHashMap<>();
    if (!ports.isEmpty()) {
      List<Map<String, Object>> pm = new ArrayList<>();
      for (ContainerState.PortBinding p : ports) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostPort", p.hostPort());
        m.put("containerPort", p.containerPort());
        m.put("protocol", p.protocol());
        if (!p.hostIp().isEmpty()) {
          m.put("hostIP", p.hostIp());
        }
        pm.add(m);
      }
      caps.put("portMappings", pm);
    }
    if (a != null && a.ip() != null && !a.ip().isEmpty() && n.subnet() != null) {
      caps.put("ips", List.of(a.ip() + "/" + Networks.Subnet.parse(n.subnet()).prefix()));
    }
    if (a != null && a.mac() != null && !a.mac().isEmpty()) {
      caps.put("mac", a.mac());
    }
    Path netns = pid > 0 ? Path.of("/proc", Integer.toString(pid), "ns", "net") : null;
    return new io.berth.network.RuntimeConf(id, netns, ifName, List.of(), caps);
  }

  private static ContainerState.NetAttachment fromResult(ContainerState.NetAttachment a, io.berth.network.Result r,
      String ifName) {
    String mac = null;
    Integer ifIndex = null;
    for (int i = 0; i < r.interfaces().size(); i++) {
      io.berth.network.Result.Interface itf = r.interfaces().get(i);
      if (ifName.equals(itf.name()) && itf.sandbox() != null && !itf.sandbox().isEmpty()) {
        mac = itf.mac();
        ifIndex = i;
      }
    }
    for (io.berth.network.Result.IpConfig ip : r.ips()) {
      if (ip.address().contains(".") && (ifIndex == null || ip.iface() == null || ip.iface().equals(ifIndex))) {
        int prefix = Integer.parseInt(ip.address().substring(ip.address().indexOf('/') + 1));
        return new ContainerState.NetAttachment(a.network(), a.networkId(), ifName, ip.ip(), prefix, ip.gateway(), mac,
            a.aliases());
      }
    }
    return new ContainerState.NetAttachment(a.network(), a.networkId(), ifName, null, 0, null, mac, a.aliases());
  }

  /**
   * CNI DEL of every network the container's last run joined (or began to), with the same
   * parameters as its ADD; the record forgets each one that succeeded. A failure is reported and
   * left in the record, so the next start, remove or GC tries again.
   */
  private void releaseNetwork(String id) {
    Container ctr = store.find(id).orElse(null);
    if (ctr == null || ctr.state().netState().attachments().isEmpty()) {
      if (ctr != null && !ctr.state().netState().ports().isEmpty()) {
        store.update(id, c -> c.withState(c.state().withNet(null)));
      }
      return;
    }
    ContainerState.NetState ns = ctr.state().netState();
    List<ContainerSpec.Attach> wanted = attachments(ctr.spec());
    for (ContainerState.NetAttachment a : ns.attachments()) {
      ContainerSpec.Attach spec = wanted.stream().filter(w -> w.name().equals(a.network())).findFirst().orElse(null);
      Optional<Networks.Network> n = networks.find(a.network());
      try {
        if (n.isPresent()) {
          networks.detach(n.get(), runtimeConf(id, 0, a.ifName(), spec,
              a.ifName().equals("eth0") ? ns.ports() : List.of(), n.get()));
          emitNetwork(n.get(), "disconnect", ctr);
        }
        store.update(id, c -> c.withState(c.state().withNet(c.state().netState().without(a.network()))));
      } catch (EngineException e) {
        config.warn().accept("container " + ctr.shortId() + ": " + e.getMessage());
      }
    }
    store.update(id, c -> c.withState(c.state().netState().attachments().isEmpty() ? c.state().withNet(null) : c.state()));
    for (ContainerState.NetAttachment a : ns.attachments()) {
      networks.find(a.network()).ifPresent(this::updateDns);
    }
  }

  /**
   * Rewrites a network's names for berth-dns from the records: every container with an address
   * on it, under its name, its aliases there and its short ID. Under the networks' lock, so two
   * berth processes cannot write an older list over a newer one. A failure is a warning: the
   * container runs, without names.
   */
  private void updateDns(Networks.Network n) {
    if (!n.dns() || n.gateway() == null) {
      return;
    }
    try {
      networks.locked(() -> {
        List<BerthDns.Record> records = new ArrayList<>();
        for (Container c : store.list()) {
          c.state().netState().find(n.name()).filter(a -> a.ip() != null).ifPresent(a -> {
            List<String> names = new ArrayList<>();
            names.add(c.name());
            a.aliases().stream().filter(x -> !names.contains(x)).forEach(names::add);
            names.add(c.shortId());
            records.add(new BerthDns.Record(a.ip(), names));
          });
        }
        if (records.isEmpty()) {
          dns.remove(n.name());
        } else {
          dns.update(n.name(), List.of(n.gateway()), Networks.DOMAIN, records);
        }
        return null;
      });
    } catch (EngineException e) {
      config.warn().accept("network " + n.name() + ": name resolution: " + e.getMessage());
    }
  }

  /** {@code network rm}: refused while a running container is attached. */
  public void removeNetwork(String nameOrId) {
    Networks.Network n = networks.get(nameOrId);
    networks.locked(() -> {
      for (Container c : list()) {
        if (c.state().isRunning() && c.state().netState().find(n.name()).isPresent()) {
          throw new EngineException.Conflict("network " + n.name() + " has active endpoints (container "
              + c.name() + ")");
        }
      }
      networks.remove(n);
      if (n.dns()) {
        dns.remove(n.name());
      }
      return null;
    });
    emitNetwork(n, "destroy");
  }

  public Networks.Network createNetwork(Networks.CreateOptions opts) {
    Networks.Network n = networks.create(opts);
    emitNetwork(n, "create");
    return n;
  }

  /** Removes every network but the default one that no container refers to; their names. */
  public List<String> pruneNetworks() {
    List<String> removed = new ArrayList<>();
    List<Container> all = list();
    for (Networks.Network n : networks.list()) {
      if (n.name().equals(Networks.DEFAULT)) {
        continue;
      }
      boolean used = all.stream().anyMatch(c -> attachments(c.spec()).stream().anyMatch(a -> a.name().equals(n.name()))
          || c.state().netState().find(n.name()).isPresent());
      if (!used) {
        try {
          removeNetwork(n.name());
          removed.add(n.name());
        } catch (EngineException e) {
          config.warn().accept(e.getMessage());
        }
      }
    }
    return removed;
  }

  /**
   * CNI GC: every cached attachment that no running container holds is DELeted. For what a
   * crashed engine or shim left behind; the daemon runs it when it starts, and so does {@code
   * system prune}.
   */
  public void gcNetworks() {
    List<Container> all = list();
    for (Networks.Network n : networks.list()) {
      java.util.Set<io.berth.network.Attachment> valid = new java.util.HashSet<>();
      for (Container c : all) {
        if (c.state().isRunning()) {
          c.state().netState().find(n.name()).ifPresent(a -> valid.add(new io.berth.network.Attachment(c.id(), a.ifName())));
        }
      }
      networks.gc(n, valid);
    }
  }

  /**
   * Joins a network: recorded in the container's options (it joins on every start) and, when it
   * runs, attached now as its next interface.
   */
  public Container connect(String nameOrId, ContainerSpec.Attach attach) {
    Container ctr = get(nameOrId);
    String mode = networkMode(ctr.spec());
    if (mode != null && !mode.equals("none")) {
      throw new EngineException("container " + ctr.name() + " uses --network " + ctr.spec().network()
          + "; it cannot join other networks");
    }
    Networks.Network n = networks.forAttach(attach.name().equals("bridge") ? Networks.DEFAULT : attach.name());
    try (ContainerLocks.Held held = locks.hold(ctr.id())) {
      ctr = refresh(store.get(ctr.id()));
      // A container without networks (--network none, or disconnected from its last one) joins
      // this one alone: its namespace has only lo, so nothing it has is lost.
      List<ContainerSpec.Attach> current = new ArrayList<>(attachments(ctr.spec()));
      if (current.stream().anyMatch(a -> a.name().equals(n.name()))) {
        throw new EngineException.Conflict("container " + ctr.name() + " is already connected to network " + n.name());
      }
      ContainerSpec.Attach a = new ContainerSpec.Attach(n.name(), attach.aliases(), attach.ip(), attach.mac());
      current.add(a);
      ContainerSpec updated = ctr.spec().toBuilder().network(null).net(withNetworks(ctr.spec(), current)).build();
      validateNetwork(updated, null);
      store.update(ctr.id(), c -> c.withSpec(updated));
      if (ctr.state().isRunning()) {
        int index = ctr.state().netState().attachments().stream()
            .mapToInt(x -> Integer.parseInt(x.ifName().substring(3))).max().orElse(-1) + 1;
        String ifName = "eth" + index;
        Container c0 = ctr;
        ContainerState.NetAttachment pending = new ContainerState.NetAttachment(n.name(), n.id(), ifName, null, 0,
            null, null, a.aliases());
        store.update(ctr.id(), c -> c.withState(c.state().withNet(c.state().netState().with(pending))));
        io.berth.network.Result r;
        try {
          r = networks.attach(n, runtimeConf(ctr.id(), ctr.state().pid(), ifName, a, List.of(), n));
        } catch (EngineException e) {
          store.update(c0.id(), c -> c.withState(c.state().withNet(c.state().netState().without(n.name())))
              .withSpec(c0.spec()));
          throw e;
        }
        ContainerState.NetAttachment done = fromResult(pending, r, ifName);
        store.update(ctr.id(), c -> c.withState(c.state().withNet(c.state().netState().with(done))));
        rewriteHosts(get(ctr.id()));
        updateDns(n);
      }
      emitNetwork(n, "connect", ctr);
      return get(ctr.id());
    }
  }

  /** Leaves a network: taken out of the container's options and, when it runs, DELeted now. */
  public Container disconnect(String nameOrId, String network) {
    Container ctr = get(nameOrId);
    String name = network.equals("bridge") ? Networks.DEFAULT : networks.find(network).map(Networks.Network::name).orElse(network);
    try (ContainerLocks.Held held = locks.hold(ctr.id())) {
      ctr = refresh(store.get(ctr.id()));
      List<ContainerSpec.Attach> current = new ArrayList<>(attachments(ctr.spec()));
      if (!current.removeIf(a -> a.name().equals(name))) {
        throw new EngineException.NotFound("container " + ctr.name() + " is not connected to network " + network);
      }
      ContainerSpec.NetworkOptions opts = withNetworks(ctr.spec(), current);
      ContainerSpec updated = current.isEmpty()
          ? ctr.spec().toBuilder().network("none").net(opts).build()
          : ctr.spec().toBuilder().net(opts).build();
      store.update(ctr.id(), c -> c.withSpec(updated));
      Optional<ContainerState.NetAttachment> joined = ctr.state().netState().find(name);
      if (ctr.state().isRunning() && joined.isPresent()) {
        Optional<Networks.Network> n = networks.find(name);
        if (n.isPresent()) {
          networks.detach(n.get(), runtimeConf(ctr.id(), ctr.state().pid(), joined.get().ifName(), null,
              joined.get().ifName().equals("eth0") ? ctr.state().netState().ports() : List.of(), n.get()));
        }
        store.update(ctr.id(), c -> c.withState(c.state().withNet(c.state().netState().without(name))));
        rewriteHosts(get(ctr.id()));
        networks.find(name).ifPresent(this::updateDns);
      }
      Container after = get(ctr.id());
      networks.find(name).ifPresent(n -> emitNetwork(n, "disconnect", after));
      return after;
    }
  }

  private static ContainerSpec.NetworkOptions withNetworks(ContainerSpec spec, List<ContainerSpec.Attach> list) {
    ContainerSpec.NetworkOptions o = spec.networkOptions();
    return new ContainerSpec.NetworkOptions(list, o.publish(), o.publishAll(), o.expose(), o.dns(), o.dnsSearch(),
        o.dnsOptions(), o.addHosts());
  }

  private void rewriteHosts(Container ctr) {
    try {
      List<Networks.Network> nets = cniNetworks(ctr.spec()).stream()
          .filter(n -> ctr.state().netState().find(n.name()).isPresent()).toList();
      EtcFiles.write(containerDir(ctr.id()).resolve("etc"),
          etcInputs(ctr, hostname(ctr), nets, ctr.state().netState().attachments()));
    } catch (IOException | RuntimeException e) {
      config.warn().accept("container " + ctr.shortId() + ": cannot update /etc/hosts: " + e.getMessage());
    }
  }

  private void emitNetwork(Networks.Network n, String action) {
    emitNetwork(n, action, null);
  }

  private void emitNetwork(Networks.Network n, String action, Container c) {
    Map<String, String> attrs = new LinkedHashMap<>();
    attrs.put("name", n.name());
    attrs.put("type", n.driver());
    if (c != null) {
      attrs.put("container", c.id());
    }
    Instant now = Instant.now();
    events.append(new Event("network", action, n.id(), n.name(), null, attrs,
        now.getEpochSecond() * 1_000_000_000L + now.getNano()));
  }

  // ---- state ----

  public Container get(String nameOrId) {
    return refresh(store.get(nameOrId));
  }

  /**
   * The record as stored, not brought up to date with the shim's files as {@link #get} does: a
   * run that ended may still show as running. For a caller that only waits for that end (see
   * {@link #awaitExit}) and need not wait for the run's teardown.
   */
  public Container peek(String nameOrId) {
    return store.get(nameOrId);
  }

  public Optional<Container> find(String nameOrId) {
    return store.find(nameOrId).map(this::refresh);
  }

  public List<Container> list() {
    return store.list().stream().map(this::refresh).toList();
  }

  /**
   * Brings a record up to date with the shim's files: a run whose exit.json exists (or whose
   * processes are all gone) is finished here, its runtime container deleted and its rootfs
   * unmounted.
   */
  Container refresh(Container ctr) {
    if (!ctr.state().isRunning()) {
      return ctr;
    }
    Optional<ExitStatus> exit = ExitStatus.read(shimDir(ctr.id()));
    if (exit.isEmpty()) {
      if (alive(ctr.state().pid()) || (alive(ctr.state().shimPid()) && waitForExitFile(ctr))) {
        return ctr;
      }
      exit = ExitStatus.read(shimDir(ctr.id()));
    }
    return finish(ctr, exit);
  }

  /** The container's process is gone but its shim lives: it is writing exit.json right now. */
  private boolean waitForExitFile(Container ctr) {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < deadline) {
      if (ExitStatus.read(shimDir(ctr.id())).isPresent()) {
        return false;
      }
      if (!alive(ctr.state().shimPid())) {
        return false;
      }
      sleep(1); // the shim writes it within a millisecond or so of the container's end
    }
    return true;
  }

  private Container finish(Container ctr, Optional<ExitStatus> exit) {
    try (ContainerLocks.Held held = locks.hold(ctr.id())) {
      Container current = store.find(ctr.id()).orElse(null);
      if (current == null || !current.state().isRunning() || current.state().pid() != ctr.state().pid()) {
        return current == null ? ctr.withState(ctr.state().exited(-1, false, null, null)) : current;
      }
      clearRun(runtime(), ctr.id(), containerDir(ctr.id()).resolve("rootfs"));
      releaseNetwork(ctr.id());
      int code = exit.map(ExitStatus::exitCode).orElse(-1);
      boolean oom = exit.map(ExitStatus::oomKilled).orElse(false);
      String at = exit.map(x -> x.finishedAt().toString()).orElse(Instant.now().toString());
      String err = exit.isPresent() ? null : "the container's shim died before recording its exit; the exit code is unknown";
      Container done = store.update(ctr.id(), c -> c.withState(c.state().exited(code, oom, at, err))).orElse(ctr);
      if (oom) {
        emit(done, "oom", Map.of());
      }
      emit(done, "die", Map.of("exitCode", Integer.toString(code)));
      return done;
    }
  }

  static boolean alive(int pid) {
    if (pid <= 0) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) != 'Z' && stat.charAt(close + 2) != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  // ---- stop, kill, wait ----

  /**
   * Sends the stop signal (the container's, the image's, else SIGTERM), waits up to the timeout
   * (the container's, else 10 s) and then kills.
   */
  public Container stop(String nameOrId, Integer timeoutSeconds) {
    Container ctr = get(nameOrId);
    store.update(ctr.id(), c -> c.withState(c.state().withStoppedByUser(true)));
    if (!ctr.state().isRunning()) {
      return ctr;
    }
    int timeout = timeoutSeconds != null ? timeoutSeconds
        : ctr.spec().stopTimeout() != null ? ctr.spec().stopTimeout() : 10;
    int signal = stopSignal(ctr);
    if (ctr.state().status().equals(ContainerState.PAUSED)) {
      signalQuietly(ctr, signal);
      runtime().resume(ctr.id());
    } else {
      signalQuietly(ctr, signal);
    }
    Container after = waitUntilExited(ctr, Duration.ofSeconds(Math.max(0, timeout)));
    if (after.state().isRunning()) {
      signalQuietly(ctr, 9);
      after = waitUntilExited(ctr, Duration.ofSeconds(10));
    }
    if (after.state().isRunning()) {
      throw new EngineException("container " + ctr.name() + " did not stop after SIGKILL");
    }
    emit(after, "stop", Map.of());
    return after;
  }

  private int stopSignal(Container ctr) {
    String s = ctr.spec().stopSignal();
    if (s == null || s.isEmpty()) {
      ImageConfig.Config ic = images.find(ctr.imageId()).map(i -> images.config(i.id()).config()).orElse(null);
      s = ic == null ? null : ic.stopSignal();
    }
    return s == null || s.isEmpty() ? 15 : io.berth.runtime.Signals.parse(s);
  }

  private void signalQuietly(Container ctr, int signal) {
    try {
      runtime().kill(ctr.id(), signal, false);
    } catch (ContainerException e) {
      // it exited in the meantime
    }
  }

  /** Sends a signal to the container's main process. */
  public Container kill(String nameOrId, int signal) {
    Container ctr = get(nameOrId);
    if (!ctr.state().isRunning()) {
      throw new EngineException.Conflict("container " + ctr.name() + " is not running");
    }
    store.update(ctr.id(), c -> c.withState(c.state().withStoppedByUser(true)));
    try {
      runtime().kill(ctr.id(), signal, false);
    } catch (ContainerException e) {
      throw new EngineException("cannot kill container " + ctr.name() + ": " + e.getMessage(), e);
    }
    emit(ctr, "kill", Map.of("signal", Integer.toString(signal)));
    return get(ctr.id());
  }

  /** Waits until the container is no longer running; returns it (its exit code in the state). */
  public Container waitUntilExited(Container ctr, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Container c = get(ctr.id());
    while (c.state().isRunning() && System.nanoTime() < deadline) {
      // The record is read again only when the shim has written the exit, or every 100 ms
      // (a shim that died writes nothing).
      awaitExitFile(ctr.id(), Math.min(deadline, System.nanoTime() + 100_000_000L));
      c = get(ctr.id());
    }
    return c;
  }

  /**
   * The exit of the container's current run, as soon as its shim has written it (polled each
   * millisecond, up to {@code timeout}): an API's wait can answer before the run's teardown
   * (runtime delete, unmount), which the next reader of the record or the daemon then does.
   */
  public Optional<ExitStatus> awaitExit(Container ctr, Duration timeout) {
    if (!ctr.state().isRunning()) {
      return Optional.empty();
    }
    awaitExitFile(ctr.id(), System.nanoTime() + timeout.toNanos());
    return ExitStatus.read(shimDir(ctr.id()));
  }

  /** A stat of the shim's exit.json each millisecond, until it exists or {@code deadline} (nanoTime). */
  private void awaitExitFile(String id, long deadline) {
    Path exitFile = shimDir(id).resolve("exit.json");
    while (!Files.exists(exitFile) && System.nanoTime() < deadline) {
      sleep(1);
    }
  }

  public Container waitUntilExited(String nameOrId) {
    return waitUntilExited(get(nameOrId), Duration.ofDays(365 * 100));
  }

  public Container pause(String nameOrId) {
    Container ctr = running(nameOrId);
    runtime().pause(ctr.id());
    emit(ctr, "pause", Map.of());
    return store.update(ctr.id(), c -> c.withState(c.state().withStatus(ContainerState.PAUSED))).orElse(ctr);
  }

  public Container unpause(String nameOrId) {
    Container ctr = get(nameOrId);
    if (!ctr.state().status().equals(ContainerState.PAUSED)) {
      throw new EngineException.Conflict("container " + ctr.name() + " is not paused");
    }
    runtime().resume(ctr.id());
    emit(ctr, "unpause", Map.of());
    return store.update(ctr.id(), c -> c.withState(c.state().withStatus(ContainerState.RUNNING))).orElse(ctr);
  }

  private Container running(String nameOrId) {
    Container ctr = get(nameOrId);
    if (!ctr.state().status().equals(ContainerState.RUNNING)) {
      throw new EngineException.Conflict("container " + ctr.name() + " is not running");
    }
    return ctr;
  }

  public Container rename(String nameOrId, String newName) {
    Container ctr = get(nameOrId);
    String n = Names.check(newName);
    Container renamed = store.update(ctr.id(), c -> c.withName(n)).orElseThrow();
    for (ContainerState.NetAttachment a : renamed.state().netState().attachments()) {
      networks.find(a.network()).ifPresent(this::updateDns);
    }
    emit(renamed, "rename", Map.of("oldName", ctr.name()));
    return renamed;
  }

  /**
   * Runs {@code work} on the container's root filesystem as its processes see it: for a running
   * container its mount namespace's root (/proc/PID/root, volumes included); for a stopped one
   * the overlay, mounted for the time of the call.
   */
  public <T> T withRootfs(String nameOrId, java.util.function.Function<Path, T> work) {
    Container ctr = get(nameOrId);
    if (ctr.state().isRunning()) {
      return work.apply(Path.of("/proc", Integer.toString(ctr.state().pid()), "root"));
    }
    try (ContainerLocks.Held held = locks.hold(ctr.id())) {
      ImageRecord image = images.find(ctr.imageId()).orElseThrow(() ->
          new EngineException("the image " + ctr.image() + " of container " + ctr.name() + " is gone"));
      Path dir = containerDir(ctr.id());
      Snapshotter.unmount(dir.resolve("rootfs"));
      Path rootfs = Snapshotter.mount(images.lowers(image), dir);
      try {
        return work.apply(rootfs);
      } finally {
        Snapshotter.unmount(rootfs);
      }
    }
  }

  /** The running container's cgroup usage; null when the host gives none. */
  public io.berth.runtime.cgroup.CgroupStats stats(String nameOrId) {
    Container ctr = get(nameOrId);
    if (!ctr.state().isRunning()) {
      return null;
    }
    try {
      return runtime().stats(ctr.id());
    } catch (ContainerException e) {
      return null;
    }
  }

  /**
   * The counters of the running container's network interfaces (loopback left out); empty when it
   * is not running or shares the host's network, whose figures are not the container's.
   */
  public List<InterfaceStats> networkStats(String nameOrId) {
    Container ctr = get(nameOrId);
    if (!ctr.state().isRunning() || "host".equals(ctr.spec().network())) {
      return List.of();
    }
    return InterfaceStats.of(ctr.state().pid());
  }

  /** The pids of the container's processes, as the host sees them. */
  public List<Integer> pids(String nameOrId) {
    Container ctr = get(nameOrId); // paused too: docker's top lists a frozen container's processes
    if (!ctr.state().isRunning()) {
      throw new EngineException.Conflict("container " + ctr.name() + " is not running");
    }
    return runtime().pids(ctr.id());
  }

  // ---- exec ----

  /**
   * A process to run in a running container ({@code berth exec}): the container's own process
   * settings, with these on top.
   */
  public record ExecSpec(List<String> cmd, List<String> env, String user, String workingDir, boolean tty,
      boolean privileged) {}

  /** Starts {@code exec} in the container with the caller's fds; returns its pid. */
  public int exec(String nameOrId, ExecSpec exec, CreateOptions opts) {
    return execWith(running(nameOrId), exec, opts, runtime());
  }

  private int execWith(Container ctr, ExecSpec exec, CreateOptions opts, Runtime rt) {
    if (exec.cmd() == null || exec.cmd().isEmpty()) {
      throw new EngineException("exec needs a command");
    }
    Spec.Process base = rt.store().readConfig(ctr.id()).process();
    List<String> env = new ArrayList<>(base.env() == null ? List.of() : base.env());
    for (String e : exec.env()) {
      String key = e.contains("=") ? e.substring(0, e.indexOf('=')) : e;
      env.removeIf(x -> x.startsWith(key + "="));
      env.add(e.contains("=") ? e : key + "=" + System.getenv().getOrDefault(key, ""));
    }
    Spec.User user = base.user();
    if (exec.user() != null && !exec.user().isEmpty()) {
      UserLookup.Ids ids = UserLookup.resolve(containerDir(ctr.id()).resolve("rootfs"), exec.user());
      user = new Spec.User(ids.uid(), ids.gid(), null, ids.additionalGids().isEmpty() ? null : ids.additionalGids(), null);
    }
    Spec.Capabilities caps = base.capabilities();
    if (exec.privileged()) {
      List<String> all = SpecBuilder.capabilities(ContainerSpec.builder(ctr.image()).privileged(true).build());
      caps = new Spec.Capabilities(all, all, null, all, null);
    }
    String cwd = exec.workingDir() != null && !exec.workingDir().isEmpty() ? exec.workingDir() : base.cwd();
    Spec.Process p = new Spec.Process(exec.tty(), null, user, exec.cmd(), null, env, cwd, caps, base.rlimits(),
        base.noNewPrivileges(), base.apparmorProfile(), base.oomScoreAdj(), base.selinuxLabel());
    try {
      int pid = rt.exec(ctr.id(), p, opts);
      emit(ctr, "exec_start: " + String.join(" ", exec.cmd()), Map.of());
      return pid;
    } catch (ContainerException e) {
      throw new EngineException("exec in " + ctr.name() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Starts {@code exec} with nobody attached. Its own shim is its parent and reaps it: a process
   * of the container's pid namespace left unreaped would keep the container from ever exiting.
   */
  /**
   * A detached exec: the pid of its process and the directory where its shim records how it
   * ended ({@link ExitStatus#read}); the directory goes with the container's run.
   */
  public record DetachedExec(int pid, Path shimDir) {}

  public DetachedExec execDetached(String nameOrId, ExecSpec exec) {
    Container ctr = running(nameOrId);
    Path dir = shimDir(ctr.id()).resolve("e").resolve(Names.newId().substring(0, 8));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ShimOptions shim = new ShimOptions(ctr.id() + "-exec", dir, null, 0, 1, false, false, null, List.of());
    int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    try {
      int pid = execWith(ctr, exec, new CreateOptions(null, null, 0, false, new int[] {devNull, devNull, devNull}),
          new Runtime(runtimeRoot(), Libexec.init(), config.warn(), new ShimLauncher(shim)));
      return new DetachedExec(pid, dir);
    } finally {
      Libc.closeQuietly(devNull);
    }
  }

  // ---- health ----

  static final long DEFAULT_HEALTH_INTERVAL = Duration.ofSeconds(30).toNanos();
  static final int DEFAULT_HEALTH_RETRIES = 3;

  /**
   * The health check a container runs: its --health-* options over the image's HEALTHCHECK, with
   * Docker's defaults (30 s interval and timeout, 3 retries); empty when it has none or NONE.
   */
  public Optional<ContainerSpec.Health> health(Container c) {
    ContainerSpec.Health own = c.spec().health();
    ImageConfig.Healthcheck image = null;
    try {
      ImageConfig.Config ic = images.find(c.imageId()).map(i -> images.config(i.id()).config()).orElse(null);
      image = ic == null ? null : ic.healthcheck();
    } catch (RuntimeException e) {
      // the image is gone; the container's own options still count
    }
    List<String> test = own != null && !own.test().isEmpty() ? own.test()
        : image != null && image.test() != null ? image.test() : List.of();
    if (test.isEmpty() || test.get(0).equals("NONE")) {
      return Optional.empty();
    }
    long interval = pick(own == null ? 0 : own.interval(), image == null ? null : image.interval(), DEFAULT_HEALTH_INTERVAL);
    long timeout = pick(own == null ? 0 : own.timeout(), image == null ? null : image.timeout(), DEFAULT_HEALTH_INTERVAL);
    long start = pick(own == null ? 0 : own.startPeriod(), image == null ? null : image.startPeriod(), 0);
    int retries = own != null && own.retries() > 0 ? own.retries()
        : image != null && image.retries() != null && image.retries() > 0 ? image.retries() : DEFAULT_HEALTH_RETRIES;
    return Optional.of(new ContainerSpec.Health(test, interval, timeout, start, retries));
  }

  private static long pick(long own, Long image, long dflt) {
    return own > 0 ? own : image != null && image > 0 ? image : dflt;
  }

  /**
   * Runs the container's health check once (in the container, as exec does), records the result
   * (the last five are kept) and the status: healthy after a pass, unhealthy after {@code
   * retries} failures in a row (failures in the start period do not count). Returns the new state.
   */
  public ContainerState.HealthState runHealthCheck(String nameOrId) {
    Container c = running(nameOrId);
    ContainerSpec.Health h = health(c).orElseThrow(() ->
        new EngineException("container " + c.name() + " has no health check"));
    List<String> cmd = switch (h.test().get(0)) {
      case "CMD" -> h.test().subList(1, h.test().size());
      case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", h.test().subList(1, h.test().size())));
      default -> throw new EngineException("unknown health check test " + h.test().get(0) + " (CMD, CMD-SHELL, NONE)");
    };
    Instant begin = Instant.now();
    int code;
    String output;
    int[] pipe = Libc.pipe();
    int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    Runtime.adoptContainers();
    int pid;
    try {
      pid = exec(c.id(), new ExecSpec(cmd, List.of(), null, null, false, false),
          new CreateOptions(null, null, 0, false, new int[] {devNull, pipe[1], pipe[1]}));
    } catch (EngineException e) {
      Libc.closeQuietly(pipe[0]);
      Libc.closeQuietly(pipe[1]);
      Libc.closeQuietly(devNull);
      return recordHealth(c, h, begin, 1, e.getMessage());
    }
    Libc.closeQuietly(pipe[1]);
    Libc.closeQuietly(devNull);
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> Runtime.waitFor(pid), r -> Thread.ofPlatform().daemon().name("health-wait").start(r));
    StringBuilder out = new StringBuilder();
    byte[] buf = new byte[4096];
    long deadline = System.nanoTime() + h.timeout();
    boolean timedOut = false;
    try {
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          timedOut = true;
          break;
        }
        if (Libc.poll(pipe[0], Libc.POLLIN, (int) Math.min(left, 1000)) == 0) {
          continue;
        }
        int n = Libc.read(pipe[0], buf, 0, buf.length);
        if (n <= 0) {
          break;
        }
        if (out.length() < 4096) {
          out.append(new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    } finally {
      Libc.closeQuietly(pipe[0]);
    }
    try {
      if (timedOut) {
        Libc.kill(pid, Libc.SIGKILL);
      }
      code = exit.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000) + 5000, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      Libc.kill(pid, Libc.SIGKILL);
      code = -1;
      timedOut = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted");
    }
    output = timedOut ? "Health check exceeded timeout (" + Duration.ofNanos(h.timeout()).toMillis() + "ms)"
        : out.length() > 4096 ? out.substring(0, 4096) : out.toString();
    return recordHealth(c, h, begin, timedOut ? -1 : code, output);
  }

  private ContainerState.HealthState recordHealth(Container c, ContainerSpec.Health h, Instant begin, int code, String output) {
    ContainerState.HealthResult result = new ContainerState.HealthResult(begin.toString(), Instant.now().toString(), code, output);
    boolean inStartPeriod = c.state().startedAt() != null
        && Duration.between(Instant.parse(c.state().startedAt()), begin).toNanos() < h.startPeriod();
    String[] before = new String[1];
    Container updated = store.update(c.id(), x -> {
      ContainerState.HealthState old = x.state().health() == null ? ContainerState.HealthState.starting() : x.state().health();
      before[0] = old.status();
      List<ContainerState.HealthResult> log = new ArrayList<>(old.log());
      log.add(result);
      while (log.size() > 5) {
        log.remove(0);
      }
      String status = old.status();
      int streak = old.failingStreak();
      if (code == 0) {
        status = ContainerState.HealthState.HEALTHY;
        streak = 0;
      } else if (!inStartPeriod) {
        streak++;
        if (streak >= h.retries()) {
          status = ContainerState.HealthState.UNHEALTHY;
        }
      }
      return x.withState(x.state().withHealth(new ContainerState.HealthState(status, streak, log)));
    }).orElse(c);
    ContainerState.HealthState now = updated.state().health();
    if (now != null && !now.status().equals(before[0])) {
      emit(updated, "health_status: " + now.status(), Map.of());
    }
    return now;
  }

  // ---- remove ----

  /**
   * Removes a container: its run, rootfs, writable layer, log and record, and with {@code
   * volumes} its anonymous volumes. A running container needs {@code force} (it is killed). A
   * remove that was interrupted (status removing) is finished by the next one.
   */
  public void remove(String nameOrId, boolean force, boolean removeVolumes) {
    Container ctr = get(nameOrId);
    if (ctr.state().isRunning()) {
      if (!force) {
        throw new EngineException.Conflict("cannot remove container " + ctr.name()
            + ": it is running; stop it first or use rm -f");
      }
      signalQuietly(ctr, 9);
      if (ctr.state().status().equals(ContainerState.PAUSED)) {
        runtime().resume(ctr.id());
      }
      ctr = waitUntilExited(ctr, Duration.ofSeconds(10));
      if (ctr.state().isRunning()) {
        throw new EngineException("container " + ctr.name() + " did not die after SIGKILL");
      }
    }
    String id = ctr.id();
    try (ContainerLocks.Held held = locks.hold(id)) {
      store.update(id, c -> c.withState(c.state().withStatus(ContainerState.REMOVING)));
      clearRun(runtime(), id, containerDir(id).resolve("rootfs"));
      releaseNetwork(id);
      try {
        Volumes.deleteTree(shimDir(id));
        Volumes.deleteTree(containerDir(id));
      } catch (IOException e) {
        throw new EngineException("cannot remove the files of container " + ctr.name() + ": " + e.getMessage(), e);
      }
      if (removeVolumes) {
        for (String v : ctr.anonymousVolumes().values()) {
          if (volumes.find(v).isPresent()) {
            volumes.delete(v);
          }
        }
      }
      images.unpin(id);
      store.delete(id);
    }
    locks.forget(id);
    emit(ctr, "destroy", Map.of());
  }

  /** Removes a volume that no container uses. */
  public void removeVolume(String name, boolean force) {
    volumes.get(name);
    for (Container c : usersOf(name)) {
      if (!force) {
        throw new EngineException.Conflict("volume " + name + " is in use by container " + c.name());
      }
      remove(c.id(), true, false);
    }
    volumes.delete(name);
  }

  /** Removes every volume no container uses; returns their names. */
  public List<String> pruneVolumes() {
    List<String> removed = new ArrayList<>();
    for (Volumes.Volume v : volumes.list()) {
      if (usersOf(v.name()).isEmpty()) {
        volumes.delete(v.name());
        removed.add(v.name());
      }
    }
    return removed;
  }

  /** The containers that mount a volume. */
  public List<Container> usersOf(String volume) {
    List<Container> out = new ArrayList<>();
    for (Container c : store.list()) {
      boolean uses = c.anonymousVolumes().containsValue(volume)
          || c.spec().binds().stream().anyMatch(b -> b.startsWith(volume + ":"))
          || c.spec().mounts().stream().anyMatch(m -> List.of(m.split(",")).contains("source=" + volume)
              || List.of(m.split(",")).contains("src=" + volume));
      if (uses) {
        out.add(c);
      }
    }
    return out;
  }

  // ---- exit handling (the shim's exit command, and the daemon) ----

  /**
   * What happens after a run ends: the record is finished, an {@code --rm} container is removed,
   * and a restart policy that asks for it starts the container again.
   */
  public Optional<Container> cleanup(String nameOrId) {
    Optional<Container> found = find(nameOrId);
    if (found.isEmpty() || found.get().state().isRunning()) {
      return found;
    }
    Container ctr = found.get();
    if (ctr.spec().autoRemove()) {
      remove(ctr.id(), true, true);
      return Optional.empty();
    }
    RestartPolicy policy = RestartPolicy.parse(ctr.spec().restart());
    if (ctr.state().status().equals(ContainerState.EXITED) && policy.shouldRestart(ctr.state())) {
      sleep(policy.backoffMillis(ctr.state().restartCount()));
      // The shim's exit command and the daemon may both handle the same exit: the one that finds
      // this exit still unhandled claims it (status restarting, one more restart), in one
      // transaction; the other leaves it alone, so a restart is counted and made once.
      boolean[] claimed = {false};
      Container again = store.update(ctr.id(), c -> {
        ContainerState st = c.state();
        if (!st.status().equals(ContainerState.EXITED) || !java.util.Objects.equals(st.finishedAt(), ctr.state().finishedAt())
            || st.stoppedByUser()) {
          return c;
        }
        claimed[0] = true;
        return c.withState(st.withRestartCount(st.restartCount() + 1).withStatus(ContainerState.RESTARTING));
      }).orElse(null);
      if (again == null || !claimed[0]) {
        return Optional.ofNullable(again);
      }
      return Optional.of(start(ctr.id()));
    }
    return Optional.of(ctr);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted");
    }
  }

  @Override
  public void close() {
    images.close();
    store.close();
  }
}
