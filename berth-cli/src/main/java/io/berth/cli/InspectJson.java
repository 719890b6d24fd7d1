package io.berth.cli;

import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code inspect} of a container, shaped as Docker's (the fields tools read). */
final class InspectJson {
  private InspectJson() {}

  static Map<String, Object> container(Engine engine, Container c) {
    ContainerSpec s = c.spec();
    ContainerState st = c.state();
    List<String> cmd = PsRow.command(c);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Created", c.created());
    m.put("Path", cmd.isEmpty() ? "" : cmd.get(0));
    m.put("Args", cmd.size() > 1 ? cmd.subList(1, cmd.size()) : List.of());
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Status", st.status());
    state.put("Running", st.isRunning());
    state.put("Paused", st.status().equals(ContainerState.PAUSED));
    state.put("Restarting", st.status().equals(ContainerState.RESTARTING));
    state.put("OOMKilled", st.oomKilled());
    state.put("Dead", st.status().equals(ContainerState.DEAD));
    state.put("Pid", st.pid());
    state.put("ExitCode", st.exitCode());
    state.put("Error", st.error() == null ? "" : st.error());
    state.put("StartedAt", st.startedAt() == null ? "0001-01-01T00:00:00Z" : st.startedAt());
    state.put("FinishedAt", st.finishedAt() == null ? "0001-01-01T00:00:00Z" : st.finishedAt());
    if (st.health() != null) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("Status", st.health().status());
      h.put("FailingStreak", st.health().failingStreak());
      List<Map<String, Object>> log = new ArrayList<>();
      for (ContainerState.HealthResult r : st.health().log()) {
        log.add(Map.of("Start", r.start(), "End", r.end(), "ExitCode", r.exitCode(), "Output", r.output()));
      }
      h.put("Log", log);
      state.put("Health", h);
    }
    m.put("State", state);
    m.put("Image", c.imageId());
    if (engine != null) { // null: a record from a daemon, whose paths are its own
      m.put("ResolvConfPath", engine.containerDir(c.id()).resolve("etc/resolv.conf").toString());
      m.put("HostnamePath", engine.containerDir(c.id()).resolve("etc/hostname").toString());
      m.put("HostsPath", engine.containerDir(c.id()).resolve("etc/hosts").toString());
      m.put("LogPath", engine.logPath(c.id()).toString());
    }
    m.put("Name", "/" + c.name());
    m.put("RestartCount", st.restartCount());
    m.put("Driver", "overlay");
    Map<String, Object> host = new LinkedHashMap<>();
    host.put("Binds", s.binds());
    host.put("NetworkMode", io.berth.engine.NetworkViews.mode(c, x -> x));
    host.put("PortBindings", io.berth.engine.NetworkViews.portBindings(s));
    host.put("Dns", s.networkOptions().dns());
    host.put("DnsSearch", s.networkOptions().dnsSearch());
    host.put("DnsOptions", s.networkOptions().dnsOptions());
    host.put("ExtraHosts", s.networkOptions().addHosts());
    host.put("PublishAllPorts", s.networkOptions().publishAll());
    String[] policy = (s.restart() == null ? "no" : s.restart()).split(":");
    host.put("RestartPolicy", Map.of("Name", policy[0], "MaximumRetryCount", policy.length > 1 ? Integer.parseInt(policy[1]) : 0));
    host.put("AutoRemove", s.autoRemove());
    host.put("CapAdd", s.capAdd());
    host.put("CapDrop", s.capDrop());
    host.put("Privileged", s.privileged());
    host.put("ReadonlyRootfs", s.readOnly());
    host.put("Memory", s.memory());
    host.put("NanoCpus", (long) (s.cpus() * 1e9));
    host.put("PidsLimit", s.pidsLimit());
    host.put("Init", s.init());
    host.put("LogConfig", Map.of("Type", "k8s-file", "Config", logConfig(s)));
    m.put("HostConfig", host);
    List<Map<String, Object>> mounts = new ArrayList<>();
    c.anonymousVolumes().forEach((target, name) -> mounts.add(mount("volume", name,
        volumePath(engine, name), target, true)));
    for (String b : s.binds()) {
      String[] p = b.split(":");
      if (p.length >= 2) {
        boolean rw = !(p.length > 2 && List.of(p[2].split(",")).contains("ro"));
        if (p[0].startsWith("/")) {
          mounts.add(mount("bind", null, p[0], p[1], rw));
        } else {
          mounts.add(mount("volume", p[0], volumePath(engine, p[0]), p[1], rw));
        }
      }
    }
    m.put("Mounts", mounts);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", s.hostname() != null ? s.hostname() : c.shortId());
    config.put("User", s.user() == null ? "" : s.user());
    config.put("Tty", s.tty());
    config.put("OpenStdin", s.openStdin());
    config.put("Env", s.env());
    config.put("Cmd", s.cmd());
    config.put("Image", c.image());
    config.put("WorkingDir", s.workingDir() == null ? "" : s.workingDir());
    config.put("Entrypoint", s.entrypoint());
    config.put("Labels", s.labels());
    config.put("StopSignal", s.stopSignal());
    config.put("StopTimeout", s.stopTimeout());
    if (s.health() != null) {
      config.put("Healthcheck", Map.of("Test", s.health().test(), "Interval", s.health().interval(),
          "Timeout", s.health().timeout(), "StartPeriod", s.health().startPeriod(), "Retries", s.health().retries()));
    }
    m.put("Config", config);
    m.put("NetworkSettings", io.berth.engine.NetworkViews.settings(c, x -> x));
    return m;
  }

  private static String volumePath(Engine engine, String name) {
    return engine == null ? "" : engine.volumes().find(name).map(v -> v.mountpoint()).orElse("");
  }

  private static Map<String, String> logConfig(ContainerSpec s) {
    Map<String, String> m = new LinkedHashMap<>();
    if (s.logMaxSize() > 0) {
      m.put("max-size", Long.toString(s.logMaxSize()));
    }
    if (s.logMaxFiles() > 0) {
      m.put("max-file", Integer.toString(s.logMaxFiles()));
    }
    return m;
  }

  private static Map<String, Object> mount(String type, String name, String source, String dest, boolean rw) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Type", type);
    if (name != null) {
      m.put("Name", name);
    }
    m.put("Source", source);
    m.put("Destination", dest);
    m.put("RW", rw);
    return m;
  }
}
