package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.ContainerSpec;
import io.berth.image.spec.Digest;
import io.berth.server.HttpException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Docker create request ({@code POST /containers/create}: the container's Config at the top,
 * HostConfig and NetworkingConfig inside) as the engine's {@link ContainerSpec} and the {@link
 * DockerExtras} beside it.
 *
 * <p>A field the engine cannot honour and whose loss would change what the container can reach
 * or see (published ports, links, another container's namespaces, DNS settings...) is refused
 * with a 400 naming it; tuning the engine does not model (CPU shares, blkio weights, swap) is
 * accepted and has no effect, as on a host whose kernel lacks the controller.
 *
 * @param spec what the engine creates
 * @param extras what only the Docker API shows
 */
record CreateRequest(ContainerSpec spec, DockerExtras extras) {
  /** Where a seccomp profile sent inline (the docker CLI sends the file's content) is kept. */
  interface ProfileFiles {
    Path save(String json);
  }

  /** Profiles under {@code dir}, one file per content (named by its digest). */
  static ProfileFiles profilesIn(Path dir) {
    return json -> {
      byte[] b = json.getBytes(StandardCharsets.UTF_8);
      Path f = dir.resolve(Digest.of(b).hex() + ".json");
      try {
        Files.createDirectories(dir);
        if (!Files.exists(f)) {
          Path tmp = Files.createTempFile(dir, ".profile", ".tmp");
          Files.write(tmp, b);
          Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return f;
    };
  }

  static CreateRequest parse(JsonNode body, String name, ProfileFiles profiles) {
    if (body == null || !body.isObject()) {
      throw HttpException.badRequest("the create request must be a JSON object (the container's Config)");
    }
    String image = text(body, "Image");
    if (image == null || image.isBlank()) {
      throw HttpException.badRequest("config: an image is required (Image)");
    }
    JsonNode host = body.path("HostConfig");
    if (!host.isMissingNode() && !host.isNull() && !host.isObject()) {
      throw HttpException.badRequest("HostConfig must be an object");
    }
    ContainerSpec.Builder b = ContainerSpec.builder(image);
    if (name != null && !name.isEmpty()) {
      b.name(name.startsWith("/") ? name.substring(1) : name);
    }
    List<String> entrypoint = stringsOrNull(body, "Entrypoint");
    if (entrypoint != null && entrypoint.size() == 1 && entrypoint.get(0).isEmpty()) {
      entrypoint = List.of(); // --entrypoint "": none at all
    }
    b.entrypoint(entrypoint);
    b.cmd(stringsOrNull(body, "Cmd"));
    b.env(strings(body, "Env"));
    b.user(emptyToNull(text(body, "User")));
    b.workingDir(emptyToNull(text(body, "WorkingDir")));
    b.tty(bool(body, "Tty"));
    b.openStdin(bool(body, "OpenStdin"));
    b.labels(stringMap(body, "Labels"));
    b.hostname(emptyToNull(text(body, "Hostname")));
    b.stopSignal(emptyToNull(text(body, "StopSignal")));
    if (body.hasNonNull("StopTimeout")) {
      b.stopTimeout(integer(body, "StopTimeout"));
    }
    b.health(health(body.path("Healthcheck")));

    List<String> binds = new ArrayList<>(strings(host, "Binds"));
    List<String> mounts = new ArrayList<>();
    for (JsonNode m : array(host, "Mounts")) {
      String s = mount(m, binds);
      if (s != null) {
        mounts.add(s);
      }
    }
    List<String> anonymous = new ArrayList<>();
    for (String target : keys(body, "Volumes")) {
      anonymous.add(target);
      if (binds.stream().noneMatch(x -> target.equals(bindTarget(x))) && mounts.stream().noneMatch(x -> x.contains(",target=" + target))) {
        binds.add(target);
      }
    }
    b.binds(binds);
    b.mounts(mounts);
    List<String> tmpfs = new ArrayList<>();
    stringMap(host, "Tmpfs").forEach((dst, opts) -> tmpfs.add(opts.isEmpty() ? dst : dst + ":" + opts));
    b.tmpfs(tmpfs);
    b.autoRemove(bool(host, "AutoRemove"));
    b.restart(restart(host.path("RestartPolicy")));
    b.memory(longValue(host, "Memory"));
    long nano = longValue(host, "NanoCpus");
    long quota = longValue(host, "CpuQuota");
    long period = longValue(host, "CpuPeriod");
    if (nano > 0 && quota > 0) {
      throw HttpException.badRequest("conflicting options: NanoCpus and CpuQuota cannot both be set");
    }
    if (nano > 0) {
      b.cpus(nano / 1e9);
    } else if (quota > 0) {
      b.cpus((double) quota / (period > 0 ? period : 100_000));
    }
    long pids = longValue(host, "PidsLimit");
    b.pidsLimit(pids > 0 ? pids : 0);
    b.readOnly(bool(host, "ReadonlyRootfs"));
    b.capAdd(strings(host, "CapAdd"));
    b.capDrop(strings(host, "CapDrop"));
    b.privileged(bool(host, "Privileged"));
    securityOptions(strings(host, "SecurityOpt"), b, profiles);
    b.init(bool(host, "Init"));
    List<String> ulimits = new ArrayList<>();
    for (JsonNode u : array(host, "Ulimits")) {
      String n = text(u, "Name");
      if (n == null || n.isEmpty()) {
        throw HttpException.badRequest("Ulimits: each needs a Name");
      }
      ulimits.add(n + "=" + u.path("Soft").asLong() + ":" + u.path("Hard").asLong());
    }
    b.ulimits(ulimits);
    b.sysctls(stringMap(host, "Sysctls"));
    List<String> devices = new ArrayList<>();
    for (JsonNode d : array(host, "Devices")) {
      String onHost = text(d, "PathOnHost");
      if (onHost == null || onHost.isEmpty()) {
        throw HttpException.badRequest("Devices: each needs a PathOnHost");
      }
      String inCtr = emptyToNull(text(d, "PathInContainer"));
      String perms = emptyToNull(text(d, "CgroupPermissions"));
      devices.add(onHost + ":" + (inCtr == null ? onHost : inCtr) + (perms == null ? "" : ":" + perms));
    }
    b.devices(devices);
    String logType = logConfig(host.path("LogConfig"), b);
    refuseUnsupported(host);

    List<String> exposed = keys(body, "ExposedPorts");
    for (String p : exposed) {
      if (!p.matches("\\d{1,5}(-\\d{1,5})?(/(tcp|udp|sctp))?")) {
        throw HttpException.badRequest("invalid exposed port \"" + p + "\": expected PORT[/PROTOCOL]");
      }
    }
    Map.Entry<String, ContainerSpec.NetworkOptions> net = DockerNetworks.fromCreate(body, host,
        exposed.stream().filter(p -> !p.endsWith("/sctp")).toList());
    b.network(net.getKey()).net(net.getValue());
    DockerExtras extras = new DockerExtras(text(body, "Domainname"), bool(body, "AttachStdin"),
        !body.has("AttachStdout") || bool(body, "AttachStdout"), !body.has("AttachStderr") || bool(body, "AttachStderr"),
        bool(body, "StdinOnce"), exposed, anonymous, logType);
    return new CreateRequest(b.build(), extras);
  }

  /** Docker's Mounts entry as a --mount spec (or an anonymous volume added to {@code binds}). */
  private static String mount(JsonNode m, List<String> binds) {
    String type = text(m, "Type");
    String target = text(m, "Target");
    String source = emptyToNull(text(m, "Source"));
    if (target == null || target.isEmpty()) {
      throw HttpException.badRequest("invalid mount config: Target is required");
    }
    for (String v : new String[] {target, source}) {
      if (v != null && (v.contains(",") || v.contains("="))) {
        throw HttpException.badRequest("invalid mount config: \"" + v + "\" contains a comma or an equals sign");
      }
    }
    boolean ro = bool(m, "ReadOnly");
    String opts = ro ? ",readonly" : "";
    return switch (type == null ? "" : type) {
      case "bind" -> {
        if (source == null) {
          throw HttpException.badRequest("invalid mount config for type \"bind\": field Source must not be empty");
        }
        String prop = emptyToNull(text(m.path("BindOptions"), "Propagation"));
        yield "type=bind,source=" + source + ",target=" + target + opts + (prop == null ? "" : ",bind-propagation=" + prop);
      }
      case "volume" -> {
        if (source == null) {
          binds.add(target); // an anonymous volume
          yield null;
        }
        yield "type=volume,source=" + source + ",target=" + target + opts;
      }
      case "tmpfs" -> {
        if (source != null) {
          throw HttpException.badRequest("invalid mount config for type \"tmpfs\": Source must be empty");
        }
        JsonNode t = m.path("TmpfsOptions");
        long size = t.path("SizeBytes").asLong(0);
        long mode = t.path("Mode").asLong(0);
        yield "type=tmpfs,target=" + target + opts + (size > 0 ? ",tmpfs-size=" + size : "")
            + (mode > 0 ? ",tmpfs-mode=" + Long.toOctalString(mode & 07777) : "");
      }
      default -> throw HttpException.badRequest("invalid mount config: mount type \"" + type
          + "\" is not supported (bind, volume and tmpfs are)");
    };
  }

  private static String bindTarget(String bind) {
    String[] p = bind.split(":");
    return p.length >= 2 ? p[1] : p[0];
  }

  private static ContainerSpec.Health health(JsonNode h) {
    if (h.isMissingNode() || h.isNull()) {
      return null;
    }
    List<String> test = strings(h, "Test");
    if (!test.isEmpty() && !List.of("CMD", "CMD-SHELL", "NONE").contains(test.get(0))) {
      throw HttpException.badRequest("Healthcheck.Test must start with CMD, CMD-SHELL or NONE, got " + test.get(0));
    }
    for (String f : List.of("Interval", "Timeout", "StartPeriod")) {
      long v = longValue(h, f);
      if (v != 0 && v < 1_000_000) {
        throw HttpException.badRequest("Healthcheck." + f + " in nanoseconds must be 0 or at least 1ms");
      }
    }
    if (longValue(h, "Retries") < 0) {
      throw HttpException.badRequest("Healthcheck.Retries must not be negative");
    }
    return new ContainerSpec.Health(test, longValue(h, "Interval"), longValue(h, "Timeout"), longValue(h, "StartPeriod"),
        (int) longValue(h, "Retries"));
  }

  private static String restart(JsonNode p) {
    String name = text(p, "Name");
    if (name == null || name.isEmpty() || name.equals("no")) {
      return null;
    }
    int max = p.path("MaximumRetryCount").asInt(0);
    return switch (name) {
      case "always", "unless-stopped" -> {
        if (max != 0) {
          throw HttpException.badRequest("invalid restart policy: maximum retry count can only be used with 'on-failure'");
        }
        yield name;
      }
      case "on-failure" -> {
        if (max < 0) {
          throw HttpException.badRequest("invalid restart policy: maximum retry count cannot be negative");
        }
        yield max > 0 ? "on-failure:" + max : "on-failure";
      }
      default -> throw HttpException.badRequest("invalid restart policy: unknown policy '" + name
          + "'; use one of 'no', 'always', 'unless-stopped', or 'on-failure'");
    };
  }

  private static void securityOptions(List<String> opts, ContainerSpec.Builder b, ProfileFiles profiles) {
    for (String o : opts) {
      int sep = o.indexOf('=') >= 0 ? o.indexOf('=') : o.indexOf(':');
      String key = sep < 0 ? o : o.substring(0, sep);
      String value = sep < 0 ? "" : o.substring(sep + 1);
      switch (key) {
        case "no-new-privileges" -> b.noNewPrivileges(value.isEmpty() || Boolean.parseBoolean(value));
        case "seccomp" -> {
          if (value.equals("unconfined")) {
            b.seccomp("unconfined");
          } else if (value.isEmpty() || value.equals("builtin")) {
            b.seccomp(null);
          } else if (value.trim().startsWith("{")) {
            b.seccomp(profiles.save(value).toString());
          } else {
            throw HttpException.badRequest("invalid security option \"" + o + "\": send the seccomp profile's JSON");
          }
        }
        // Neither AppArmor nor SELinux confines containers on a Berth host: a request to lift
        // them asks for nothing, and one for a profile cannot be met.
        case "apparmor" -> {
          if (!value.equals("unconfined")) {
            throw HttpException.badRequest("invalid security option \"" + o + "\": Berth applies no AppArmor profiles");
          }
        }
        case "label" -> {
          if (!value.equals("disable")) {
            throw HttpException.badRequest("invalid security option \"" + o + "\": Berth applies no SELinux labels");
          }
        }
        default -> throw HttpException.badRequest("invalid security option \"" + o
            + "\": no-new-privileges, seccomp, apparmor=unconfined and label=disable are supported");
      }
    }
  }

  private static String logConfig(JsonNode log, ContainerSpec.Builder b) {
    String type = text(log, "Type");
    if (type != null && !type.isEmpty() && !List.of("json-file", "local", "k8s-file").contains(type)) {
      throw HttpException.badRequest("logging driver \"" + type + "\" is not supported: Berth keeps each container's"
          + " log in its own file (json-file and local are accepted and read by docker logs)");
    }
    Map<String, String> config = stringMap(log, "Config");
    for (String k : config.keySet()) {
      if (!List.of("max-size", "max-file", "compress", "mode", "labels", "env", "tag").contains(k)) {
        throw HttpException.badRequest("unknown log opt '" + k + "' for " + (type == null || type.isEmpty() ? "json-file" : type)
            + " log driver");
      }
    }
    if (config.containsKey("max-size")) {
      b.logMaxSize(bytes(config.get("max-size"), "max-size"));
    }
    if (config.containsKey("max-file")) {
      try {
        int n = Integer.parseInt(config.get("max-file"));
        if (n < 1) {
          throw new NumberFormatException();
        }
        b.logMaxFiles(n);
      } catch (NumberFormatException e) {
        throw HttpException.badRequest("invalid value for max-file: " + config.get("max-file") + " (a number >= 1)");
      }
    }
    return type == null || type.isEmpty() ? "json-file" : type;
  }

  /** A size as Docker's log options give it: 10m, 512k, 1g (powers of 1024), or bytes. */
  static long bytes(String v, String what) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b)?").matcher(v.trim());
    if (!m.matches()) {
      throw HttpException.badRequest("invalid value for " + what + ": " + v + " (a size such as 10m)");
    }
    double n = Double.parseDouble(m.group(1));
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    return (long) (n * (1L << shift));
  }

  /**
   * HostConfig fields whose loss would change what the container can reach or see: refused when
   * set, so that nothing runs on a promise Berth does not keep.
   */
  private static void refuseUnsupported(JsonNode host) {
    for (String f : List.of("Links", "VolumesFrom", "GroupAdd",
        "DeviceRequests", "DeviceCgroupRules")) {
      if (!array(host, f).isEmpty()) {
        throw HttpException.badRequest(f + " is not supported by Berth");
      }
    }
    for (String f : List.of("PidMode", "UTSMode", "UsernsMode")) {
      String v = text(host, f);
      if (v != null && !v.isEmpty() && !v.equals("private")) {
        throw HttpException.badRequest(f + " \"" + v + "\" is not supported by Berth: each container has its own namespaces");
      }
    }
    String ipc = text(host, "IpcMode");
    if (ipc != null && !ipc.isEmpty() && !ipc.equals("private") && !ipc.equals("shareable")) {
      throw HttpException.badRequest("IpcMode \"" + ipc + "\" is not supported by Berth: each container has its own namespaces");
    }
    String runtime = text(host, "Runtime");
    if (runtime != null && !runtime.isEmpty() && !runtime.equals("berth") && !runtime.equals("runc")) {
      throw HttpException.badRequest("unknown runtime \"" + runtime + "\": Berth runs containers with its own runtime (berth)");
    }
  }

  // ---- JSON helpers ----

  static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw HttpException.badRequest(field + " must be a string");
    }
    return v.asText();
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  static boolean bool(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw HttpException.badRequest(field + " must be true or false");
    }
    return v.asBoolean();
  }

  static long longValue(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber()) {
      throw HttpException.badRequest(field + " must be a whole number");
    }
    return v.asLong();
  }

  private static int integer(JsonNode n, String field) {
    long v = longValue(n, field);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw HttpException.badRequest(field + " is out of range");
    }
    return (int) v;
  }

  static List<JsonNode> array(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw HttpException.badRequest(field + " must be an array");
    }
    List<JsonNode> out = new ArrayList<>();
    v.forEach(out::add);
    return out;
  }

  static List<String> strings(JsonNode n, String field) {
    List<String> out = stringsOrNull(n, field);
    return out == null ? List.of() : out;
  }

  /** An array of strings (a lone string counts as one), or null when absent. */
  static List<String> stringsOrNull(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (!v.isArray()) {
      throw HttpException.badRequest(field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode x : v) {
      if (!x.isValueNode() || x.isNull()) {
        throw HttpException.badRequest(field + " must be an array of strings");
      }
      out.add(x.asText());
    }
    return out;
  }

  static Map<String, String> stringMap(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw HttpException.badRequest(field + " must be an object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    v.properties().forEach(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
    return out;
  }

  /** The keys of an object such as ExposedPorts or Volumes ({@code {"80/tcp": {}}}). */
  static List<String> keys(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return List.of();
    }
    if (!v.isObject()) {
      throw HttpException.badRequest(field + " must be an object");
    }
    List<String> out = new ArrayList<>();
    v.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
