package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.EngineException;
import io.berth.engine.Event;
import io.berth.oci.SpecJson;
import io.berth.server.UnixHttpClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The container commands through a Berth daemon ({@code --url unix:///run/berth/berth.sock} or
 * {@code BERTH_HOST}): the same flags and output as the local commands, each a call of Berth's
 * REST API. Commands that need this terminal in the container (-i, -t, attach, exec without -d)
 * or its files (cp) stay local for now and say so.
 */
final class RemoteCommands {
  private final UnixHttpClient http;
  private final PrintStream out;
  private final PrintStream err;

  RemoteCommands(Path socket, PrintStream out, PrintStream err) {
    this.http = new UnixHttpClient(socket);
    this.out = out;
    this.err = err;
  }

  /** A --url or BERTH_HOST value: unix:///path or a plain path. */
  static Path socketOf(String url) {
    if (url.startsWith("unix://")) {
      return Path.of(url.substring("unix://".length()));
    }
    if (url.startsWith("/")) {
      return Path.of(url);
    }
    throw new Flags.UsageException("--url: only unix:///PATH sockets are supported, got \"" + url + "\"");
  }

  int run(String command, List<String> argv) throws IOException, InterruptedException {
    try {
      return switch (command) {
        case "run" -> run(argv, true);
        case "create" -> run(argv, false);
        case "start" -> each("start", argv, id -> call("POST", "/v1/containers/" + enc(id) + "/start"));
        case "stop", "restart" -> stopOrRestart(command, argv);
        case "kill" -> kill(argv);
        case "rm" -> rm(argv);
        case "pause", "unpause" -> each(command, argv, id -> call("POST", "/v1/containers/" + enc(id) + "/" + command));
        case "rename" -> {
          Flags f = Flags.berth("rename", argv, Integer.MAX_VALUE);
          for (String flag = f.next(); flag != null; flag = f.next()) {
            throw f.unknown(flag);
          }
          List<String> pos = f.positionals(2, 2, "CONTAINER NEW_NAME");
          call("POST", "/v1/containers/" + enc(pos.get(0)) + "/rename?name=" + enc(pos.get(1)));
          yield 0;
        }
        case "wait" -> each("wait", argv, id -> out.println(call("POST", "/v1/containers/" + enc(id) + "/wait")
            .json().path("StatusCode").asInt()));
        case "ps" -> ps(argv);
        case "inspect" -> inspect(argv);
        case "logs" -> logs(argv);
        case "exec" -> exec(argv);
        case "healthcheck" -> {
          if (argv.size() != 2 || !argv.get(0).equals("run")) {
            throw new Flags.UsageException("usage: berth healthcheck run CONTAINER");
          }
          String status = call("POST", "/v1/containers/" + enc(argv.get(1)) + "/healthcheck").json().path("status").asText();
          out.println(status);
          yield status.equals("unhealthy") ? 1 : 0;
        }
        case "events" -> events(argv);
        case "volume" -> volume(argv);
        case "network" -> network(argv);
        default -> throw new EngineException(command + " is not available through the daemon yet: unset BERTH_HOST"
            + " (or drop --url) to run it locally");
      };
    } catch (java.net.ConnectException | java.nio.file.NoSuchFileException e) {
      throw new EngineException("cannot reach the Berth daemon at " + "the socket: " + e.getMessage()
          + " (is `berth serve` running?)");
    }
  }

  /** A command without flags on each container named; wait prints exit codes, the others the names. */
  private int each(String command, List<String> argv, ContainerFlags.Action action) {
    Flags f = Flags.berth(command, argv, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      throw f.unknown(flag);
    }
    return ContainerFlags.each(f.positionals(1, -1, "CONTAINER..."), err, id -> {
      action.on(id);
      if (!command.equals("wait")) {
        out.println(id);
      }
    });
  }

  private int run(List<String> argv, boolean start) throws IOException, InterruptedException {
    RunFlags r = RunFlags.parse(start ? "run" : "create", argv);
    if (start && !r.detach && (r.interactive || r.tty)) {
      throw new EngineException("run -i/-t through the daemon is not available yet: unset BERTH_HOST to run it locally");
    }
    Instant before = Instant.now().minusSeconds(1);
    UnixHttpClient.Response created = http.postJson("/v1/containers", r.spec);
    if (created.status() == 404 && created.text().contains("no such image")) {
      if (!r.quiet) {
        err.println("Pulling " + r.spec.image() + " through the daemon...");
      }
      check(http.post("/v1/images/pull?reference=" + enc(r.spec.image())));
      created = http.postJson("/v1/containers", r.spec);
    }
    String id = check(created).json().path("Id").asText();
    if (!start) {
      out.println(id);
      return 0;
    }
    call("POST", "/v1/containers/" + id + "/start");
    if (r.detach) {
      out.println(id);
      return 0;
    }
    printLogs(id, "follow=true&timestamps=false", false);
    UnixHttpClient.Response w = http.post("/v1/containers/" + id + "/wait");
    if (w.status() == 200) {
      return w.json().path("StatusCode").asInt();
    }
    return exitFromEvents(id, before); // --rm: the daemon removed it already; its die event remains
  }

  private int exitFromEvents(String id, Instant since) throws IOException {
    String q = "?since=" + enc(since.toString()) + "&until=" + enc(Instant.now().plusSeconds(1).toString());
    try (UnixHttpClient.Stream s = http.stream("GET", "/v1/events" + q, null)) {
      for (String line = s.readLine(); line != null; line = s.readLine()) {
        if (!line.isBlank()) {
          Event e = SpecJson.mapper().readValue(line, Event.class);
          if (e.id().equals(id) && e.action().equals("die")) {
            return Integer.parseInt(e.attributes().getOrDefault("exitCode", "125"));
          }
        }
      }
    }
    throw new EngineException("container " + id.substring(0, 12) + " is gone and its exit code unknown");
  }

  private int stopOrRestart(String command, List<String> argv) {
    ContainerFlags.Stop f = ContainerFlags.stop(command, argv);
    String q = f.timeout() == null ? "" : "?t=" + f.timeout();
    return eachId(f.names(), id -> call("POST", "/v1/containers/" + enc(id) + "/" + command + q));
  }

  private int kill(List<String> argv) {
    ContainerFlags.Kill f = ContainerFlags.kill(argv);
    return eachId(f.names(), id -> call("POST", "/v1/containers/" + enc(id) + "/kill?signal=" + enc(f.signal())));
  }

  private int rm(List<String> argv) {
    ContainerFlags.Rm f = ContainerFlags.rm(argv);
    String q = "?force=" + f.force() + "&volumes=" + f.volumes();
    return eachId(f.names(), id -> call("DELETE", "/v1/containers/" + enc(id) + q));
  }

  private int eachId(List<String> ids, ContainerFlags.Action action) {
    return ContainerFlags.each(ids, err, id -> {
      action.on(id);
      out.println(id);
    });
  }

  private List<Container> containers(boolean all) throws IOException {
    JsonNode list = call("GET", "/v1/containers?all=" + all).json();
    List<Container> out = new ArrayList<>();
    for (JsonNode n : list) {
      out.add(SpecJson.mapper().convertValue(n, Container.class));
    }
    return out;
  }

  private int ps(List<String> argv) {
    return ContainerCommands.ps(argv, all -> {
      try {
        return containers(all);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, out);
  }

  private int inspect(List<String> argv) throws IOException {
    Flags f = Flags.berth("inspect", argv, Integer.MAX_VALUE);
    String format = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--format" -> format = f.value(flag);
        case "--type" -> f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<Object> docs = new ArrayList<>();
    int rc = 0;
    for (String n : f.positionals(1, -1, "[--format TEMPLATE] CONTAINER...")) {
      UnixHttpClient.Response r = http.get("/v1/containers/" + enc(n));
      if (r.status() == 200) {
        docs.add(InspectJson.container(null, r.as(Container.class)));
      } else {
        err.println("berth: no such object: " + n);
        rc = 125;
      }
    }
    if (format != null) {
      for (Object d : docs) {
        out.println(GoTemplate.render(format, SpecJson.mapper().convertValue(d, Map.class)));
      }
    } else {
      out.println(SpecJson.toPrettyString(docs));
    }
    return rc;
  }

  private int logs(List<String> argv) throws IOException {
    Flags f = Flags.berth("logs", argv, Integer.MAX_VALUE).combining("ft");
    StringBuilder q = new StringBuilder("timestamps=false");
    boolean timestamps = false;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--follow" -> q.append("&follow=").append(f.bool(flag));
        case "-t", "--timestamps" -> timestamps = f.bool(flag);
        case "-n", "--tail" -> q.append("&tail=").append(enc(f.value(flag)));
        case "--since" -> q.append("&since=").append(enc(ContainerCommands.time("--since", f.value(flag)).toString()));
        default -> throw f.unknown(flag);
      }
    }
    String id = f.positionals(1, 1, "[-f] [-t] [--tail N] [--since TIME] CONTAINER").get(0);
    String query = timestamps ? q.toString().replace("timestamps=false", "timestamps=true") : q.toString();
    printLogs(id, query, timestamps);
    return 0;
  }

  private void printLogs(String id, String query, boolean timestamps) throws IOException {
    try (UnixHttpClient.Stream s = http.stream("GET", "/v1/containers/" + enc(id) + "/logs?" + query, null)) {
      if (s.status() != 200) {
        throw new EngineException(message(s.body().readAllBytes(), s.status()));
      }
      for (String line = s.readLine(); line != null; line = s.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = SpecJson.mapper().readTree(line);
        String text = (timestamps && n.has("time") ? n.get("time").asText() + " " : "") + n.path("text").asText();
        (n.path("stream").asText().equals("stderr") ? err : out).println(text);
      }
      out.flush();
      err.flush();
    }
  }

  private int exec(List<String> argv) throws IOException {
    Flags f = Flags.berth("exec", argv, 2).combining("itd");
    boolean detach = false;
    String user = null;
    String workdir = null;
    List<String> env = new ArrayList<>();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-d", "--detach" -> detach = f.bool(flag);
        case "-i", "--interactive", "-t", "--tty" -> {
          throw new EngineException("exec -i/-t through the daemon is not available yet: unset BERTH_HOST to run it locally");
        }
        case "-u", "--user" -> user = f.value(flag);
        case "-w", "--workdir" -> workdir = f.value(flag);
        case "-e", "--env" -> env.add(f.value(flag));
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, -1, "-d [-e K=V] [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]");
    if (!detach) {
      throw new EngineException("exec through the daemon needs -d for now: unset BERTH_HOST to run it locally");
    }
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("Cmd", pos.subList(1, pos.size()));
    body.put("Env", env);
    if (user != null) {
      body.put("User", user);
    }
    if (workdir != null) {
      body.put("WorkingDir", workdir);
    }
    check(http.postJson("/v1/containers/" + enc(pos.get(0)) + "/exec", body));
    return 0;
  }

  private int events(List<String> argv) throws IOException {
    Flags f = Flags.berth("events", argv, Integer.MAX_VALUE);
    StringBuilder q = new StringBuilder();
    String format = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--since" -> q.append(q.length() == 0 ? "?" : "&").append("since=")
            .append(enc(ContainerCommands.time("--since", f.value(flag)).toString()));
        case "--until" -> q.append(q.length() == 0 ? "?" : "&").append("until=")
            .append(enc(ContainerCommands.time("--until", f.value(flag)).toString()));
        case "--format" -> format = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    try (UnixHttpClient.Stream s = http.stream("GET", "/v1/events" + q, null)) {
      if (s.status() != 200) {
        throw new EngineException(message(s.body().readAllBytes(), s.status()));
      }
      for (String line = s.readLine(); line != null; line = s.readLine()) {
        if (line.isBlank()) {
          continue;
        }
        Event e = SpecJson.mapper().readValue(line, Event.class);
        if (format != null) {
          out.println(GoTemplate.render(format, Map.of("Action", e.action(), "ID", e.id(), "Name", String.valueOf(e.name()),
              "Type", e.type(), "Image", String.valueOf(e.image()))));
        } else {
          Instant t = Instant.ofEpochSecond(e.timeNano() / 1_000_000_000L, e.timeNano() % 1_000_000_000L);
          out.println(t + " " + e.type() + " " + e.action() + " " + e.id() + " (name=" + e.name() + ")");
        }
        out.flush();
      }
    }
    return 0;
  }

  private int volume(List<String> argv) throws IOException {
    if (argv.isEmpty()) {
      throw new Flags.UsageException("usage: berth volume create|ls|rm ...");
    }
    List<String> rest = argv.subList(1, argv.size());
    switch (argv.get(0)) {
      case "ls", "list" -> {
        out.printf("%-10s %s%n", "DRIVER", "VOLUME NAME");
        for (JsonNode v : call("GET", "/v1/volumes").json()) {
          out.println(String.format("%-10s %s", v.path("driver").asText("local"), v.path("name").asText()));
        }
      }
      case "create" -> {
        if (rest.size() != 1) {
          throw new Flags.UsageException("usage: berth volume create NAME (through the daemon)");
        }
        check(http.postJson("/v1/volumes", Map.of("Name", rest.get(0))));
        out.println(rest.get(0));
      }
      case "rm", "remove" -> {
        boolean force = rest.contains("-f") || rest.contains("--force");
        for (String n : rest) {
          if (!n.startsWith("-")) {
            call("DELETE", "/v1/volumes/" + enc(n) + "?force=" + force);
            out.println(n);
          }
        }
      }
      default -> throw new EngineException("volume " + argv.get(0) + " is not available through the daemon yet");
    }
    return 0;
  }

  private int network(List<String> argv) throws IOException {
    if (argv.isEmpty()) {
      throw new Flags.UsageException("usage: berth network create|ls|inspect|rm|connect|disconnect|prune ...");
    }
    List<String> rest = argv.subList(1, argv.size());
    switch (argv.get(0)) {
      case "ls", "list" -> {
        boolean quiet = rest.contains("-q") || rest.contains("--quiet");
        if (!quiet) {
          out.printf("%-14s %-20s %-8s %s%n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
        }
        for (JsonNode n : call("GET", "/v1/networks").json()) {
          String id = n.path("Id").asText().substring(0, 12);
          out.println(quiet ? id : String.format("%-14s %-20s %-8s %s", id, n.path("Name").asText(),
              n.path("Driver").asText(), "local"));
        }
      }
      case "create" -> {
        Flags f = Flags.berth("network create", rest, Integer.MAX_VALUE);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (String flag = f.next(); flag != null; flag = f.next()) {
          switch (flag) {
            case "--subnet" -> body.put("Subnet", f.value(flag));
            case "--gateway" -> body.put("Gateway", f.value(flag));
            case "--internal" -> body.put("Internal", f.bool(flag));
            case "-l", "--label" -> RunFlags.keyValue(labels, f.value(flag));
            default -> throw f.unknown(flag);
          }
        }
        String name = f.positionals(1, 1, "[--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME").get(0);
        body.put("Name", name);
        body.put("Labels", labels);
        check(http.postJson("/v1/networks", body));
        out.println(name);
      }
      case "inspect" -> {
        List<JsonNode> docs = new ArrayList<>();
        for (String n : rest) {
          docs.add(call("GET", "/v1/networks/" + enc(n)).json());
        }
        out.println(io.berth.oci.SpecJson.toPrettyString(docs));
      }
      case "rm", "remove" -> {
        for (String n : rest) {
          if (!n.startsWith("-")) {
            call("DELETE", "/v1/networks/" + enc(n));
            out.println(n);
          }
        }
      }
      case "connect", "disconnect" -> {
        Flags f = Flags.berth("network " + argv.get(0), rest, Integer.MAX_VALUE);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        List<String> aliases = new ArrayList<>();
        for (String flag = f.next(); flag != null; flag = f.next()) {
          switch (flag) {
            case "--alias" -> aliases.add(f.value(flag));
            case "--ip" -> body.put("IPAddress", f.value(flag));
            case "--mac-address" -> body.put("MacAddress", f.value(flag));
            case "-f", "--force" -> f.bool(flag);
            default -> throw f.unknown(flag);
          }
        }
        List<String> pos = f.positionals(2, 2, "NETWORK CONTAINER");
        body.put("Container", pos.get(1));
        body.put("Aliases", aliases);
        check(http.postJson("/v1/networks/" + enc(pos.get(0)) + "/" + argv.get(0), body));
      }
      case "prune" -> {
        for (JsonNode n : call("POST", "/v1/networks/prune").json().path("NetworksDeleted")) {
          out.println(n.asText());
        }
      }
      default -> throw new Flags.UsageException("unknown network command \"" + argv.get(0) + "\"");
    }
    return 0;
  }

  private UnixHttpClient.Response call(String method, String target) throws IOException {
    return check(http.request(method, target, null));
  }

  /** The response if it is a success (2xx, or 304 "nothing to do"); else the daemon's message as an error. */
  private static UnixHttpClient.Response check(UnixHttpClient.Response r) {
    if (r.status() / 100 == 2 || r.status() == 304) {
      return r;
    }
    String msg = message(r.body(), r.status());
    throw switch (r.status()) {
      case 404 -> new EngineException.NotFound(msg);
      case 409 -> new EngineException.Conflict(msg);
      default -> new EngineException(msg);
    };
  }

  private static String message(byte[] body, int status) {
    try {
      JsonNode n = SpecJson.mapper().readTree(body);
      if (n != null && n.has("message")) {
        return n.get("message").asText();
      }
    } catch (IOException e) {
      // not JSON
    }
    return "the daemon answered HTTP " + status + ": " + new String(body, StandardCharsets.UTF_8).strip();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
