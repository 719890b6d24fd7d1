package io.berth.cli;

import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.Event;
import io.berth.engine.HostMemory;
import io.berth.engine.InterfaceStats;
import io.berth.engine.Volumes;
import io.berth.image.meta.ImageRecord;
import io.berth.runtime.cgroup.CgroupStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** {@code events}, {@code healthcheck run}, {@code stats}, {@code port} and {@code system info|df|prune}. */
final class SystemCommands {
  private final Engine engine;
  private final PrintStream out;

  SystemCommands(Engine engine, PrintStream out) {
    this.engine = engine;
    this.out = out;
  }

  // ---- events ----

  int events(List<String> args) throws InterruptedException {
    Flags f = Flags.berth("events", args, Integer.MAX_VALUE);
    Instant since = null;
    Instant until = null;
    boolean stream = true;
    String format = null;
    List<String> filters = new ArrayList<>();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--since" -> since = ContainerCommands.time("--since", f.value(flag));
        case "--until" -> until = ContainerCommands.time("--until", f.value(flag));
        case "--stream" -> stream = f.bool(flag);
        case "--format" -> format = f.value(flag);
        case "-f", "--filter" -> filters.add(f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "[--since TIME] [--until TIME] [--filter KEY=VALUE] [--format TEMPLATE] [--stream=false]");
    String fmt = format;
    java.util.function.Consumer<Event> sink = e -> {
      if (!matches(e, filters)) {
        return;
      }
      if (fmt == null) {
        Instant t = Instant.ofEpochSecond(e.timeNano() / 1_000_000_000L, e.timeNano() % 1_000_000_000L);
        StringBuilder attrs = new StringBuilder();
        e.attributes().forEach((k, v) -> attrs.append(attrs.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        out.println(t + " " + e.type() + " " + e.action() + " " + e.id() + " (" + attrs + ")");
      } else if (fmt.equals("json") || fmt.equals("{{json .}}")) {
        out.println(io.berth.oci.SpecJson.toString(dockerShape(e)));
      } else {
        out.println(GoTemplate.render(fmt, dockerShape(e)));
      }
      out.flush();
    };
    boolean follow = stream;
    engine.events().follow(since, until, () -> !follow, sink);
    return 0;
  }

  private static Map<String, Object> dockerShape(Event e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Type", e.type());
    m.put("Action", e.action());
    m.put("Actor", Map.of("ID", e.id(), "Attributes", e.attributes()));
    m.put("ID", e.id());
    m.put("Name", e.name());
    m.put("Image", e.image());
    m.put("status", e.action());
    m.put("id", e.id());
    m.put("from", e.image());
    m.put("time", e.timeNano() / 1_000_000_000L);
    m.put("timeNano", e.timeNano());
    return m;
  }

  private static boolean matches(Event e, List<String> filters) {
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (String f : filters) {
      int eq = f.indexOf('=');
      if (eq <= 0) {
        throw new Flags.UsageException("--filter takes KEY=VALUE, got \"" + f + "\"");
      }
      byKey.computeIfAbsent(f.substring(0, eq), k -> new ArrayList<>()).add(f.substring(eq + 1));
    }
    for (Map.Entry<String, List<String>> k : byKey.entrySet()) {
      boolean any = false;
      for (String v : k.getValue()) {
        any |= switch (k.getKey()) {
          case "container" -> e.id().startsWith(v) || v.equals(e.name());
          case "event", "status" -> e.action().equals(v) || e.action().startsWith(v + ":");
          case "type" -> e.type().equals(v);
          case "image" -> v.equals(e.image());
          case "label" -> {
            int eq = v.indexOf('=');
            yield eq < 0 ? e.attributes().containsKey(v) : v.substring(eq + 1).equals(e.attributes().get(v.substring(0, eq)));
          }
          default -> throw new Flags.UsageException("--filter: unknown key " + k.getKey() + " (container, event, type, image, label)");
        };
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }

  // ---- healthcheck ----

  int healthcheck(List<String> args) {
    if (args.isEmpty() || !args.get(0).equals("run")) {
      throw new Flags.UsageException("usage: berth healthcheck run CONTAINER");
    }
    Flags f = Flags.berth("healthcheck run", args.subList(1, args.size()), Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    ContainerState.HealthState h = engine.runHealthCheck(f.positionals(1, 1, "CONTAINER").get(0));
    out.println(h.status());
    return h.status().equals(ContainerState.HealthState.UNHEALTHY) ? 1 : 0;
  }

  // ---- stats ----

  int stats(List<String> args) throws InterruptedException {
    Flags f = Flags.berth("stats", args, Integer.MAX_VALUE).combining("a");
    boolean all = false;
    String format = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--no-stream" -> f.bool(flag);
        case "-a", "--all" -> all = f.bool(flag);
        case "--format" -> format = f.value(flag);
        case "--no-trunc" -> f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<String> names = f.positionals(0, -1, "[--no-stream] [--format TEMPLATE] [CONTAINER...]");
    List<Container> list = new ArrayList<>();
    if (names.isEmpty()) {
      for (Container c : engine.list()) {
        if (all || c.state().isRunning()) {
          list.add(c);
        }
      }
    } else {
      for (String n : names) {
        list.add(engine.get(n));
      }
    }
    Map<String, CgroupStats> first = new LinkedHashMap<>();
    for (Container c : list) {
      first.put(c.id(), engine.stats(c.id()));
    }
    long t0 = System.nanoTime();
    Thread.sleep(500);
    double elapsed = (System.nanoTime() - t0);
    int cpus = java.lang.Runtime.getRuntime().availableProcessors();
    long hostMem = HostMemory.total();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Container c : list) {
      CgroupStats a = first.get(c.id());
      CgroupStats b = engine.stats(c.id());
      double cpu = a != null && b != null && a.cpuUsageNanos() != null && b.cpuUsageNanos() != null
          ? (b.cpuUsageNanos() - a.cpuUsageNanos()) / elapsed * 100.0 : 0.0;
      long mem = b == null || b.memoryUsageBytes() == null ? 0 : b.memoryUsageBytes();
      long limit = b == null || b.memoryLimitBytes() == null || b.memoryLimitBytes() < 0 ? hostMem
          : Math.min(b.memoryLimitBytes(), hostMem);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("ID", c.shortId());
      r.put("Container", c.shortId());
      r.put("Name", c.name());
      r.put("CPUPerc", String.format(Locale.ROOT, "%.2f%%", cpu));
      r.put("MemUsage", binary(mem) + " / " + binary(limit));
      r.put("MemPerc", String.format(Locale.ROOT, "%.2f%%", limit > 0 ? mem * 100.0 / limit : 0.0));
      long rx = 0;
      long tx = 0;
      for (InterfaceStats i : engine.networkStats(c.id())) {
        rx += i.rxBytes();
        tx += i.txBytes();
      }
      long read = 0;
      long written = 0;
      if (b != null && b.io() != null) {
        for (CgroupStats.DeviceIo d : b.io()) {
          read += d.readBytes();
          written += d.writeBytes();
        }
      }
      // As Docker prints them: decimal units.
      r.put("NetIO", decimal(rx) + " / " + decimal(tx));
      r.put("BlockIO", decimal(read) + " / " + decimal(written));
      r.put("PIDs", b == null || b.pidsCurrent() == null ? "0" : Long.toString(b.pidsCurrent()));
      r.put("CPUs", cpus);
      rows.add(r);
    }
    Map<String, String> headers = Map.of("ID", "CONTAINER ID", "Container", "CONTAINER", "Name", "NAME",
        "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O",
        "BlockIO", "BLOCK I/O", "PIDs", "PIDS");
    if (format != null && (format.equals("json") || format.equals("{{json .}}"))) {
      rows.forEach(r -> out.println(io.berth.oci.SpecJson.toString(r)));
      return 0;
    }
    String template = format != null ? format
        : "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
    out.print(GoTemplate.table(template, rows, headers, true));
    return 0;
  }

  /** Docker's BytesSize: binary units, three significant digits. */
  static String binary(long n) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int i = 0;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return new java.text.DecimalFormat("0.###", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT))
        .format(Math.round(v * 1000) / 1000.0) + units[i];
  }

  /** Docker's HumanSize: decimal units. */
  static String decimal(long n) {
    String[] units = {"B", "kB", "MB", "GB", "TB"};
    double v = n;
    int i = 0;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return new java.text.DecimalFormat("0.##", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v) + units[i];
  }

  // ---- port ----

  int port(List<String> args) {
    Flags f = Flags.berth("port", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    List<String> pos = f.positionals(1, 2, "CONTAINER [PRIVATE_PORT[/PROTO]]");
    Container c = engine.get(pos.get(0));
    String want = pos.size() > 1 ? (pos.get(1).contains("/") ? pos.get(1) : pos.get(1) + "/tcp") : null;
    List<ContainerState.PortBinding> ports = c.state().isRunning() ? c.state().netState().ports() : List.of();
    boolean found = false;
    for (ContainerState.PortBinding p : ports) {
      String key = p.containerPort() + "/" + p.protocol();
      String host = (p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp()) + ":" + p.hostPort();
      if (want == null) {
        out.println(key + " -> " + host);
        found = true;
      } else if (want.equals(key)) {
        out.println(host);
        found = true;
      }
    }
    if (want != null && !found) {
      throw new io.berth.engine.EngineException("no public port '" + want + "' published for " + c.name());
    }
    return 0;
  }

  // ---- system ----

  int system(List<String> args, ImageCommands images) throws Exception {
    if (args.isEmpty()) {
      throw new Flags.UsageException("usage: berth system info|df|prune ...");
    }
    List<String> rest = args.subList(1, args.size());
    return switch (args.get(0)) {
      case "info" -> info();
      case "df" -> df();
      case "prune" -> prune(rest, images);
      default -> throw new Flags.UsageException("unknown command \"system " + args.get(0) + "\"");
    };
  }

  int info() {
    List<Container> all = engine.list();
    long running = all.stream().filter(c -> c.state().status().equals(ContainerState.RUNNING)).count();
    long paused = all.stream().filter(c -> c.state().status().equals(ContainerState.PAUSED)).count();
    out.println("host:");
    out.println("  kernel: " + read("/proc/sys/kernel/osrelease"));
    out.println("  os: " + osName());
    out.println("  cpus: " + java.lang.Runtime.getRuntime().availableProcessors());
    out.println("  memTotal: " + HostMemory.total());
    out.println("  cgroups: " + cgroupMode());
    out.println("store:");
    out.println("  root: " + engine.config().root());
    out.println("  runRoot: " + engine.config().runRoot());
    out.println("  containers: {total: " + all.size() + ", running: " + running + ", paused: " + paused
        + ", stopped: " + (all.size() - running - paused) + "}");
    out.println("  images: " + engine.images().list().size());
    out.println("  volumes: " + engine.volumes().list().size());
    out.println("  graphDriver: overlay");
    out.println("runtime:");
    out.println("  oci: berth-runtime (in-process library)");
    out.println("  shim: berth-shim");
    out.println("  logDriver: k8s-file (CRI format)");
    return 0;
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String osName() {
    try {
      for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (l.startsWith("PRETTY_NAME=")) {
          return l.substring(12).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // unknown
    }
    return "unknown";
  }

  private static String cgroupMode() {
    if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      return "v2";
    }
    return Files.isDirectory(Path.of("/sys/fs/cgroup/unified")) ? "hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)" : "v1";
  }

  int df() {
    List<ImageRecord> images = engine.images().list();
    List<Container> containers = engine.list();
    java.util.Set<String> used = new java.util.HashSet<>();
    containers.forEach(c -> used.add(c.imageId()));
    long imageSize = images.stream().mapToLong(ImageRecord::size).sum();
    long unusedImages = images.stream().filter(i -> !used.contains(i.id())).mapToLong(ImageRecord::size).sum();
    long ctrSize = 0;
    long ctrReclaim = 0;
    for (Container c : containers) {
      long s = treeSize(engine.containerDir(c.id()).resolve("upper"));
      ctrSize += s;
      if (!c.state().isRunning()) {
        ctrReclaim += s;
      }
    }
    List<Volumes.Volume> vols = engine.volumes().list();
    long volSize = 0;
    long volReclaim = 0;
    int activeVols = 0;
    for (Volumes.Volume v : vols) {
      long s = treeSize(Path.of(v.mountpoint()));
      volSize += s;
      if (engine.usersOf(v.name()).isEmpty()) {
        volReclaim += s;
      } else {
        activeVols++;
      }
    }
    List<String> lines = new ArrayList<>();
    lines.add("TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE");
    lines.add("Images\t" + images.size() + "\t" + images.stream().filter(i -> used.contains(i.id())).count() + "\t"
        + decimal(imageSize) + "\t" + decimal(unusedImages) + percent(unusedImages, imageSize));
    lines.add("Containers\t" + containers.size() + "\t" + containers.stream().filter(c -> c.state().isRunning()).count()
        + "\t" + decimal(ctrSize) + "\t" + decimal(ctrReclaim) + percent(ctrReclaim, ctrSize));
    lines.add("Local Volumes\t" + vols.size() + "\t" + activeVols + "\t" + decimal(volSize) + "\t" + decimal(volReclaim)
        + percent(volReclaim, volSize));
    out.print(GoTemplate.align(lines));
    return 0;
  }

  private static String percent(long part, long whole) {
    return " (" + (whole == 0 ? 0 : Math.round(part * 100.0 / whole)) + "%)";
  }

  private static long treeSize(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  int prune(List<String> args, ImageCommands images) throws Exception {
    Flags f = Flags.berth("system prune", args, Integer.MAX_VALUE).combining("af");
    boolean force = false;
    boolean all = false;
    boolean volumes = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> force = f.bool(flag);
        case "-a", "--all" -> all = f.bool(flag);
        case "--volumes" -> volumes = f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    if (!force) {
      throw new Flags.UsageException("system prune removes all stopped containers"
          + ", unused networks" + (volumes ? ", unused volumes" : "") + " and " + (all ? "unused" : "dangling") + " images: confirm with -f");
    }
    out.println("Deleted Containers");
    for (Container c : engine.list()) {
      if (!c.state().isRunning()) {
        try {
          engine.remove(c.id(), false, true);
          out.println(c.id());
        } catch (EngineException e) {
          // it started meanwhile
        }
      }
    }
    out.println("Deleted Networks");
    engine.pruneNetworks().forEach(out::println);
    engine.gcNetworks(); // what a crashed engine or shim left attached
    if (volumes) {
      out.println("Deleted Volumes");
      engine.pruneVolumes().forEach(out::println);
    }
    out.println("Deleted Images");
    images.prune(all ? List.of("-a", "-f") : List.of("-f"));
    return 0;
  }
}
