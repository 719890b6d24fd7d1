package io.berth.engine;

import static io.berth.json.JsonTrees.object;
import static io.berth.json.JsonTrees.putArray;
import static io.berth.json.JsonTrees.putObject;
import static io.berth.json.JsonTrees.tree;
import static io.berth.json.JsonTrees.with;
import static io.berth.json.JsonTrees.withArray;

import io.berth.image.spec.ImageConfig;
import io.berth.json.Json;
import io.berth.oci.DefaultSpec;
import io.berth.oci.LinuxNames;
import io.berth.oci.Seccomp;
import io.berth.oci.Spec;
import io.berth.oci.SpecJson;
import io.berth.runtime.seccomp.DefaultSeccompProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OCI configuration of a container: Docker's defaults (its capability set, seccomp profile,
 * masked and read-only /proc paths, a 64 MB /dev/shm, prepared /etc/hosts, /etc/hostname and
 * /etc/resolv.conf), the image's execution defaults (Entrypoint, Cmd, Env, User, WorkingDir), and
 * the user's run options on top, in Docker's order of precedence.
 */
final class SpecBuilder {
  /** Docker's default capability set. */
  static final List<String> DEFAULT_CAPS = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Where {@code --init} puts the init process (tini) in the container. */
  static final String INIT_PATH = "/dev/init";


  /** What the engine prepared for the container on the host. */
  record Inputs(
      Container container,
      ImageConfig.Config image,
      Path rootfs,
      Path etcDir,
      String hostname,
      List<Spec.Mount> userMounts,
      Path initBinary,
      Path joinNetns) {}

  private SpecBuilder() {}

  /** The command a container runs: Docker's rules for Entrypoint and Cmd. */
  static List<String> command(ContainerSpec spec, ImageConfig.Config image) {
    List<String> entrypoint = spec.entrypoint() != null ? spec.entrypoint()
        : image == null ? List.of() : orEmpty(image.entrypoint());
    List<String> cmd;
    if (spec.cmd() != null && !spec.cmd().isEmpty()) {
      cmd = spec.cmd();
    } else if (spec.entrypoint() != null) {
      cmd = List.of(); // a new entrypoint drops the image's Cmd, as in Docker
    } else {
      cmd = image == null ? List.of() : orEmpty(image.cmd());
    }
    List<String> args = new ArrayList<>(entrypoint);
    args.addAll(cmd);
    if (args.isEmpty()) {
      throw new EngineException("no command specified: the image has no Entrypoint or Cmd; give one after the image name");
    }
    return args;
  }

  private static List<String> orEmpty(List<String> l) {
    return l == null ? List.of() : l;
  }

  /** A container's configuration: the bytes of its config.json and what they parse to. */
  record Built(Spec spec, byte[] json) {}

  static Built build(Inputs in) {
    ContainerSpec spec = in.container().spec();
    ImageConfig.Config image = in.image();
    Map<String, Object> root = tree(DefaultSpec.create(false, 0, 0));
    root.put("hostname", in.hostname());
    Map<String, Object> rootNode = putObject(root, "root");
    rootNode.put("path", in.rootfs().toString());
    rootNode.put("readonly", spec.readOnly());
    Map<String, Object> annotations = putObject(root, "annotations");
    annotations.put("io.berth.container.name", in.container().name());
    annotations.put("io.berth.image", in.container().image());

    process(with(root, "process"), in, spec, image);
    mounts(root, in, spec);
    linux(with(root, "linux"), in.container().id(), spec, in.joinNetns());
    byte[] json = Json.write(root);
    return new Built(SpecJson.parse(json, Spec.class, "the configuration of container " + in.container().name()), json);
  }

  private static void process(Map<String, Object> p, Inputs in, ContainerSpec spec, ImageConfig.Config image) {
    List<String> args = new ArrayList<>(command(spec, image));
    if (spec.init()) {
      args.addAll(0, List.of(INIT_PATH, "--"));
    }
    p.put("terminal", spec.tty());
    p.put("args", args);
    Map<String, String> env = new LinkedHashMap<>();
    addEnv(env, List.of(DEFAULT_PATH));
    if (image != null) {
      addEnv(env, orEmpty(image.env()));
    }
    addEnv(env, List.of("HOSTNAME=" + in.hostname()));
    if (spec.tty()) {
      addEnv(env, List.of("TERM=xterm"));
    }
    addEnv(env, spec.env());
    List<String> envList = new ArrayList<>();
    env.forEach((k, v) -> envList.add(v == null ? k : k + "=" + v));
    p.put("env", envList);
    String cwd = spec.workingDir() != null && !spec.workingDir().isEmpty() ? spec.workingDir()
        : image != null && image.workingDir() != null && !image.workingDir().isEmpty() ? image.workingDir() : "/";
    if (!cwd.startsWith("/")) {
      throw new EngineException("the working directory \"" + cwd + "\" is not an absolute path");
    }
    p.put("cwd", cwd);
    String user = spec.user() != null ? spec.user() : image == null ? null : image.user();
    UserLookup.Ids ids = UserLookup.resolve(in.rootfs(), user);
    Map<String, Object> u = putObject(p, "user");
    u.put("uid", ids.uid());
    u.put("gid", ids.gid());
    if (!ids.additionalGids().isEmpty()) {
      u.put("additionalGids", ids.additionalGids());
    }
    if (!env.containsKey("HOME")) {
      envList.add("HOME=" + ids.home());
      p.put("env", envList);
    }
    List<String> caps = capabilities(spec);
    Map<String, Object> c = putObject(p, "capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      c.put(set, caps);
    }
    // off unless asked for, as docker: set-user-ID programs in images (su, ping) keep working
    p.put("noNewPrivileges", noNewPrivileges(spec));
    p.remove("rlimits");
    List<Map<String, Object>> rlimits = new ArrayList<>();
    for (String ul : spec.ulimits()) {
      rlimits.add(rlimit(ul));
    }
    if (!rlimits.isEmpty()) {
      p.put("rlimits", rlimits);
    }
  }

  private static void addEnv(Map<String, String> env, List<String> entries) {
    for (String e : entries) {
      int eq = e.indexOf('=');
      if (eq == 0) {
        throw new EngineException("invalid environment variable \"" + e + "\": the name is empty");
      }
      if (eq < 0) {
        String host = System.getenv(e); // "-e NAME" passes the caller's value, as Docker does
        if (host != null) {
          env.put(e, host);
        }
      } else {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
  }

  /**
   * Docker's rule: ALL in --cap-drop empties the set before --cap-add fills it (so {@code
   * --cap-drop ALL --cap-add NET_ADMIN} keeps NET_ADMIN), ALL in --cap-add takes every
   * capability before the drops; otherwise the default set plus the adds minus the drops.
   */
  /**
   * On unless asked otherwise or privileged: Berth sets no_new_privs by default (Docker does not),
   * so a set-user-ID program in an image cannot gain what the container was not given.
   */
  static boolean noNewPrivileges(ContainerSpec spec) {
    return spec.noNewPrivileges() != null ? spec.noNewPrivileges() : !spec.privileged();
  }

  static List<String> capabilities(ContainerSpec spec) {
    List<String> all = ALL_CAPABILITIES;
    if (spec.privileged()) {
      return all;
    }
    List<String> adds = spec.capAdd().stream().map(SpecBuilder::capName).toList();
    List<String> drops = spec.capDrop().stream().map(SpecBuilder::capName).toList();
    for (String n : adds) {
      if (!n.equals("CAP_ALL")) {
        checkCap(n, all);
      }
    }
    for (String n : drops) {
      if (!n.equals("CAP_ALL")) {
        checkCap(n, all);
      }
    }
    List<String> caps = adds.contains("CAP_ALL") ? new ArrayList<>(all)
        : drops.contains("CAP_ALL") ? new ArrayList<>() : new ArrayList<>(DEFAULT_CAPS);
    if (!adds.contains("CAP_ALL")) {
      for (String n : adds) {
        if (!caps.contains(n)) {
          caps.add(n);
        }
      }
    }
    if (!drops.contains("CAP_ALL")) {
      caps.removeAll(drops);
    }
    return caps;
  }

  private static void checkCap(String n, List<String> all) {
    if (!LinuxNames.CAPABILITIES.contains(n)) {
      throw new EngineException("unknown capability \"" + n + "\"");
    }
  }

  private static String capName(String s) {
    String u = s.toUpperCase(Locale.ROOT);
    return u.startsWith("CAP_") ? u : "CAP_" + u;
  }

  /** Every capability this kernel has and this process may hand out: constants, computed once. */
  private static final List<String> ALL_CAPABILITIES = allCapabilities();

  private static List<String> allCapabilities() {
    int last = Math.min(LinuxNames.CAPABILITIES.size() - 1, io.berth.sys.ProcFiles.capLastCap());
    long bounding = boundingSet();
    List<String> out = new ArrayList<>();
    for (int i = 0; i <= last; i++) {
      if ((bounding & (1L << i)) != 0) {
        out.add(LinuxNames.CAPABILITIES.get(i));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Our own bounding set: "all" can only mean what we hold, as podman's --privileged does (root
   * here lacks CAP_SYS_RESOURCE, and asking for it fails the container's capset).
   */
  private static long boundingSet() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          return Long.parseUnsignedLong(line.substring(7).strip(), 16);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // assume every capability
    }
    return -1L;
  }

  static Map<String, Object> rlimit(String ul) {
    int eq = ul.indexOf('=');
    if (eq <= 0) {
      throw new EngineException("invalid --ulimit \"" + ul + "\": expected NAME=SOFT[:HARD]");
    }
    String name = "RLIMIT_" + ul.substring(0, eq).toUpperCase(Locale.ROOT);
    if (!LinuxNames.RLIMITS.containsKey(name)) {
      throw new EngineException("invalid --ulimit \"" + ul + "\": unknown limit " + ul.substring(0, eq));
    }
    String[] v = ul.substring(eq + 1).split(":");
    try {
      long soft = limit(v[0]);
      long hard = v.length > 1 ? limit(v[1]) : soft;
      if (v.length > 2 || (hard >= 0 && soft > hard) || (hard >= 0 && soft < 0)) {
        throw new EngineException("invalid --ulimit \"" + ul + "\": the soft limit must not exceed the hard one");
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", name);
      m.put("hard", hard < 0 ? new java.math.BigInteger("18446744073709551615") : java.math.BigInteger.valueOf(hard));
      m.put("soft", soft < 0 ? new java.math.BigInteger("18446744073709551615") : java.math.BigInteger.valueOf(soft));
      return m;
    } catch (NumberFormatException e) {
      throw new EngineException("invalid --ulimit \"" + ul + "\": not a number");
    }
  }

  private static long limit(String s) {
    return s.equals("-1") || s.equalsIgnoreCase("unlimited") ? -1 : Long.parseLong(s);
  }

  private static void mounts(Map<String, Object> root, Inputs in, ContainerSpec spec) {
    List<Spec.Mount> mounts = new ArrayList<>();
    for (Object m : withArray(root, "mounts")) {
      Spec.Mount mount = Json.convert(m, Spec.Mount.class);
      if (spec.privileged() && mount.destination().equals("/sys")) {
        mount = new Spec.Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "rw"));
      }
      mounts.add(mount);
    }
    for (String f : List.of("hosts", "hostname", "resolv.conf")) {
      mounts.add(new Spec.Mount("/etc/" + f, "bind", in.etcDir().resolve(f).toString(),
          List.of("rbind", "rprivate", spec.readOnly() ? "ro" : "rw")));
    }
    if (spec.init()) {
      if (in.initBinary() == null) {
        throw new EngineException("--init needs tini: install Debian's tini package (scripts/setup does)");
      }
      mounts.add(new Spec.Mount(INIT_PATH, "bind", in.initBinary().toString(), List.of("bind", "ro", "rprivate")));
    }
    List<String> userDest = in.userMounts().stream().map(Spec.Mount::destination).toList();
    mounts.removeIf(m -> userDest.contains(m.destination()));
    mounts.addAll(in.userMounts());
    root.put("mounts", mounts);
  }

  static String cgroupsPath(String id) {
    return "berth/" + id;
  }

  private static void linux(Map<String, Object> linux, String id, ContainerSpec spec, Path joinNetns) {
    linux.put("cgroupsPath", cgroupsPath(id));
    List<Object> namespaces = putArray(linux, "namespaces");
    List<String> ns = new ArrayList<>(List.of("pid", "ipc", "uts", "mount", "cgroup"));
    String mode = Engine.networkMode(spec);
    if (mode == null || mode.equals("none")) {
      ns.add("network");
    } else if (mode.startsWith("container:")) {
      if (joinNetns == null) {
        throw new EngineException("--network " + mode + ": that container is not running");
      }
    } else if (!mode.equals("host")) {
      throw new EngineException("unknown network mode \"" + mode + "\"");
    }
    for (String n : ns) {
      namespaces.add(object("type", n));
    }
    if (joinNetns != null) {
      namespaces.add(object("type", "network", "path", joinNetns.toString()));
    }
    if (spec.privileged()) {
      linux.remove("maskedPaths");
      linux.remove("readonlyPaths");
    }
    Map<String, Object> res = with(linux, "resources");
    if (spec.privileged()) {
      putArray(res, "devices").add(object("allow", true, "access", "rwm"));
    }
    if (spec.memory() < 0 || spec.cpus() < 0 || spec.pidsLimit() < 0) {
      throw new EngineException("--memory, --cpus and --pids-limit must not be negative");
    }
    if (spec.memory() > 0) {
      if (spec.memory() < 6 * 1024 * 1024) {
        throw new EngineException("minimum memory limit allowed is 6MB");
      }
      res.put("memory", object("limit", spec.memory()));
    }
    if (spec.cpus() > 0) {
      long period = 100_000;
      res.put("cpu", object("quota", Math.round(spec.cpus() * period), "period", period));
    }
    if (spec.pidsLimit() > 0) {
      res.put("pids", object("limit", spec.pidsLimit()));
    }
    devices(linux, res, spec);
    if (!spec.sysctls().isEmpty()) {
      linux.put("sysctl", spec.sysctls());
    }
    Seccomp seccomp = seccomp(spec);
    if (seccomp != null) {
      linux.put("seccomp", seccomp);
    }
  }

  private static void devices(Map<String, Object> linux, Map<String, Object> res, ContainerSpec spec) {
    if (spec.devices().isEmpty()) {
      return;
    }
    List<Object> devs = putArray(linux, "devices");
    List<Object> rules = withArray(res, "devices");
    for (String d : spec.devices()) {
      String[] parts = d.split(":");
      Path host = Path.of(parts[0]);
      String inside = parts.length > 1 && parts[1].startsWith("/") ? parts[1] : parts[0];
      String perms = parts.length > 2 ? parts[2] : parts.length == 2 && !parts[1].startsWith("/") ? parts[1] : "rwm";
      if (!perms.matches("[rwm]{1,3}")) {
        throw new EngineException("invalid --device \"" + d + "\": permissions must be of r, w and m");
      }
      int mode;
      long rdev;
      try {
        mode = (Integer) Files.getAttribute(host, "unix:mode");
        rdev = (Long) Files.getAttribute(host, "unix:rdev");
      } catch (IOException e) {
        throw new EngineException("--device " + d + ": " + host + " does not exist");
      }
      int kind = mode & 0170000;
      if (kind != 0020000 && kind != 0060000) {
        throw new EngineException("--device " + d + ": " + host + " is not a device");
      }
      String type = kind == 0020000 ? "c" : "b";
      long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
      long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
      devs.add(object("path", inside, "type", type, "major", major, "minor", minor,
          "fileMode", mode & 07777, "uid", 0, "gid", 0));
      rules.add(object("allow", true, "type", type, "major", major, "minor", minor, "access", perms));
    }
  }

  private static Seccomp seccomp(ContainerSpec spec) {
    String s = spec.seccomp();
    if (spec.privileged() || "unconfined".equals(s)) {
      return null;
    }
    if (s == null || s.isEmpty() || s.equals("default")) {
      return DefaultSeccompProfile.get();
    }
    Path file = Path.of(s);
    try {
      return SpecJson.parse(Files.readAllBytes(file), Seccomp.class, "seccomp profile " + file);
    } catch (IOException e) {
      throw new EngineException("cannot read the seccomp profile " + file + ": " + e.getMessage());
    }
  }
}
