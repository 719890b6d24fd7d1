package io.berth.engine;

import io.berth.json.Json;
import io.berth.json.JsonTrees;
import io.berth.network.Attachment;
import io.berth.network.CniException;
import io.berth.network.CniRuntime;
import io.berth.network.NetworkConfigList;
import io.berth.network.PluginPath;
import io.berth.network.RealPluginExec;
import io.berth.network.Result;
import io.berth.network.RuntimeConf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Berth's networks. Each is a CNI network configuration list in {@code <root>/networks/NAME.conflist},
 * the one source of truth: Berth writes bridge networks there (bridge with host-local, then
 * portmap), with its own metadata under the list's {@code berth} key (which no plugin sees), and
 * a conflist of any other plugins dropped there works the same way. The default network {@code
 * berth} is made on first use.
 *
 * <p>What is per network rather than per container is done here once, not by a plugin on every
 * attach: the masquerade rule for the way out and the forwarding rules (iptables), set when the
 * network is made and again when its bridge is missing (after a reboot). A container's attach is
 * then only bridge (veth, address) and portmap, which keeps a networked run cheap.
 */
public final class Networks {
  public static final String DEFAULT = "berth";
  static final String DEFAULT_SUBNET = "10.77.0.0/16";
  /** Where user networks' subnets are taken from: 10.78.0.0/24, 10.78.1.0/24, … 10.79.255.0/24. */
  private static final int POOL_START = ipv4("10.78.0.0");
  private static final int POOL_SIZE = 512;
  /** The search domain of user networks' names (as podman's dns.podman). */
  public static final String DOMAIN = "dns.berth";

  /**
   * A network as Berth shows it.
   *
   * @param driver {@code bridge} for Berth's own, {@code cni} for a conflist dropped in
   * @param subnet, gateway, bridge null for a conflist Berth did not write
   * @param dns whether containers resolve each other's names on it (user bridge networks)
   */
  public record Network(String name, String id, String driver, String subnet, String gateway, String bridge,
      boolean internal, boolean dns, Map<String, String> labels, String created, NetworkConfigList conf) {}

  /** {@code network create}'s options; null subnet and gateway for the next free ones. */
  public record CreateOptions(String name, String subnet, String gateway, boolean internal, Map<String, String> labels) {}

  private final Path dir;
  private final Path ipamDir;
  private final CniRuntime cni;
  private final ContainerLocks lock;
  private final Consumer<String> warn;

  Networks(Path root, Consumer<String> warn) {
    this.dir = root.resolve("networks");
    this.ipamDir = root.resolve("cni").resolve("ipam");
    String cniPath = System.getenv("CNI_PATH");
    this.cni = new CniRuntime(new RealPluginExec(),
        cniPath == null || cniPath.isBlank() ? PluginPath.defaults() : PluginPath.parse(cniPath),
        root.resolve("cni").resolve("results"));
    this.lock = new ContainerLocks(dir);
    this.warn = warn;
  }

  /** Runs {@code work} holding the networks' lock (threads and processes). */
  <T> T locked(Supplier<T> work) {
    try (ContainerLocks.Held held = lock.hold("networks")) {
      return work.get();
    }
  }

  // ---- reading ----

  public List<Network> list() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Network> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".conflist") && !n.startsWith(".")) {
          try {
            out.add(read(f));
          } catch (RuntimeException e) {
            warn.accept("ignoring network file " + f + ": " + e.getMessage());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing(Network::name));
    return out;
  }

  /** By name, full ID, or a unique ID prefix. */
  public Optional<Network> find(String nameOrId) {
    Path f = dir.resolve(nameOrId + ".conflist");
    if (nameOrId.matches("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*") && Files.isRegularFile(f)) {
      return Optional.of(read(f));
    }
    List<Network> byId = list().stream().filter(n -> n.id().startsWith(nameOrId)).toList();
    return byId.size() == 1 ? Optional.of(byId.get(0)) : Optional.empty();
  }

  public Network get(String nameOrId) {
    return find(nameOrId).orElseThrow(() -> new EngineException.NotFound("network " + nameOrId + " not found"));
  }

  /** The network to attach to: the default one is made on first use; others must exist. */
  public Network forAttach(String name) {
    if (name.equals(DEFAULT)) {
      Optional<Network> n = find(DEFAULT);
      if (n.isPresent()) {
        return n.get();
      }
      return locked(() -> find(DEFAULT).orElseGet(() -> createLocked(new CreateOptions(DEFAULT, DEFAULT_SUBNET, null, false, Map.of()))));
    }
    return get(name);
  }

  private Network read(Path f) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(f);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> root = NetworkConfigList.tree(raw, f.toString());
    NetworkConfigList conf = NetworkConfigList.of(root, f.toString());
    // Berth's own keys, under "berth", which no plugin sees.
    Map<String, Object> meta = JsonTrees.asObject(root.get("berth"));
    Map<String, Object> m = meta == null ? Map.of() : meta;
    Map<String, String> labels = new TreeMap<>();
    Map<String, Object> rawLabels = JsonTrees.asObject(m.get("labels"));
    if (rawLabels != null) {
      rawLabels.forEach((k, v) -> labels.put(k, String.valueOf(v)));
    }
    String id = text(m, "id");
    if (id == null || id.isEmpty()) {
      id = sha256(conf.name());
    }
    return new Network(conf.name(), id, meta == null ? "cni" : "bridge", text(m, "subnet"),
        text(m, "gateway"), text(m, "bridge"), Boolean.TRUE.equals(m.get("internal")),
        Boolean.TRUE.equals(m.get("dns")), labels, text(m, "created"), conf);
  }

  private static String text(Map<String, Object> n, String key) {
    Object v = n.get(key);
    return v == null ? null : String.valueOf(v);
  }

  // ---- create and remove ----

  /** Makes a bridge network with its own bridge, subnet and (unless default) name resolution. */
  public Network create(CreateOptions opts) {
    if (opts.name() == null || !opts.name().matches("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*") || opts.name().length() > 64) {
      throw new EngineException("invalid network name \"" + opts.name() + "\": use letters, digits, '_', '.', '-' (at most 64)");
    }
    if (List.of("none", "host", "bridge", "default").contains(opts.name()) || opts.name().startsWith("container:")) {
      throw new EngineException("network name " + opts.name() + " is reserved");
    }
    return locked(() -> {
      if (find(opts.name()).isPresent() || Files.exists(dir.resolve(opts.name() + ".conflist"))) {
        throw new EngineException.Conflict("network with name " + opts.name() + " already exists");
      }
      return createLocked(opts);
    });
  }

  private Network createLocked(CreateOptions opts) {
    List<Network> existing = list();
    List<Subnet> routes = hostRoutes();
    Subnet subnet;
    if (opts.subnet() != null && !opts.subnet().isEmpty()) {
      subnet = Subnet.parse(opts.subnet());
      for (Network n : existing) {
        if (n.subnet() != null && Subnet.parse(n.subnet()).overlaps(subnet)) {
          throw new EngineException.Conflict("subnet " + subnet + " overlaps network " + n.name() + "'s " + n.subnet());
        }
      }
      String bridgeName = opts.name().equals(DEFAULT) ? "berth0" : null;
      for (Subnet r : routes) {
        if (r.overlaps(subnet) && !r.iface().equals(bridgeName)) {
          throw new EngineException.Conflict("subnet " + subnet + " overlaps the host's route to " + r + " on " + r.iface());
        }
      }
    } else {
      subnet = null;
      for (int i = 0; i < POOL_SIZE && subnet == null; i++) {
        Subnet candidate = new Subnet(POOL_START + (i << 8), 24, "");
        boolean free = existing.stream().noneMatch(n -> n.subnet() != null && Subnet.parse(n.subnet()).overlaps(candidate))
            && routes.stream().noneMatch(r -> r.overlaps(candidate));
        if (free) {
          subnet = candidate;
        }
      }
      if (subnet == null) {
        throw new EngineException("no free subnet left in 10.78.0.0/15: remove unused networks or give --subnet");
      }
    }
    if (subnet.prefix() > 30) {
      throw new EngineException("subnet " + subnet + " is too small for a network (at most /30)");
    }
    String gateway = opts.gateway() == null || opts.gateway().isEmpty() ? Subnet.format(subnet.base() + 1) : opts.gateway();
    int gw;
    try {
      gw = ipv4(gateway);
    } catch (IllegalArgumentException e) {
      throw new EngineException("invalid gateway \"" + gateway + "\": " + e.getMessage());
    }
    if (!subnet.contains(gw) || gw == subnet.base() || gw == subnet.broadcast()) {
      throw new EngineException("gateway " + gateway + " is not a host address of subnet " + subnet);
    }
    String bridge = opts.name().equals(DEFAULT) ? "berth0" : freeBridgeName(existing);
    String id = sha256(opts.name() + "/" + Instant.now() + "/" + System.nanoTime());
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("cniVersion", "1.0.0");
    root.put("name", opts.name());
    root.put("berth", JsonTrees.object("id", id, "subnet", subnet.toString(), "gateway", gateway,
        "bridge", bridge, "internal", opts.internal(), "dns", !opts.name().equals(DEFAULT),
        "created", Instant.now().toString(), "labels", new TreeMap<>(opts.labels())));
    Map<String, Object> ipam = JsonTrees.object("type", "host-local", "dataDir", ipamDir.toString(),
        "ranges", List.of(List.of(JsonTrees.object("subnet", subnet.toString(), "gateway", gateway))));
    if (!opts.internal()) {
      ipam.put("routes", List.of(JsonTrees.object("dst", "0.0.0.0/0")));
    }
    root.put("plugins", List.of(
        JsonTrees.object("type", "bridge", "bridge", bridge, "isGateway", true, "ipMasq", false,
            "hairpinMode", true, "capabilities", JsonTrees.object("ips", true, "mac", true), "ipam", ipam),
        JsonTrees.object("type", "portmap", "snat", true,
            "capabilities", JsonTrees.object("portMappings", true))));
    byte[] bytes = Json.write(root);
    NetworkConfigList.parse(bytes, "network " + opts.name()); // what is written must load
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve("." + opts.name() + ".tmp");
      Files.write(tmp, bytes);
      Files.move(tmp, dir.resolve(opts.name() + ".conflist"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new EngineException("cannot write network " + opts.name() + ": " + e.getMessage(), e);
    }
    Network n = read(dir.resolve(opts.name() + ".conflist"));
    HostRules.apply(n);
    return n;
  }

  private static String freeBridgeName(List<Network> existing) {
    for (int i = 1; ; i++) {
      String name = "berth" + i;
      boolean used = existing.stream().anyMatch(n -> name.equals(n.bridge()))
          || Files.exists(Path.of("/sys/class/net", name));
      if (!used) {
        return name;
      }
    }
  }

  /**
   * Removes a network the caller found unused: GC of whatever attachment its cache still holds
   * (a crash's leftovers), its host rules, its bridge, its address leases and its file.
   */
  void remove(Network n) {
    try {
      cni.gcNetworkList(n.conf(), Set.of());
    } catch (CniException e) {
      warn.accept("network " + n.name() + ": " + e.getMessage());
    }
    if (n.bridge() != null) {
      HostRules.remove(n);
      if (Files.exists(Path.of("/sys/class/net", n.bridge()))) {
        HostRules.run(warn, "ip", "link", "delete", n.bridge());
      }
    }
    try {
      Volumes.deleteTree(ipamDir.resolve(n.name()));
      Files.deleteIfExists(dir.resolve(n.name() + ".conflist"));
    } catch (IOException e) {
      throw new EngineException("cannot remove network " + n.name() + ": " + e.getMessage(), e);
    }
  }

  // ---- attachments ----

  /**
   * CNI ADD of one container interface. A Berth network whose bridge is missing (first use, or
   * after a reboot) gets its host rules first.
   */
  Result attach(Network n, RuntimeConf rt) {
    if (n.bridge() != null && !Files.exists(Path.of("/sys/class/net", n.bridge()))) {
      locked(() -> {
        HostRules.apply(n);
        return null;
      });
    }
    try {
      return cni.addNetworkList(n.conf(), rt);
    } catch (CniException e) {
      throw new EngineException("cannot attach to network " + n.name() + ": " + e.getMessage(), e);
    }
  }

  /** CNI DEL; idempotent. */
  void detach(Network n, RuntimeConf rt) {
    try {
      cni.delNetworkList(n.conf(), rt);
    } catch (CniException e) {
      throw new EngineException("cannot detach from network " + n.name() + ": " + e.getMessage(), e);
    }
  }

  /** DEL of every cached attachment of {@code n} that is not in {@code valid}. */
  void gc(Network n, Set<Attachment> valid) {
    try {
      cni.gcNetworkList(n.conf(), valid);
    } catch (CniException e) {
      warn.accept("network " + n.name() + " GC: " + e.getMessage());
    }
  }

  // ---- addresses ----

  /** An IPv4 subnet (and, for a route, its interface). */
  record Subnet(int base, int prefix, String iface) {
    static Subnet parse(String cidr) {
      int slash = cidr.indexOf('/');
      if (slash < 0) {
        throw new EngineException("invalid subnet \"" + cidr + "\": expected ADDRESS/PREFIX, e.g. 10.10.0.0/24");
      }
      int prefix;
      int addr;
      try {
        prefix = Integer.parseInt(cidr.substring(slash + 1));
        addr = ipv4(cidr.substring(0, slash));
      } catch (IllegalArgumentException e) {
        throw new EngineException("invalid subnet \"" + cidr + "\": " + e.getMessage());
      }
      if (prefix < 8 || prefix > 32) {
        throw new EngineException("invalid subnet \"" + cidr + "\": the prefix must be between 8 and 32");
      }
      int mask = mask(prefix);
      if ((addr & ~mask) != 0) {
        throw new EngineException("invalid subnet \"" + cidr + "\": host bits are set (did you mean "
            + format(addr & mask) + "/" + prefix + "?)");
      }
      return new Subnet(addr, prefix, "");
    }

    static int mask(int prefix) {
      return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    boolean contains(int ip) {
      return (ip & mask(prefix)) == base;
    }

    int broadcast() {
      return base | ~mask(prefix);
    }

    boolean overlaps(Subnet o) {
      int p = Math.min(prefix, o.prefix);
      return (base & mask(p)) == (o.base & mask(p));
    }

    static String format(int ip) {
      return (ip >>> 24) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255);
    }

    @Override
    public String toString() {
      return format(base) + "/" + prefix;
    }
  }

  static int ipv4(String s) {
    String[] p = s.trim().split("\\.", -1);
    if (p.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + s);
    }
    int v = 0;
    for (String part : p) {
      int b;
      try {
        b = Integer.parseInt(part);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an IPv4 address: " + s);
      }
      if (b < 0 || b > 255 || part.isEmpty() || part.length() > 3) {
        throw new IllegalArgumentException("not an IPv4 address: " + s);
      }
      v = (v << 8) | b;
    }
    return v;
  }

  /** The host's IPv4 routes other than default routes, from /proc/net/route. */
  static List<Subnet> hostRoutes() {
    List<Subnet> out = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/net/route"), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return out;
    }
    for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
      String[] f = l.trim().split("\\s+");
      if (f.length < 8) {
        continue;
      }
      int dst = Integer.reverseBytes((int) Long.parseLong(f[1], 16));
      int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
      int prefix = Integer.bitCount(mask);
      if (prefix == 0) {
        continue;
      }
      out.add(new Subnet(dst & mask, prefix, f[0]));
    }
    return out;
  }

  /** A stable ID for one container interface on one network (Docker's EndpointID). */
  public static String endpointId(String containerId, String network, String ifName) {
    return sha256(containerId + "/" + network + "/" + ifName);
  }

  static String sha256(String s) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
