package io.berth.docker;

import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import io.berth.engine.Event;
import io.berth.engine.HostMemory;
import io.berth.engine.Volumes;
import io.berth.image.meta.ImageRecord;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** {@code /_ping}, {@code /version}, {@code /info}, {@code /events}, {@code /system/df}. */
final class SystemRoutes {
  static final Set<String> EVENT_FILTERS = Set.of("config", "container", "daemon", "event", "image", "label",
      "network", "node", "plugin", "scope", "secret", "service", "type", "volume");

  private final DockerApi api;

  SystemRoutes(DockerApi api) {
    this.api = api;
  }

  void register(Router r) {
    r.get("/_ping", this::ping)
        .get("/version", req -> Response.json(200, version()))
        .get("/info", req -> Response.json(200, info()))
        .get("/events", this::events)
        .get("/system/df", req -> Response.json(200, df()));
  }

  private Response ping(Request r) {
    // Api-Version, which the clients negotiate on, is on every answer (DockerApi#withHeaders).
    // Builder-Version 1: no BuildKit session is served, so the CLI takes the classic /build.
    Response resp = Response.text(200, "OK")
        .header("Builder-Version", "1")
        .header("Swarm", "inactive")
        .header("Cache-Control", "no-cache, no-store, must-revalidate")
        .header("Pragma", "no-cache");
    return resp;
  }

  static String arch() {
    return switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> System.getProperty("os.arch");
    };
  }

  static String kernel() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private Map<String, Object> version() {
    String v = DockerApi.berthVersion();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("ApiVersion", ApiVersion.MAX.text());
    details.put("Arch", arch());
    details.put("BuildTime", "");
    details.put("Experimental", "false");
    details.put("GitCommit", "");
    details.put("GoVersion", "java" + Runtime.version().feature());
    details.put("KernelVersion", kernel());
    details.put("MinAPIVersion", ApiVersion.MIN.text());
    details.put("Os", "linux");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Platform", Map.of("Name", "Berth"));
    m.put("Components", List.of(Map.of("Name", "Engine", "Version", v, "Details", details)));
    m.put("Version", v);
    m.put("ApiVersion", ApiVersion.MAX.text());
    m.put("MinAPIVersion", ApiVersion.MIN.text());
    m.put("GitCommit", "");
    m.put("GoVersion", "java" + Runtime.version().feature());
    m.put("Os", "linux");
    m.put("Arch", arch());
    m.put("KernelVersion", kernel());
    m.put("BuildTime", "");
    return m;
  }

  private static Map<String, String> osRelease() {
    Map<String, String> m = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          m.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^\"|\"$", ""));
        }
      }
    } catch (IOException e) {
      // unknown distribution
    }
    return m;
  }

  /** A stable ID for this engine root, kept under it (Docker's is the daemon's key). */
  private String engineId() {
    Path f = api.engine.config().root().resolve("docker").resolve("engine-id");
    try {
      if (Files.exists(f)) {
        return Files.readString(f).trim();
      }
      Files.createDirectories(f.getParent());
      String id = java.util.UUID.randomUUID().toString();
      Files.writeString(f, id);
      return id;
    } catch (IOException e) {
      return "";
    }
  }

  private Map<String, Object> info() {
    List<Container> all = api.engine.list();
    Map<String, Object> i = new LinkedHashMap<>();
    i.put("ID", engineId());
    i.put("Containers", all.size());
    i.put("ContainersRunning", all.stream().filter(c -> c.state().status().equals(ContainerState.RUNNING)).count());
    i.put("ContainersPaused", all.stream().filter(c -> c.state().status().equals(ContainerState.PAUSED)).count());
    i.put("ContainersStopped", all.stream().filter(c -> !c.state().isRunning()).count());
    i.put("Images", api.engine.images().list().size());
    i.put("Driver", "overlay");
    i.put("DriverStatus", List.of(List.of("Backing Filesystem", "overlayfs snapshots"),
        List.of("Root Dir", api.engine.config().root().resolve("snapshots").toString())));
    i.put("Plugins", Map.of("Volume", List.of("local"), "Network", DockerNetworks.BUILT_IN, "Authorization", List.of(),
        "Log", List.of("json-file", "local")));
    i.put("MemoryLimit", true);
    i.put("SwapLimit", false);
    i.put("CpuCfsPeriod", true);
    i.put("CpuCfsQuota", true);
    i.put("CPUShares", true);
    i.put("CPUSet", true);
    i.put("PidsLimit", true);
    i.put("IPv4Forwarding", false);
    i.put("Debug", false);
    i.put("NFd", openFds());
    i.put("NGoroutines", Thread.activeCount());
    i.put("SystemTime", Instant.now().toString());
    i.put("LoggingDriver", "json-file");
    i.put("CgroupDriver", "cgroupfs");
    i.put("CgroupVersion", Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
    i.put("NEventsListener", 0);
    i.put("KernelVersion", kernel());
    Map<String, String> os = osRelease();
    i.put("OperatingSystem", os.getOrDefault("PRETTY_NAME", "Linux"));
    i.put("OSVersion", os.getOrDefault("VERSION_ID", ""));
    i.put("OSType", "linux");
    i.put("Architecture", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
    i.put("IndexServerAddress", "https://index.docker.io/v1/");
    i.put("RegistryConfig", Map.of("InsecureRegistryCIDRs", List.of("127.0.0.0/8"), "IndexConfigs", Map.of(),
        "Mirrors", List.of()));
    i.put("NCPU", Runtime.getRuntime().availableProcessors());
    i.put("MemTotal", HostMemory.total());
    i.put("DockerRootDir", api.engine.config().root().toAbsolutePath().toString());
    i.put("Name", hostname());
    i.put("Labels", List.of());
    i.put("ExperimentalBuild", false);
    i.put("ServerVersion", DockerApi.berthVersion());
    i.put("Runtimes", Map.of("berth", Map.of("path", "berth-runtime")));
    i.put("DefaultRuntime", "berth");
    i.put("Swarm", Map.of("NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "ControlAvailable", false,
        "Error", "", "RemoteManagers", List.of()));
    i.put("LiveRestoreEnabled", true); // containers outlive the daemon, each under its own shim
    i.put("Isolation", "");
    i.put("InitBinary", "tini");
    i.put("ContainerdCommit", Map.of("ID", ""));
    i.put("RuncCommit", Map.of("ID", ""));
    i.put("InitCommit", Map.of("ID", ""));
    i.put("SecurityOptions", List.of("name=seccomp,profile=builtin", "name=no-new-privileges"));
    i.put("Warnings", List.of());
    return i;
  }

  private static long openFds() {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String hostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  // ---- events ----

  /** Docker's event message: the old fields (status, id, from) and the new (Type, Action, Actor). */
  static Map<String, Object> message(Event e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", e.action());
    m.put("id", e.id());
    m.put("from", e.image());
    m.put("Type", e.type());
    m.put("Action", e.action());
    m.put("Actor", Map.of("ID", e.id(), "Attributes", e.attributes()));
    m.put("scope", "local");
    m.put("time", e.timeNano() / 1_000_000_000L);
    m.put("timeNano", e.timeNano());
    return m;
  }

  static boolean matches(Event e, Filters f) {
    return f.any("type", v -> v.equals(e.type()))
        && f.any("container", v -> e.id().startsWith(v) || v.equals(e.name()))
        && f.any("event", v -> e.action().equals(v) || e.action().startsWith(v + ":"))
        && f.any("image", v -> v.equals(e.image()) || ImageNames.withTag(v).equals(ImageNames.withTag(e.image())))
        && f.labelsMatch("label", e.attributes())
        && f.any("scope", v -> v.equals("local"))
        && f.any("network", v -> e.type().equals("network") && (e.id().startsWith(v) || v.equals(e.name())))
        && !(f.has("volume") || f.has("daemon") || f.has("plugin") || f.has("node")
            || f.has("service") || f.has("secret") || f.has("config"));
  }

  /** Events from {@code since} (default: now) as JSON lines, until {@code until} or the client leaves. */
  private Response events(Request r) {
    Filters f = Filters.parse(r.query("filters"), EVENT_FILTERS);
    String s = r.query("since");
    String u = r.query("until");
    Instant since = s == null || s.isEmpty() ? Instant.now() : Times.parse("since", s);
    Instant until = u == null || u.isEmpty() ? null : Times.parse("until", u);
    return Response.stream(200, "application/json", out -> {
      try {
        api.engine.events().follow(since, until, r::clientGone, e -> {
          if (matches(e, f)) {
            try {
              out.write(Json.line(message(e)));
            } catch (IOException x) {
              throw new UncheckedIOException(x);
            }
          }
        });
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
    });
  }

  // ---- df ----

  static long treeSize(Path dir) {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    long[] total = {0};
    try (Stream<Path> s = Files.walk(dir)) {
      s.forEach(p -> {
        try {
          if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            total[0] += Files.size(p);
          }
        } catch (IOException e) {
          // removed meanwhile
        }
      });
    } catch (IOException | UncheckedIOException e) {
      return total[0];
    }
    return total[0];
  }

  private Map<String, Object> df() {
    List<Container> containers = api.engine.list();
    List<Map<String, Object>> images = new ArrayList<>();
    long layers = 0;
    for (ImageRecord i : api.engine.images().list()) {
      long users = containers.stream().filter(c -> c.imageId().equals(i.id())).count();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Id", i.id());
      m.put("ParentId", "");
      m.put("RepoTags", ImageRoutes.repoTags(i));
      m.put("RepoDigests", ImageRoutes.repoDigests(i));
      m.put("Created", i.created() == null ? 0 : i.created().getEpochSecond());
      m.put("Size", i.size());
      m.put("SharedSize", 0);
      m.put("Labels", null);
      m.put("Containers", users);
      images.add(m);
      layers += i.size();
    }
    List<Map<String, Object>> cs = new ArrayList<>();
    for (Container c : containers) {
      Map<String, Object> m = new LinkedHashMap<>(api.views.summary(c));
      m.put("SizeRw", 0);
      m.put("SizeRootFs", 0);
      cs.add(m);
    }
    List<Map<String, Object>> vs = new ArrayList<>();
    for (Volumes.Volume v : api.engine.volumes().list()) {
      Map<String, Object> m = VolumeRoutes.volume(v, -1);
      m.put("UsageData", Map.of("Size", treeSize(Path.of(v.mountpoint())), "RefCount", api.engine.usersOf(v.name()).size()));
      vs.add(m);
    }
    Map<String, Object> df = new LinkedHashMap<>();
    df.put("LayersSize", layers);
    df.put("Images", images);
    df.put("Containers", cs);
    df.put("Volumes", vs);
    df.put("BuildCache", List.of());
    return df;
  }
}
