package io.berth.cli;

import io.berth.engine.ContainerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of {@code berth run} and {@code berth create}, as podman and Docker spell them,
 * turned into a {@link ContainerSpec}. Parsing stops at the image: what follows is the command.
 */
final class RunFlags {
  static final String USAGE = "[OPTIONS] IMAGE [COMMAND [ARG...]]";

  boolean detach;
  boolean interactive;
  boolean tty;
  boolean quiet;
  String detachKeys = "ctrl-p,ctrl-q";
  ContainerSpec spec;

  private RunFlags() {}

  static RunFlags parse(String command, List<String> args) {
    Flags f = Flags.berth(command, args, 1).combining("dit");
    ContainerSpec.Builder b = ContainerSpec.builder(null);
    List<String> env = new ArrayList<>();
    List<String> binds = new ArrayList<>();
    List<String> mounts = new ArrayList<>();
    List<String> tmpfs = new ArrayList<>();
    List<String> capAdd = new ArrayList<>();
    List<String> capDrop = new ArrayList<>();
    List<String> ulimits = new ArrayList<>();
    List<String> devices = new ArrayList<>();
    Map<String, String> labels = new LinkedHashMap<>();
    Map<String, String> sysctls = new LinkedHashMap<>();
    List<String> health = null;
    long hInterval = 0, hTimeout = 0, hStart = 0;
    int hRetries = 0;
    boolean noHealth = false;
    List<String> nets = new ArrayList<>();
    List<String> aliases = new ArrayList<>();
    String ip = null;
    String mac = null;
    List<String> publish = new ArrayList<>();
    boolean publishAll = false;
    List<String> expose = new ArrayList<>();
    List<String> dns = new ArrayList<>();
    List<String> dnsSearch = new ArrayList<>();
    List<String> dnsOptions = new ArrayList<>();
    List<String> addHosts = new ArrayList<>();
    RunFlags r = new RunFlags();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-d", "--detach" -> r.detach = f.bool(flag);
        case "-i", "--interactive" -> r.interactive = f.bool(flag);
        case "-t", "--tty" -> r.tty = f.bool(flag);
        case "-q", "--quiet" -> r.quiet = f.bool(flag);
        case "--detach-keys" -> r.detachKeys = f.value(flag);
        case "--rm" -> b.autoRemove(f.bool(flag));
        case "--name" -> b.name(f.value(flag));
        case "-e", "--env" -> env.add(f.value(flag));
        case "--env-file" -> env.addAll(envFile(Path.of(f.value(flag))));
        case "-u", "--user" -> b.user(f.value(flag));
        case "-w", "--workdir" -> b.workingDir(f.value(flag));
        case "--entrypoint" -> {
          String v = f.value(flag);
          b.entrypoint(v.isEmpty() ? List.of() : v.trim().startsWith("[") ? jsonList(v) : List.of(v));
        }
        case "-v", "--volume" -> binds.add(f.value(flag));
        case "--mount" -> mounts.add(f.value(flag));
        case "--tmpfs" -> tmpfs.add(f.value(flag));
        case "-l", "--label" -> keyValue(labels, f.value(flag));
        case "-h", "--hostname" -> b.hostname(f.value(flag));
        case "--restart" -> b.restart(f.value(flag));
        case "--health-cmd" -> health = List.of("CMD-SHELL", f.value(flag));
        case "--health-interval" -> hInterval = duration(flag, f.value(flag));
        case "--health-timeout" -> hTimeout = duration(flag, f.value(flag));
        case "--health-start-period" -> hStart = duration(flag, f.value(flag));
        case "--health-retries" -> hRetries = f.intValue(flag);
        case "--no-healthcheck" -> noHealth = f.bool(flag);
        case "-m", "--memory" -> b.memory(bytes(flag, f.value(flag)));
        case "--cpus" -> b.cpus(number(flag, f.value(flag)));
        case "--pids-limit" -> b.pidsLimit(f.longValue(flag));
        case "--read-only" -> b.readOnly(f.bool(flag));
        case "--cap-add" -> capAdd.add(f.value(flag));
        case "--cap-drop" -> capDrop.add(f.value(flag));
        case "--privileged" -> b.privileged(f.bool(flag));
        case "--security-opt" -> securityOpt(b, f.value(flag));
        case "--init" -> b.init(f.bool(flag));
        case "--stop-signal" -> b.stopSignal(f.value(flag));
        case "--stop-timeout" -> b.stopTimeout(f.intValue(flag));
        case "--ulimit" -> ulimits.add(f.value(flag));
        case "--sysctl" -> keyValue(sysctls, f.value(flag));
        case "--device" -> devices.add(f.value(flag));
        case "--network", "--net" -> nets.add(f.value(flag));
        case "--network-alias", "--net-alias" -> aliases.add(f.value(flag));
        case "--ip" -> ip = f.value(flag);
        case "--mac-address" -> mac = f.value(flag);
        case "-p", "--publish" -> publish.add(f.value(flag));
        case "-P", "--publish-all" -> publishAll = f.bool(flag);
        case "--expose" -> expose.add(f.value(flag));
        case "--dns" -> dns.add(f.value(flag));
        case "--dns-search" -> dnsSearch.add(f.value(flag));
        case "--dns-option", "--dns-opt" -> dnsOptions.add(f.value(flag));
        case "--add-host" -> addHosts.add(f.value(flag));
        case "--log-opt" -> logOpt(b, f.value(flag));
        case "--pull" -> f.value(flag);
        default -> {
          if (Flags.isHelp(flag)) {
            throw new Help("usage: berth " + command + " " + USAGE);
          }
          throw f.unknown(flag);
        }
      }
    }
    List<String> pos = f.positionals(1, -1, USAGE);
    b.image(pos.get(0));
    if (pos.size() > 1) {
      b.cmd(List.copyOf(pos.subList(1, pos.size())));
    }
    b.env(env).binds(binds).mounts(mounts).tmpfs(tmpfs).capAdd(capAdd).capDrop(capDrop)
        .ulimits(ulimits).devices(devices).labels(labels).sysctls(sysctls)
        .tty(r.tty).openStdin(r.interactive);
    networks(b, nets, aliases, ip, mac);
    b.net(new ContainerSpec.NetworkOptions(networks(nets, aliases, ip, mac), publish, publishAll, expose, dns,
        dnsSearch, dnsOptions, addHosts));
    if (noHealth) {
      b.health(new ContainerSpec.Health(List.of("NONE"), 0, 0, 0, 0));
    } else if (health != null || hInterval + hTimeout + hStart + hRetries > 0) {
      b.health(new ContainerSpec.Health(health, hInterval, hTimeout, hStart, hRetries));
    }
    r.spec = b.build();
    return r;
  }

  private static final List<String> MODES = List.of("none", "host");

  /** The mode of {@code --network none|host|container:X}; CNI networks leave it unset. */
  private static void networks(ContainerSpec.Builder b, List<String> nets, List<String> aliases, String ip, String mac) {
    List<String> modes = nets.stream().filter(n -> MODES.contains(n) || n.startsWith("container:")).toList();
    if (!modes.isEmpty()) {
      if (nets.size() > 1) {
        throw new Flags.UsageException("--network " + modes.get(0) + " cannot be combined with other networks");
      }
      if (!aliases.isEmpty() || ip != null || mac != null) {
        throw new Flags.UsageException("--ip, --mac-address and --network-alias need a network (not --network "
            + modes.get(0) + ")");
      }
      b.network(modes.get(0));
    }
  }

  /**
   * {@code --network NAME[:alias=A,ip=IP,mac=MAC]} (podman's per-network options) in order; {@code
   * --ip}, {@code --mac-address} go with the first network, {@code --network-alias} with every one.
   */
  private static List<ContainerSpec.Attach> networks(List<String> nets, List<String> aliases, String ip, String mac) {
    List<ContainerSpec.Attach> out = new ArrayList<>();
    for (String n : nets) {
      if (MODES.contains(n) || n.startsWith("container:")) {
        return List.of();
      }
      String name = n;
      List<String> own = new ArrayList<>(aliases);
      String ownIp = out.isEmpty() ? ip : null;
      String ownMac = out.isEmpty() ? mac : null;
      int colon = n.indexOf(':');
      if (colon > 0) {
        name = n.substring(0, colon);
        for (String opt : n.substring(colon + 1).split(",")) {
          String[] kv = opt.split("=", 2);
          if (kv.length != 2) {
            throw new Flags.UsageException("--network " + n + ": options are alias=, ip= and mac=");
          }
          switch (kv[0]) {
            case "alias" -> own.add(kv[1]);
            case "ip" -> ownIp = kv[1];
            case "mac" -> ownMac = kv[1];
            default -> throw new Flags.UsageException("--network " + n + ": unknown option " + kv[0] + " (alias, ip, mac)");
          }
        }
      }
      out.add(new ContainerSpec.Attach(name, own, ownIp, ownMac));
    }
    if (out.isEmpty() && (!aliases.isEmpty() || ip != null || mac != null)) {
      out.add(new ContainerSpec.Attach(io.berth.engine.Networks.DEFAULT, aliases, ip, mac));
    }
    return out;
  }

  /** --help inside a command's flags. */
  static final class Help extends RuntimeException {
    Help(String usage) {
      super(usage);
    }
  }

  private static void securityOpt(ContainerSpec.Builder b, String v) {
    if (v.equals("no-new-privileges") || v.equals("no-new-privileges:true") || v.equals("no-new-privileges=true")) {
      b.noNewPrivileges(true);
    } else if (v.equals("no-new-privileges:false") || v.equals("no-new-privileges=false")) {
      b.noNewPrivileges(false); // Berth's default is on; this is how set-user-ID programs get their way
    } else if (v.startsWith("seccomp=") || v.startsWith("seccomp:")) {
      b.seccomp(v.substring(8));
    } else if (v.startsWith("label=") || v.startsWith("apparmor=")) {
      // SELinux and AppArmor are not enabled on the hosts Berth runs on; accepted and ignored, as podman does without them
    } else {
      throw new Flags.UsageException("--security-opt: unknown option \"" + v
          + "\" (seccomp=FILE|unconfined, no-new-privileges)");
    }
  }

  private static void logOpt(ContainerSpec.Builder b, String v) {
    String[] kv = v.split("=", 2);
    if (kv.length != 2) {
      throw new Flags.UsageException("--log-opt takes KEY=VALUE, got \"" + v + "\"");
    }
    switch (kv[0]) {
      case "max-size" -> b.logMaxSize(bytes("--log-opt max-size", kv[1]));
      case "max-file" -> {
        try {
          int n = Integer.parseInt(kv[1]);
          if (n < 1) {
            throw new NumberFormatException();
          }
          b.logMaxFiles(n);
        } catch (NumberFormatException e) {
          throw new Flags.UsageException("--log-opt max-file takes a number >= 1, got \"" + kv[1] + "\"");
        }
      }
      default -> throw new Flags.UsageException("--log-opt: unknown option " + kv[0] + " (max-size, max-file)");
    }
  }

  /** {@code KEY=VALUE} (or {@code KEY} for an empty value) into {@code m}, as -l and --sysctl take them. */
  static void keyValue(Map<String, String> m, String v) {
    int eq = v.indexOf('=');
    m.put(eq < 0 ? v : v.substring(0, eq), eq < 0 ? "" : v.substring(eq + 1));
  }

  static List<String> envFile(Path file) {
    try {
      List<String> out = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        String t = line.strip();
        if (!t.isEmpty() && !t.startsWith("#")) {
          out.add(t);
        }
      }
      return out;
    } catch (IOException e) {
      throw new Flags.UsageException("--env-file " + file + ": cannot read it (" + e.getMessage() + ")");
    }
  }

  private static List<String> jsonList(String v) {
    try {
      String[] a = io.berth.oci.SpecJson.mapper().readValue(v, String[].class);
      return List.of(a);
    } catch (IOException e) {
      throw new Flags.UsageException("--entrypoint: not a JSON array of strings: " + v);
    }
  }

  /** Docker's sizes: a number with an optional b, k, m or g (binary units). */
  static long bytes(String flag, String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.endsWith("b") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
      s = s.substring(0, s.length() - 1);
    } else if (s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    long mult = 1;
    char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
    switch (last) {
      case 'k' -> mult = 1L << 10;
      case 'm' -> mult = 1L << 20;
      case 'g' -> mult = 1L << 30;
      case 't' -> mult = 1L << 40;
      default -> { }
    }
    if (mult != 1) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      double d = Double.parseDouble(s);
      if (d < 0) {
        throw new NumberFormatException();
      }
      return (long) (d * mult);
    } catch (NumberFormatException e) {
      throw new Flags.UsageException(flag + " takes a size such as 64m or 1g, got \"" + v + "\"");
    }
  }

  private static double number(String flag, String v) {
    try {
      double d = Double.parseDouble(v);
      if (d < 0 || Double.isNaN(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new Flags.UsageException(flag + " takes a number such as 0.5 or 2, got \"" + v + "\"");
    }
  }

  /** Go's durations as Docker takes them: 30s, 1m30s, 500ms, 2h; a plain number is seconds. */
  static long duration(String flag, String v) {
    try {
      if (v.matches("\\d+")) {
        return Duration.ofSeconds(Long.parseLong(v)).toNanos();
      }
      var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(v);
      long total = 0;
      int end = 0;
      while (m.find()) {
        if (m.start() != end) {
          throw new NumberFormatException();
        }
        end = m.end();
        double n = Double.parseDouble(m.group(1));
        double unit = switch (m.group(2)) {
          case "ns" -> 1;
          case "us", "µs" -> 1e3;
          case "ms" -> 1e6;
          case "s" -> 1e9;
          case "m" -> 60e9;
          default -> 3600e9;
        };
        total += (long) (n * unit);
      }
      if (end != v.length() || end == 0) {
        throw new NumberFormatException();
      }
      return total;
    } catch (NumberFormatException e) {
      throw new Flags.UsageException(flag + " takes a duration such as 30s or 1m30s, got \"" + v + "\"");
    }
  }
}
