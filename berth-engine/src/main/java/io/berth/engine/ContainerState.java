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
    HealthState health) {

  public static final String CREATED = "created";
  public static final String RUNNING = "running";
  public static final String PAUSED = "paused";
  public static final String RESTARTING = "restarting";
  public static final String EXITED = "exited";
  public static final String REMOVING = "removing";
  public static final String DEAD = "dead";

  public static ContainerState created() {
    return new ContainerState(CREATED, 0, 0, 0, false, null, null, 0, false, null, null);
  }

  public boolean isRunning() {
    return status.equals(RUNNING) || status.equals(PAUSED);
  }

  public ContainerState withStatus(String s) {
    return new ContainerState(s, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, stoppedByUser, error, health);
  }

  public ContainerState running(int newPid, int newShimPid, String at) {
    return new ContainerState(RUNNING, newPid, newShimPid, 0, false, at, finishedAt, restartCount,
        false, null, health == null ? null : HealthState.starting());
  }

  public ContainerState exited(int code, boolean oom, String at, String err) {
    return new ContainerState(EXITED, 0, 0, code, oom, startedAt, at, restartCount, stoppedByUser,
        err, health);
  }

  public ContainerState failedStart(int code, String err) {
    return new ContainerState(CREATED.equals(status) ? CREATED : EXITED, 0, 0, code, false,
        startedAt, finishedAt, restartCount, stoppedByUser, err, health);
  }

  public ContainerState withStoppedByUser(boolean v) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, v, error, health);
  }

  public ContainerState withRestartCount(int n) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt, n,
        stoppedByUser, error, health);
  }

  public ContainerState withHealth(HealthState h) {
    return new ContainerState(status, pid, shimPid, exitCode, oomKilled, startedAt, finishedAt,
        restartCount, stoppedByUser, error, h);
  }

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
