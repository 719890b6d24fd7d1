package io.berth.docker;

import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.image.spec.ImageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A container as Docker's API shows it: the inspect document ({@code GET /containers/{id}/json})
 * and the list entry ({@code GET /containers/json}). What the container runs is shown as Docker
 * does, with the image's defaults applied (Cmd, Entrypoint, Env, Labels...).
 */
final class ContainerViews {
  private final Engine engine;
  private final ImageConfigs images;
  private final DockerExtras.Store extras;
  private final Function<String, List<String>> execIds;

  ContainerViews(Engine engine, ImageConfigs images, DockerExtras.Store extras, Function<String, List<String>> execIds) {
    this.engine = engine;
    this.images = images;
    this.extras = extras;
    this.execIds = execIds;
  }

  // ---- what the container runs ----

  static List<String> entrypoint(ContainerSpec s, ImageConfig.Config image) {
    return s.entrypoint() != null ? s.entrypoint() : image == null ? List.of() : orEmpty(image.entrypoint());
  }

  /** An image config's list that the config may leave out (null). */
  static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  static <T> java.util.Collection<T> orEmpty(java.util.Set<T> l) {
    return l == null ? java.util.Set.of() : l;
  }

  static Map<String, String> orEmpty(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }

  /** The image's Cmd unless the container has its own, or a new entrypoint drops it (Docker's rule). */
  static List<String> cmd(ContainerSpec s, ImageConfig.Config image) {
    if (s.cmd() != null && !s.cmd().isEmpty()) {
      return s.cmd();
    }
    if (s.entrypoint() != null || image == null) {
      return List.of();
    }
    return orEmpty(image.cmd());
  }

  static List<String> command(ContainerSpec s, ImageConfig.Config image) {
    List<String> all = new ArrayList<>(entrypoint(s, image));
    all.addAll(cmd(s, image));
    return all;
  }

  static List<String> env(ContainerSpec s, ImageConfig.Config image) {
    Map<String, String> byKey = new LinkedHashMap<>();
    for (String e : image == null ? List.<String>of() : orEmpty(image.env())) {
      byKey.put(key(e), e);
    }
    for (String e : s.env()) {
      byKey.put(key(e), e.contains("=") ? e : e + "=");
    }
    return new ArrayList<>(byKey.values());
  }

  private static String key(String env) {
    int eq = env.indexOf('=');
    return eq < 0 ? env : env.substring(0, eq);
  }

  /** Docker's status line: Created, Up 3 minutes (Paused), Exited (0) 2 seconds ago... */
  static String status(ContainerState st, Instant now) {
    Instant started = HumanTime.parse(st.startedAt());
    Instant finished = HumanTime.parse(st.finishedAt());
    return switch (st.status()) {
      case ContainerState.RUNNING, ContainerState.PAUSED -> {
        String up = "Up " + HumanTime.duration(Duration.between(started == null ? now : started, now));
        if (st.status().equals(ContainerState.PAUSED)) {
          yield up + " (Paused)";
        }
        if (st.health() != null) {
          yield up + switch (st.health().status()) {
            case ContainerState.HealthState.STARTING -> " (health: starting)";
            default -> " (" + st.health().status() + ")";
          };
        }
        yield up;
      }
      case ContainerState.RESTARTING -> "Restarting (" + st.exitCode() + ") "
          + HumanTime.duration(Duration.between(finished == null ? now : finished, now)) + " ago";
      case ContainerState.EXITED -> started == null && finished == null ? "Created"
          : "Exited (" + st.exitCode() + ") " + HumanTime.duration(Duration.between(finished == null ? now : finished, now)) + " ago";
      case ContainerState.REMOVING -> "Removal In Progress";
      case ContainerState.DEAD -> "Dead";
      default -> "Created";
    };
  }

  /** Docker's State: created, running, paused, restarting, removing, exited or dead. */
  static String state(ContainerState st) {
    return st.status();
  }

  // ---- the list entry ----

  Map<String, Object> summary(Container c) {
    ContainerSpec s = c.spec();
    ImageConfig.Config image = images.config(c.imageId());
    DockerExtras x = extras.get(c.id());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Names", List.of("/" + c.name()));
    m.put("Image", c.image());
    m.put("ImageID", c.imageId());
    m.put("Command", String.join(" ", command(s, image)));
    m.put("Created", HumanTime.unixSeconds(c.created()));
    List<Map<String, Object>> ports = new ArrayList<>(io.berth.engine.NetworkViews.portList(c));
    for (String p : exposedPorts(x, image)) {
      String[] pp = p.split("/");
      int privatePort = Integer.parseInt(pp[0].split("-")[0]);
      String type = pp.length > 1 ? pp[1] : "tcp";
      if (ports.stream().noneMatch(q -> q.get("PrivatePort").equals(privatePort) && q.get("Type").equals(type))) {
        Map<String, Object> port = new LinkedHashMap<>();
        port.put("PrivatePort", privatePort);
        port.put("Type", type);
        ports.add(port);
      }
    }
    m.put("Ports", ports);
    m.put("Labels", labels(s, image));
    m.put("State", state(c.state()));
    m.put("Status", status(c.state(), Instant.now()));
    m.put("HostConfig", Map.of("NetworkMode", DockerNetworks.dockerMode(c)));
    m.put("NetworkSettings", Map.of("Networks", networks(c)));
    m.put("Mounts", mounts(c));
    return m;
  }

  /** The container's labels over its image's. */
  Map<String, String> labels(Container c) {
    return labels(c.spec(), images.config(c.imageId()));
  }

  /** The ports the container and its image expose ({@code 80/tcp}). */
  List<String> exposedPorts(Container c) {
    return exposedPorts(extras.get(c.id()), images.config(c.imageId()));
  }

  private static Map<String, String> labels(ContainerSpec s, ImageConfig.Config image) {
    Map<String, String> l = new LinkedHashMap<>(image == null ? Map.of() : orEmpty(image.labels()));
    l.putAll(s.labels());
    return l;
  }

  private static List<String> exposedPorts(DockerExtras x, ImageConfig.Config image) {
    LinkedHashSet<String> all = new LinkedHashSet<>();
    if (image != null) {
      all.addAll(orEmpty(image.exposedPorts()));
    }
    for (String p : x.exposedPorts()) {
      all.add(p.contains("/") ? p : p + "/tcp");
    }
    return new ArrayList<>(all);
  }

  /**
   * NetworkSettings.Networks: the networks the current run joined, with their addresses; for a
   * container not running, the networks it joins when it runs, without addresses (as dockerd).
   */
  private static Map<String, Object> networks(Container c) {
    return networks(c, io.berth.engine.NetworkViews.settings(c, DockerNetworks::dockerName));
  }

  /** The same from the container's NetworkSettings as the engine shows them. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> networks(Container c, Map<String, Object> settings) {
    Map<String, Object> joined = (Map<String, Object>) settings.get("Networks");
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : joined.entrySet()) {
      Map<String, Object> endpoint = new LinkedHashMap<>((Map<String, Object>) e.getValue());
      endpoint.put("Aliases", aliases(c, e.getKey(), (List<String>) endpoint.get("Aliases")));
      out.put(e.getKey(), DockerNetworks.endpoint(endpoint));
    }
    if (out.isEmpty()) {
      String mode = DockerNetworks.dockerMode(c);
      List<io.berth.engine.ContainerSpec.Attach> nets = c.spec().networkOptions().networks();
      if (nets.isEmpty() || c.spec().network() != null) {
        out.put(mode, DockerNetworks.endpoint(Map.of()));
      } else {
        for (io.berth.engine.ContainerSpec.Attach a : nets) {
          String name = DockerNetworks.dockerName(a.name());
          Map<String, Object> endpoint = new LinkedHashMap<>();
          endpoint.put("Aliases", aliases(c, name, a.aliases()));
          out.put(name, DockerNetworks.endpoint(endpoint));
        }
      }
    }
    return out;
  }

  /**
   * An endpoint's aliases as dockerd lists them: on a user network the container's short ID is
   * one (its name server answers it), on the default network there are none.
   */
  private static List<String> aliases(Container c, String dockerNetwork, List<String> own) {
    if (dockerNetwork.equals("bridge")) {
      return null;
    }
    List<String> out = new ArrayList<>(own == null ? List.of() : own);
    if (!out.contains(c.shortId())) {
      out.add(c.shortId());
    }
    return out;
  }

  // ---- mounts ----

  /** The container's mounts as Docker's MountPoint list: anonymous and named volumes, binds, tmpfs mounts. */
  List<Map<String, Object>> mounts(Container c) {
    List<Map<String, Object>> out = new ArrayList<>();
    c.anonymousVolumes().forEach((target, name) -> out.add(mountPoint("volume", name, volumePath(name), target, "", true, "")));
    for (String b : c.spec().binds()) {
      String[] p = b.split(":");
      if (p.length < 2) {
        continue; // an anonymous volume, listed above
      }
      List<String> opts = p.length > 2 ? List.of(p[2].split(",")) : List.of();
      boolean rw = !opts.contains("ro");
      String mode = p.length > 2 ? p[2] : "";
      if (p[0].startsWith("/")) {
        String prop = opts.stream().filter(o -> o.endsWith("shared") || o.endsWith("slave") || o.endsWith("private"))
            .findFirst().orElse("rprivate");
        out.add(mountPoint("bind", null, p[0], p[1], mode, rw, prop));
      } else {
        out.add(mountPoint("volume", p[0], volumePath(p[0]), p[1], mode.isEmpty() ? "z" : mode, rw, ""));
      }
    }
    for (String m : c.spec().mounts()) {
      Map<String, String> kv = keyValues(m);
      String type = kv.getOrDefault("type", "volume");
      String source = kv.getOrDefault("source", kv.get("src"));
      String target = kv.getOrDefault("target", kv.getOrDefault("destination", kv.get("dst")));
      boolean rw = !("true".equals(kv.get("readonly")) || "1".equals(kv.get("readonly")) || kv.containsKey("ro"));
      switch (type) {
        case "bind" -> out.add(mountPoint("bind", null, source, target, "", rw, kv.getOrDefault("bind-propagation", "rprivate")));
        case "volume" -> out.add(mountPoint("volume", source, volumePath(source), target, "z", rw, ""));
        case "tmpfs" -> out.add(mountPoint("tmpfs", null, "", target, "", rw, ""));
        default -> { }
      }
    }
    return out;
  }

  static Map<String, String> keyValues(String mountSpec) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String part : mountSpec.split(",")) {
      int eq = part.indexOf('=');
      kv.put(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "true" : part.substring(eq + 1));
    }
    return kv;
  }

  private String volumePath(String name) {
    try {
      return engine.volumes().find(name).map(v -> v.mountpoint()).orElse("");
    } catch (RuntimeException e) {
      return "";
    }
  }

  private static Map<String, Object> mountPoint(String type, String name, String source, String dest, String mode,
      boolean rw, String propagation) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Type", type);
    if (name != null) {
      m.put("Name", name);
    }
    m.put("Source", source == null ? "" : source);
    m.put("Destination", dest);
    if (type.equals("volume")) {
      m.put("Driver", "local");
    }
    m.put("Mode", mode);
    m.put("RW", rw);
    m.put("Propagation", propagation);
    return m;
  }

  // ---- inspect ----

  Map<String, Object> inspect(Container c) {
    ContainerSpec s = c.spec();
    ContainerState st = c.state();
    ImageConfig.Config image = images.config(c.imageId());
    DockerExtras x = extras.get(c.id());
    List<String> command = command(s, image);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", c.id());
    m.put("Created", c.created());
    m.put("Path", command.isEmpty() ? "" : command.get(0));
    m.put("Args", command.size() > 1 ? command.subList(1, command.size()) : List.of());
    m.put("State", stateDocument(st));
    m.put("Image", c.imageId());
    Path dir = engine.containerDir(c.id());
    m.put("ResolvConfPath", dir.resolve("etc/resolv.conf").toString());
    m.put("HostnamePath", dir.resolve("etc/hostname").toString());
    m.put("HostsPath", dir.resolve("etc/hosts").toString());
    m.put("LogPath", engine.logPath(c.id()).toString());
    m.put("Name", "/" + c.name());
    m.put("RestartCount", st.restartCount());
    m.put("Driver", "overlay");
    m.put("Platform", "linux");
    m.put("MountLabel", "");
    m.put("ProcessLabel", "");
    m.put("AppArmorProfile", "");
    List<String> execs = execIds.apply(c.id());
    m.put("ExecIDs", execs.isEmpty() ? null : execs);
    m.put("HostConfig", hostConfig(c, x));
    m.put("GraphDriver", Map.of("Name", "overlay", "Data", Map.of("MergedDir", dir.resolve("rootfs").toString())));
    m.put("Mounts", mounts(c));
    m.put("Config", config(c, image, x));
    m.put("NetworkSettings", networkSettings(c, x, image));
    return m;
  }

  static Map<String, Object> stateDocument(ContainerState st) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Status", state(st));
    state.put("Running", st.isRunning());
    state.put("Paused", st.status().equals(ContainerState.PAUSED));
    state.put("Restarting", st.status().equals(ContainerState.RESTARTING));
    state.put("OOMKilled", st.oomKilled());
    state.put("Dead", st.status().equals(ContainerState.DEAD));
    state.put("Pid", st.isRunning() ? st.pid() : 0);
    state.put("ExitCode", st.exitCode());
    state.put("Error", st.error() == null ? "" : st.error());
    state.put("StartedAt", HumanTime.orZero(st.startedAt()));
    state.put("FinishedAt", HumanTime.orZero(st.finishedAt()));
    if (st.health() != null) {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("Status", st.health().status());
      h.put("FailingStreak", st.health().failingStreak());
      List<Map<String, Object>> log = new ArrayList<>();
      for (ContainerState.HealthResult r : st.health().log()) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("Start", r.start());
        one.put("End", r.end());
        one.put("ExitCode", r.exitCode());
        one.put("Output", r.output());
        log.add(one);
      }
      h.put("Log", log);
      state.put("Health", h);
    }
    return state;
  }

  private static Map<String, Object> hostConfig(Container c, DockerExtras x) {
    ContainerSpec s = c.spec();
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("Binds", s.binds().stream().filter(b -> b.contains(":")).toList());
    h.put("ContainerIDFile", "");
    Map<String, String> logOpts = new LinkedHashMap<>();
    if (s.logMaxSize() > 0) {
      logOpts.put("max-size", Long.toString(s.logMaxSize()));
    }
    if (s.logMaxFiles() > 0) {
      logOpts.put("max-file", Integer.toString(s.logMaxFiles()));
    }
    h.put("LogConfig", Map.of("Type", x.logType(), "Config", logOpts));
    h.put("NetworkMode", DockerNetworks.dockerMode(c));
    h.put("PortBindings", io.berth.engine.NetworkViews.portBindings(s));
    String[] policy = (s.restart() == null ? "no" : s.restart()).split(":");
    h.put("RestartPolicy", Map.of("Name", policy[0], "MaximumRetryCount", policy.length > 1 ? Integer.parseInt(policy[1]) : 0));
    h.put("AutoRemove", s.autoRemove());
    h.put("VolumeDriver", "");
    h.put("VolumesFrom", null);
    h.put("CapAdd", s.capAdd());
    h.put("CapDrop", s.capDrop());
    h.put("CgroupnsMode", "private");
    h.put("Dns", s.networkOptions().dns());
    h.put("DnsOptions", s.networkOptions().dnsOptions());
    h.put("DnsSearch", s.networkOptions().dnsSearch());
    h.put("ExtraHosts", s.networkOptions().addHosts().isEmpty() ? null : s.networkOptions().addHosts());
    h.put("GroupAdd", null);
    h.put("IpcMode", "private");
    h.put("Cgroup", "");
    h.put("Links", null);
    h.put("OomScoreAdj", 0);
    h.put("PidMode", "");
    h.put("Privileged", s.privileged());
    h.put("PublishAllPorts", s.networkOptions().publishAll());
    h.put("ReadonlyRootfs", s.readOnly());
    List<String> security = new ArrayList<>();
    if (s.seccomp() != null) {
      security.add("seccomp=" + s.seccomp());
    }
    if (s.noNewPrivileges() != null) {
      security.add("no-new-privileges=" + s.noNewPrivileges());
    }
    h.put("SecurityOpt", security.isEmpty() ? null : security);
    h.put("UTSMode", "");
    h.put("UsernsMode", "");
    h.put("ShmSize", 67108864);
    h.put("Runtime", "berth");
    h.put("Isolation", "");
    h.put("CpuShares", 0);
    h.put("Memory", s.memory());
    h.put("NanoCpus", Math.round(s.cpus() * 1e9));
    h.put("CgroupParent", "");
    h.put("Devices", s.devices().stream().map(d -> {
      String[] p = d.split(":");
      return Map.of("PathOnHost", p[0], "PathInContainer", p.length > 1 ? p[1] : p[0],
          "CgroupPermissions", p.length > 2 ? p[2] : "rwm");
    }).toList());
    h.put("PidsLimit", s.pidsLimit() > 0 ? s.pidsLimit() : null);
    h.put("Ulimits", s.ulimits().stream().map(u -> {
      int eq = u.indexOf('=');
      String[] v = u.substring(eq + 1).split(":");
      return Map.of("Name", u.substring(0, eq), "Soft", Long.parseLong(v[0]), "Hard", Long.parseLong(v.length > 1 ? v[1] : v[0]));
    }).toList());
    h.put("Init", s.init() ? Boolean.TRUE : null);
    Map<String, String> tmpfs = new LinkedHashMap<>();
    for (String t : s.tmpfs()) {
      int colon = t.indexOf(':');
      tmpfs.put(colon < 0 ? t : t.substring(0, colon), colon < 0 ? "" : t.substring(colon + 1));
    }
    if (!tmpfs.isEmpty()) {
      h.put("Tmpfs", tmpfs);
    }
    if (!s.sysctls().isEmpty()) {
      h.put("Sysctls", s.sysctls());
    }
    return h;
  }

  private String hostname(Container c) {
    ContainerSpec s = c.spec();
    if (s.hostname() != null && !s.hostname().isEmpty()) {
      return s.hostname();
    }
    if ("host".equals(s.network())) {
      try {
        return java.nio.file.Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      } catch (java.io.IOException e) {
        return c.shortId();
      }
    }
    return c.shortId();
  }

  private Map<String, Object> config(Container c, ImageConfig.Config image, DockerExtras x) {
    ContainerSpec s = c.spec();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Hostname", hostname(c));
    config.put("Domainname", x.domainname());
    config.put("User", s.user() != null ? s.user() : image != null && image.user() != null ? image.user() : "");
    config.put("AttachStdin", x.attachStdin());
    config.put("AttachStdout", x.attachStdout());
    config.put("AttachStderr", x.attachStderr());
    List<String> ports = exposedPorts(x, image);
    if (!ports.isEmpty()) {
      Map<String, Object> e = new LinkedHashMap<>();
      ports.forEach(p -> e.put(p, Map.of()));
      config.put("ExposedPorts", e);
    }
    config.put("Tty", s.tty());
    config.put("OpenStdin", s.openStdin());
    config.put("StdinOnce", x.stdinOnce());
    config.put("Env", env(s, image));
    List<String> cmd = cmd(s, image);
    config.put("Cmd", cmd.isEmpty() ? null : cmd);
    if (s.health() != null) {
      ContainerSpec.Health hc = s.health();
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("Test", hc.test());
      if (hc.interval() > 0) {
        h.put("Interval", hc.interval());
      }
      if (hc.timeout() > 0) {
        h.put("Timeout", hc.timeout());
      }
      if (hc.startPeriod() > 0) {
        h.put("StartPeriod", hc.startPeriod());
      }
      if (hc.retries() > 0) {
        h.put("Retries", hc.retries());
      }
      config.put("Healthcheck", h);
    } else if (image != null && image.healthcheck() != null) {
      config.put("Healthcheck", image.healthcheck());
    }
    config.put("Image", c.image());
    LinkedHashSet<String> volumes = new LinkedHashSet<>(image == null ? List.of() : orEmpty(image.volumes()));
    volumes.addAll(x.volumes());
    if (!volumes.isEmpty()) {
      Map<String, Object> v = new LinkedHashMap<>();
      volumes.forEach(p -> v.put(p, Map.of()));
      config.put("Volumes", v);
    } else {
      config.put("Volumes", null);
    }
    config.put("WorkingDir", s.workingDir() != null ? s.workingDir() : image != null && image.workingDir() != null ? image.workingDir() : "");
    List<String> ep = entrypoint(s, image);
    config.put("Entrypoint", ep.isEmpty() ? null : ep);
    config.put("OnBuild", null);
    config.put("Labels", labels(s, image));
    String stopSignal = s.stopSignal() != null ? s.stopSignal() : image == null ? null : image.stopSignal();
    if (stopSignal != null) {
      config.put("StopSignal", stopSignal);
    }
    if (s.stopTimeout() != null) {
      config.put("StopTimeout", s.stopTimeout());
    }
    return config;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> networkSettings(Container c, DockerExtras x, ImageConfig.Config image) {
    Map<String, Object> own = io.berth.engine.NetworkViews.settings(c, DockerNetworks::dockerName);
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("Bridge", "");
    n.put("SandboxID", "");
    n.put("SandboxKey", own.get("SandboxKey"));
    Map<String, Object> ports = new LinkedHashMap<>();
    for (String p : exposedPorts(x, image)) {
      ports.put(p.contains("/") ? p : p + "/tcp", null);
    }
    ports.putAll((Map<String, Object>) own.get("Ports"));
    n.put("Ports", ports);
    n.put("HairpinMode", false);
    n.put("LinkLocalIPv6Address", "");
    n.put("LinkLocalIPv6PrefixLen", 0);
    n.put("SecondaryIPAddresses", null);
    n.put("SecondaryIPv6Addresses", null);
    Map<String, Object> networks = networks(c, own);
    Map<String, Object> first = networks.isEmpty() ? Map.of() : (Map<String, Object>) networks.values().iterator().next();
    n.put("EndpointID", first.getOrDefault("EndpointID", ""));
    n.put("Gateway", own.get("Gateway"));
    n.put("GlobalIPv6Address", "");
    n.put("GlobalIPv6PrefixLen", 0);
    n.put("IPAddress", own.get("IPAddress"));
    n.put("IPPrefixLen", own.get("IPPrefixLen"));
    n.put("IPv6Gateway", "");
    n.put("MacAddress", own.get("MacAddress"));
    n.put("Networks", networks);
    return n;
  }

}
