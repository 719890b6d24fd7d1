package io.berth.engine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the engine knows of a container's life, as Docker's {@code State} names it. Times are
 * RFC 3339 strings (null when it never happened).
 *
 * @param status {@code created}, {@code running}, {@code paused}, {@code restarting}, {@code
 *     exited}, {@code removing} or {@code dead}
 * @param shimPid the berth-shim watching the current run, 0 when none
 * @param stoppedByUser set by stop and kill, cleared by start: a restart policy leaves such a
 *     container alone, as Docker does
 * @param error why the last start failed, or null
 * @param net the current run's network attachments and published ports; null when it has none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerState(
    String status,
    int pid,
    int shimPid,
    int exitCode,
    boolean oomKilled,
    String startedAt,
    String finishedAt,
    int restartCount,
    boolean stoppedByUser,
    String error,
    HealthState health,
    NetState net) {

  public static final String CREATED = "created";
  public static final String RUNNING = "running";
  public static final String PAUSED = "paused";
  public static final String RESTARTING = "restarting";
  public static final String EXITED = "exited";
  public static final String REMOVING = "removing";
  public static final String DEAD = "dead";

  public static ContainerState created() {
    return new ContainerState(CREATED, 0, 0, 0, false, null, null, 0, false, null, null, null);
  }

  public boolean isRunning() {
    return status.equals(RUNNING) || status.equals(PAUSED);
  }

  public ContainerState withStatus(String s) {
    return new ContainerState(s, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, stoppedByUser, error, health, net);
  }

  public ContainerState running(int newPid, int newShimPid, String at) {
    return new ContainerState(RUNNING, newPid, newShimPid, 0, false, at, finishedAt, restartCount,
        false, null, health == null ? null : HealthState.starting(), net);
  }

  public ContainerState exited(int code, boolean oom, String at, String err) {
    return new ContainerState(EXITED, 0, 0, code, oom, startedAt, at, restartCount, stoppedByUser,
        err, health, net);
  }

  public ContainerState failedStart(int code, String err) {
    return new ContainerState(CREATED.equals(status) ? CREATED : EXITED, 0, 0, code, false,
        startedAt, finishedAt, restartCount, stoppedByUser, err, health, net);
  }

  public ContainerState withStoppedByUser(boolean v) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, v, error, health, net);
  }

  public ContainerState withRestartCount(int n) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt, n,
        stoppedByUser, error, health, net);
  }

  public ContainerState withHealth(HealthState h) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, stoppedByUser, error, h, net);
  }

  public ContainerState withNet(NetState n) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, stoppedByUser, error, health, n);
  }

  /** The network state, never null. */
  public NetState netState() {
    return net == null ? NetState.EMPTY : net;
  }

  /**
   * A run's networks: one attachment per network joined (recorded before its CNI ADD, so that a
   * crash mid-way still leaves the engine something to DEL) and the host ports published.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NetState(List<NetAttachment> attachments, List<PortBinding> ports) {
    public static final NetState EMPTY = new NetState(List.of(), List.of());

    public NetState {
      attachments = attachments == null ? List.of() : List.copyOf(attachments);
      ports = ports == null ? List.of() : List.copyOf(ports);
    }

    public NetState with(NetAttachment a) {
      List<NetAttachment> l = new java.util.ArrayList<>(attachments);
      l.removeIf(x -> x.network().equals(a.network()));
      l.add(a);
      return new NetState(l, ports);
    }

    public NetState without(String network) {
      return new NetState(attachments.stream().filter(x -> !x.network().equals(network)).toList(), ports);
    }

    public java.util.Optional<NetAttachment> find(String network) {
      return attachments.stream().filter(a -> a.network().equals(network)).findFirst();
    }
  }

  /**
   * One interface on one network: null address fields while the ADD has not completed.
   *
   * @param ip the address without its prefix ({@code prefixLen} separately), as Docker reports it
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record NetAttachment(String network, String networkId, String ifName, String ip, int prefixLen,
      String gateway, String mac, List<String> aliases) {
    public NetAttachment {
      aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }
  }

  /** A published port: host address (empty for all), host port, container port, tcp or udp. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record PortBinding(String hostIp, int hostPort, int containerPort, String protocol) {}

  /** Docker's {@code State.Health}: status starting, healthy or unhealthy, and the last results. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HealthState(String status, int failingStreak, List<HealthResult> log) {
    public static final String STARTING = "starting";
    public static final String HEALTHY = "healthy";
    public static final String UNHEALTHY = "unhealthy";

    public HealthState {
      log = log == null ? List.of() : List.copyOf(log);
    }

    public static HealthState starting() {
      return new HealthState(STARTING, 0, List.of());
    }

    public HealthState withStatus(String s) {
      return new HealthState(s, failingStreak, log);
    }
  }

  /** One probe: when it ran, its exit code and the start of its output. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HealthResult(String start, String end, int exitCode, String output) {}
}
