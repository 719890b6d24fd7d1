package io.berth.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a user asks of a container at create time, podman's and Docker's run options in one
 * record. Null means "the image's value, else Docker's default". Stored as JSON with the
 * container, so a restart rebuilds the same container.
 *
 * @param entrypoint replaces the image's Entrypoint (an empty list clears it)
 * @param cmd replaces the image's Cmd
 * @param env KEY=VALUE pairs added to (and overriding) the image's Env
 * @param binds {@code -v} specs: {@code SRC:DST[:OPTS]} with SRC a host path or a volume name,
 *     or {@code DST} alone for an anonymous volume
 * @param mounts {@code --mount} specs ({@code type=bind|volume|tmpfs,source=…,target=…})
 * @param tmpfs {@code --tmpfs} specs: {@code DST[:OPTS]}
 * @param restart {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure[:N]}
 * @param seccomp null (the default profile), {@code unconfined}, or a profile file's path
 * @param noNewPrivileges null for Berth's default: on (security by default, unlike Docker),
 *     off for a privileged container
 * @param memory bytes, 0 for no limit
 * @param cpus CPUs, 0 for no limit
 * @param pidsLimit 0 for no limit
 * @param ulimits {@code NAME=SOFT[:HARD]}
 * @param devices {@code HOST[:CONTAINER[:PERMS]]}
 * @param network the network mode: {@code none} (a private network namespace with loopback only),
 *     {@code host}, {@code container:NAME} (another container's namespace), or null for CNI
 *     networks ({@code net}'s, else the default network {@code berth})
 * @param net the networks to attach and their options; null for the defaults
 * @param stopTimeout seconds; null for 10
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerSpec(
    String image,
    String name,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String user,
    String workingDir,
    boolean tty,
    boolean openStdin,
    Map<String, String> labels,
    String hostname,
    String restart,
    boolean autoRemove,
    List<String> binds,
    List<String> mounts,
    List<String> tmpfs,
    boolean readOnly,
    List<String> capAdd,
    List<String> capDrop,
    boolean privileged,
    String seccomp,
    Boolean noNewPrivileges,
    long memory,
    double cpus,
    long pidsLimit,
    List<String> ulimits,
    Map<String, String> sysctls,
    List<String> devices,
    String network,
    String stopSignal,
    Integer stopTimeout,
    Health health,
    boolean init,
    long logMaxSize,
    int logMaxFiles,
    NetworkOptions net) {

  public ContainerSpec {
    env = copy(env);
    binds = copy(binds);
    mounts = copy(mounts);
    tmpfs = copy(tmpfs);
    capAdd = copy(capAdd);
    capDrop = copy(capDrop);
    ulimits = copy(ulimits);
    devices = copy(devices);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    sysctls = sysctls == null ? Map.of() : Map.copyOf(sysctls);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    cmd = cmd == null ? null : List.copyOf(cmd);
  }

  /**
   * One network to attach (CNI), as {@code --network NAME} with {@code --ip}, {@code
   * --mac-address} and {@code --network-alias}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Attach(String name, List<String> aliases, String ip, String mac) {
    public Attach {
      aliases = copy(aliases);
    }

    public static Attach of(String name) {
      return new Attach(name, List.of(), null, null);
    }
  }

  /**
   * The network side of run/create: networks in attach order (empty for the default), published
   * ports ({@code -p} specs), {@code -P} with the exposed ports, and the resolver and hosts
   * entries.
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NetworkOptions(List<Attach> networks, List<String> publish, boolean publishAll,
      List<String> expose, List<String> dns, List<String> dnsSearch, List<String> dnsOptions,
      List<String> addHosts) {
    public NetworkOptions {
      networks = networks == null ? List.of() : List.copyOf(networks);
      publish = copy(publish);
      expose = copy(expose);
      dns = copy(dns);
      dnsSearch = copy(dnsSearch);
      dnsOptions = copy(dnsOptions);
      addHosts = copy(addHosts);
    }

    public static final NetworkOptions NONE =
        new NetworkOptions(List.of(), List.of(), false, List.of(), List.of(), List.of(), List.of(), List.of());
  }

  /** The network options, never null. */
  public NetworkOptions networkOptions() {
    return net == null ? NetworkOptions.NONE : net;
  }

  private static List<String> copy(List<String> l) {
    return l == null ? List.of() : List.copyOf(l);
  }

  /** A spec with only the image and a command set, everything else default. */
  public static ContainerSpec of(String image, List<String> cmd) {
    return builder(image).cmd(cmd).build();
  }

  public static Builder builder(String image) {
    return new Builder(image);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * A health check as Docker's HEALTHCHECK and --health-* flags give it: {@code test} is {@code
   * ["CMD", args…]}, {@code ["CMD-SHELL", command]} or {@code ["NONE"]}; durations in nanoseconds,
   * 0 for the default (interval and timeout 30 s, start period 0, 3 retries).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Health(List<String> test, long interval, long timeout, long startPeriod, int retries) {
    public Health {
      test = test == null ? List.of() : List.copyOf(test);
    }

    public boolean disabled() {
      return test.isEmpty() || test.get(0).equals("NONE");
    }
  }

  /** Builds a spec one option at a time (the CLI's flags map onto it). */
  public static final class Builder {
    String image;
    String name;
    List<String> entrypoint;
    List<String> cmd;
    List<String> env = List.of();
    String user;
    String workingDir;
    boolean tty;
    boolean openStdin;
    Map<String, String> labels = Map.of();
    String hostname;
    String restart;
    boolean autoRemove;
    List<String> binds = List.of();
    List<String> mounts = List.of();
    List<String> tmpfs = List.of();
    boolean readOnly;
    List<String> capAdd = List.of();
    List<String> capDrop = List.of();
    boolean privileged;
    String seccomp;
    Boolean noNewPrivileges;
    long memory;
    double cpus;
    long pidsLimit;
    List<String> ulimits = List.of();
    Map<String, String> sysctls = Map.of();
    List<String> devices = List.of();
    String network;
    String stopSignal;
    Integer stopTimeout;
    Health health;
    boolean init;
    long logMaxSize;
    int logMaxFiles;
    NetworkOptions net;

    Builder(String image) {
      this.image = image;
    }

    Builder(ContainerSpec s) {
      image = s.image; name = s.name; entrypoint = s.entrypoint; cmd = s.cmd; env = s.env;
      user = s.user; workingDir = s.workingDir; tty = s.tty; openStdin = s.openStdin;
      labels = s.labels; hostname = s.hostname; restart = s.restart; autoRemove = s.autoRemove;
      binds = s.binds; mounts = s.mounts; tmpfs = s.tmpfs; readOnly = s.readOnly;
      capAdd = s.capAdd; capDrop = s.capDrop; privileged = s.privileged; seccomp = s.seccomp;
      noNewPrivileges = s.noNewPrivileges; memory = s.memory; cpus = s.cpus;
      pidsLimit = s.pidsLimit; ulimits = s.ulimits; sysctls = s.sysctls; devices = s.devices;
      network = s.network; stopSignal = s.stopSignal; stopTimeout = s.stopTimeout;
      health = s.health; init = s.init; logMaxSize = s.logMaxSize; logMaxFiles = s.logMaxFiles;
      net = s.net;
    }

    public Builder image(String v) { image = v; return this; }
    public Builder name(String v) { name = v; return this; }
    public Builder entrypoint(List<String> v) { entrypoint = v; return this; }
    public Builder cmd(List<String> v) { cmd = v; return this; }
    public Builder env(List<String> v) { env = v; return this; }
    public Builder user(String v) { user = v; return this; }
    public Builder workingDir(String v) { workingDir = v; return this; }
    public Builder tty(boolean v) { tty = v; return this; }
    public Builder openStdin(boolean v) { openStdin = v; return this; }
    public Builder labels(Map<String, String> v) { labels = v; return this; }
    public Builder hostname(String v) { hostname = v; return this; }
    public Builder restart(String v) { restart = v; return this; }
    public Builder autoRemove(boolean v) { autoRemove = v; return this; }
    public Builder binds(List<String> v) { binds = v; return this; }
    public Builder mounts(List<String> v) { mounts = v; return this; }
    public Builder tmpfs(List<String> v) { tmpfs = v; return this; }
    public Builder readOnly(boolean v) { readOnly = v; return this; }
    public Builder capAdd(List<String> v) { capAdd = v; return this; }
    public Builder capDrop(List<String> v) { capDrop = v; return this; }
    public Builder privileged(boolean v) { privileged = v; return this; }
    public Builder seccomp(String v) { seccomp = v; return this; }
    public Builder noNewPrivileges(Boolean v) { noNewPrivileges = v; return this; }
    public Builder memory(long v) { memory = v; return this; }
    public Builder cpus(double v) { cpus = v; return this; }
    public Builder pidsLimit(long v) { pidsLimit = v; return this; }
    public Builder ulimits(List<String> v) { ulimits = v; return this; }
    public Builder sysctls(Map<String, String> v) { sysctls = v; return this; }
    public Builder devices(List<String> v) { devices = v; return this; }
    public Builder network(String v) { network = v; return this; }
    public Builder stopSignal(String v) { stopSignal = v; return this; }
    public Builder stopTimeout(Integer v) { stopTimeout = v; return this; }
    public Builder health(Health v) { health = v; return this; }
    public Builder init(boolean v) { init = v; return this; }
    public Builder logMaxSize(long v) { logMaxSize = v; return this; }
    public Builder logMaxFiles(int v) { logMaxFiles = v; return this; }
    public Builder net(NetworkOptions v) { net = v; return this; }

    public ContainerSpec build() {
      return new ContainerSpec(image, name, entrypoint, cmd, env, user, workingDir, tty, openStdin,
          labels, hostname, restart, autoRemove, binds, mounts, tmpfs, readOnly, capAdd, capDrop,
          privileged, seccomp, noNewPrivileges, memory, cpus, pidsLimit, ulimits, sysctls, devices,
          network, stopSignal, stopTimeout, health, init, logMaxSize, logMaxFiles, net);
    }
  }
}
