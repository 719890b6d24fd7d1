package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.Event;
import io.berth.runtime.ContainerException;
import io.berth.runtime.Signals;
import io.berth.runtime.shim.CriLog;
import io.berth.runtime.shim.ExitStatus;
import io.berth.runtime.shim.ShimClient;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The container routes: create, list, inspect, the life cycle, wait, logs, attach, top, stats, prune. */
final class ContainerRoutes {
  static final Set<String> LIST_FILTERS = Set.of("ancestor", "before", "expose", "exited", "health", "id",
      "isolation", "is-task", "label", "name", "network", "publish", "since", "status", "volume");

  private final DockerApi api;
  private final Engine engine;

  ContainerRoutes(DockerApi api) {
    this.api = api;
    this.engine = api.engine;
  }

  void register(Router r) {
    r.get("/containers/json", this::list)
        .post("/containers/create", this::create)
        .post("/containers/prune", this::prune)
        .get("/containers/{id}/json", req -> Response.json(200, api.views.inspect(api.container(req.param("id")))))
        .delete("/containers/{id}", this::remove)
        .post("/containers/{id}/start", this::start)
        .post("/containers/{id}/stop", this::stop)
        .post("/containers/{id}/restart", this::restart)
        .post("/containers/{id}/kill", this::kill)
        .post("/containers/{id}/pause", req -> {
          engine.pause(api.container(req.param("id")).id());
          return Response.status(204);
        })
        .post("/containers/{id}/unpause", req -> {
          engine.unpause(api.container(req.param("id")).id());
          return Response.status(204);
        })
        .post("/containers/{id}/rename", this::rename)
        .post("/containers/{id}/wait", this::waitFor)
        .post("/containers/{id}/resize", this::resize)
        .post("/containers/{id}/attach", this::attach)
        .get("/containers/{id}/logs", this::logs)
        .get("/containers/{id}/top", this::top)
        .get("/containers/{id}/stats", new StatsRoute(api)::stats)
        .post("/containers/{id}/update", req -> {
          throw DockerErrors.notImplemented("updating a container's resources is not supported by Berth;"
              + " remove the container and create it again with the new limits");
        })
        .get("/containers/{id}/changes", req -> {
          throw DockerErrors.notImplemented("listing a container's filesystem changes is not supported by Berth");
        })
        .get("/containers/{id}/export", req -> {
          throw DockerErrors.notImplemented("exporting a container's filesystem is not supported by Berth; use docker cp");
        });
  }

  // ---- create, list, remove ----

  private Response create(Request r) {
    JsonNode body = Json.body(r, false);
    String image = body.isObject() ? CreateRequest.text(body, "Image") : null;
    // The image first, as Docker: a 404 for it makes the clients pull and create again, so no
    // other 404 (a network) may come before it.
    if (image != null && !image.isBlank() && engine.images().find(image).isEmpty()) {
      throw HttpException.notFound("No such image: " + ImageNames.withTag(image));
    }
    CreateRequest req = CreateRequest.parse(body, r.query("name"),
        CreateRequest.profilesIn(engine.config().root().resolve("docker").resolve("seccomp")));
    // The image is there: what create refuses is a bad option or value (a network or container
    // it names that does not exist too: only a missing image's 404 makes the clients pull).
    Container c = HttpException.badRequestOnRefusal(() -> engine.create(req.spec(), p -> {}));
    api.extras.put(c.id(), req.extras());
    return Response.json(201, Map.of("Id", c.id(), "Warnings", List.of()));
  }

  private Response list(Request r) {
    Filters f = Filters.parse(r.query("filters"), LIST_FILTERS);
    Integer limit = r.queryInt("limit");
    boolean all = r.queryBool("all", false) || (limit != null && limit > 0);
    List<Container> containers = new ArrayList<>(engine.list());
    containers.sort((a, b) -> b.created().compareTo(a.created())); // newest first
    Instant before = createdOf(f, "before");
    Instant since = createdOf(f, "since");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Container c : containers) {
      if (!all && !c.state().isRunning() && !f.has("status")) {
        continue;
      }
      Instant created = HumanTime.parse(c.created());
      if (before != null && (created == null || !created.isBefore(before))) {
        continue;
      }
      if (since != null && (created == null || !created.isAfter(since))) {
        continue;
      }
      if (!matches(c, f)) {
        continue;
      }
      out.add(api.views.summary(c));
      if (limit != null && limit > 0 && out.size() >= limit) {
        break;
      }
    }
    return Response.json(200, out);
  }

  private Instant createdOf(Filters f, String name) {
    if (!f.has(name)) {
      return null;
    }
    String ref = f.get(name).get(0);
    Container c = engine.find(ref).orElseThrow(() -> HttpException.notFound("No such container: " + ref));
    return HumanTime.parse(c.created());
  }

  /** Whether a container passes the list filters (values of one filter are alternatives). */
  boolean matches(Container c, Filters f) {
    for (String s : f.get("status")) {
      if (!List.of("created", "restarting", "running", "removing", "paused", "exited", "dead").contains(s)) {
        throw HttpException.badRequest("invalid filter 'status=" + s + "'");
      }
    }
    Map<String, String> labels = api.views.labels(c);
    String imageId = c.imageId();
    return f.labelsMatch("label", labels)
        && f.any("id", v -> c.id().startsWith(v))
        && f.any("name", v -> nameMatches(v, c.name()))
        && f.any("status", v -> ContainerViews.state(c.state()).equals(v))
        && f.any("exited", v -> c.state().status().equals(ContainerState.EXITED) && v.equals(Integer.toString(c.state().exitCode())))
        && f.any("health", v -> v.equals(c.state().health() == null ? "none" : c.state().health().status()))
        && f.any("ancestor", v -> v.equals(c.image()) || ImageNames.sameImage(engine, v, imageId))
        && f.any("volume", v -> c.anonymousVolumes().containsValue(v) || c.spec().binds().stream().anyMatch(b -> b.startsWith(v + ":") || b.contains(":" + v))
            || c.spec().mounts().stream().anyMatch(m -> m.contains("source=" + v) || m.contains("target=" + v)))
        && f.any("network", v -> DockerNetworks.on(c, v, engine))
        && f.any("is-task", v -> v.equals("false"))
        && f.any("isolation", v -> v.equals("default"))
        && f.any("publish", v -> false)
        && f.any("expose", v -> api.views.exposedPorts(c).stream().anyMatch(p -> p.equals(v) || p.equals(v + "/tcp")));
  }

  private static boolean nameMatches(String filter, String name) {
    try {
      return Pattern.compile(filter).matcher("/" + name).find();
    } catch (PatternSyntaxException e) {
      throw HttpException.badRequest("invalid filter 'name=" + filter + "': " + e.getDescription());
    }
  }

  private Response remove(Request r) {
    Container c = api.container(r.param("id"));
    if (r.queryBool("link", false)) {
      throw HttpException.badRequest("links are not supported by Berth; there is no link to remove");
    }
    engine.remove(c.id(), r.queryBool("force", false), r.queryBool("v", false));
    api.extras.remove(c.id());
    api.attachments.cancel(c.id(), new EngineException.NotFound("container " + c.name() + " was removed"));
    api.execs.forgetContainer(c.id());
    return Response.status(204);
  }

  private Response prune(Request r) {
    Filters f = Filters.parse(r.query("filters"), Set.of("until", "label", "label!"));
    Instant until = f.has("until") ? untilTime(f.get("until").get(0)) : null;
    List<String> deleted = new ArrayList<>();
    for (Container c : engine.list()) {
      if (c.state().isRunning()) {
        continue;
      }
      Instant created = HumanTime.parse(c.created());
      if (until != null && created != null && !created.isBefore(until)) {
        continue;
      }
      if (!f.labelsMatch("label", c.spec().labels())) {
        continue;
      }
      if (f.get("label!").stream().anyMatch(v -> Filters.labelHolds(v, c.spec().labels()))) {
        continue;
      }
      try {
        engine.remove(c.id(), false, false);
        api.extras.remove(c.id());
        deleted.add(c.id());
      } catch (EngineException e) {
        // started or removed meanwhile: not pruned
      }
    }
    api.extras.retain(new HashSet<>(engine.list().stream().map(Container::id).toList()));
    return Response.json(200, Map.of("ContainersDeleted", deleted, "SpaceReclaimed", 0));
  }

  /** A prune's until: Unix seconds, RFC 3339, or a duration back from now (10m, 24h). */
  static Instant untilTime(String v) {
    if (v.matches("\\d+(\\.\\d+)?")) {
      return Instant.ofEpochMilli((long) (Double.parseDouble(v) * 1000));
    }
    java.util.regex.Matcher m = Pattern.compile("(\\d+)(s|m|h)").matcher(v);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return Instant.now().minus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
    }
    Instant i = HumanTime.parse(v);
    if (i == null) {
      throw HttpException.badRequest("invalid filter 'until=" + v + "': a Unix time, an RFC 3339 time or a duration (10m)");
    }
    return i;
  }

  // ---- life cycle ----

  private Response start(Request r) {
    Container c = api.container(r.param("id"));
    if (c.state().isRunning()) {
      return Response.status(304);
    }
    startNow(c);
    return Response.status(204);
  }

  /** Starts the container, handing it to the clients attached and waiting. */
  private void startNow(Container c) {
    try {
      engine.start(c.id(), api.attachments.beforeStart(c.id()));
    } catch (EngineException e) {
      api.attachments.cancel(c.id(), e);
      if (c.spec().autoRemove()) {
        try {
          engine.remove(c.id(), true, true); // as Docker: a --rm container that cannot start goes
          api.extras.remove(c.id());
        } catch (EngineException gone) {
          // removed already
        }
      }
      if (e instanceof EngineException.Conflict || e instanceof EngineException.NotFound) {
        throw e;
      }
      // The docker CLI turns these words into run's exit codes 127 and 126.
      String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
      boolean userError = e.getCause() instanceof ContainerException || m.contains("no such file") || m.contains("not found")
          || m.contains("permission denied");
      throw new HttpException(userError ? 400 : 500, e.getMessage());
    }
  }

  private Response stop(Request r) {
    Container c = api.container(r.param("id"));
    if (!c.state().isRunning()) {
      return Response.status(304);
    }
    Integer t = timeout(r);
    String signal = r.query("signal");
    if (signal != null && !signal.isEmpty()) {
      int sig = signal(signal);
      try {
        engine.kill(c.id(), sig);
      } catch (EngineException.Conflict e) {
        return Response.status(204); // it stopped meanwhile
      }
      Container after = engine.waitUntilExited(c, Duration.ofSeconds(t == null ? 10 : t));
      engine.stop(after.id(), 0);
    } else {
      engine.stop(c.id(), t);
    }
    return Response.status(204);
  }

  private Response restart(Request r) {
    Container c = api.container(r.param("id"));
    engine.stop(c.id(), timeout(r));
    startNow(engine.get(c.id()));
    return Response.status(204);
  }

  private static Integer timeout(Request r) {
    Integer t = r.queryInt("t");
    if (t != null && t < -1) {
      throw HttpException.badRequest("invalid value for t: " + t + " (seconds, or -1 to wait forever)");
    }
    return t == null ? null : t == -1 ? Integer.MAX_VALUE / 2 : t;
  }

  static int signal(String s) {
    try {
      return Signals.parse(s);
    } catch (ContainerException | NumberFormatException e) {
      throw HttpException.badRequest("Invalid signal: " + s);
    }
  }

  private Response kill(Request r) {
    Container c = api.container(r.param("id"));
    String s = r.query("signal");
    int sig = s == null || s.isEmpty() ? 9 : signal(s);
    if (!c.state().isRunning()) {
      throw new EngineException.Conflict("cannot kill container: " + r.param("id") + ": container " + c.id()
          + " is not running");
    }
    engine.kill(c.id(), sig);
    return Response.status(204);
  }

  private Response rename(Request r) {
    Container c = api.container(r.param("id"));
    String name = r.query("name");
    if (name == null || name.isEmpty()) {
      throw HttpException.badRequest("Neither old nor new names may be empty");
    }
    HttpException.badRequestOnRefusal(() -> engine.rename(c.id(), name.startsWith("/") ? name.substring(1) : name));
    return Response.status(204);
  }

  // ---- wait ----

  /**
   * Blocks until the condition holds: {@code not-running} (now, or when it stops), {@code
   * next-exit} (the end of the run after this call: the docker CLI asks before it starts), or
   * {@code removed}. The status line goes out at once, as Docker's does: the CLI waits for it
   * before it starts the container, and the body follows when the condition holds.
   */
  private Response waitFor(Request r) {
    String condition = Optional.ofNullable(r.query("condition")).filter(s -> !s.isEmpty()).orElse("not-running");
    if (!List.of("not-running", "next-exit", "removed").contains(condition)) {
      throw HttpException.badRequest("invalid condition: \"" + condition + "\" (not-running, next-exit or removed)");
    }
    Container c = api.container(r.param("id"));
    ContainerState s0 = c.state();
    if (condition.equals("not-running") && !s0.isRunning()) {
      return Response.json(200, waitResult(s0.exitCode(), s0.error()));
    }
    Instant since = Instant.now().minusMillis(100);
    return Response.stream(200, "application/json", out -> {
      Map<String, Object> result = awaitCondition(r, c.id(), condition, s0, since);
      if (result != null) {
        out.write(Json.line(result));
      }
    });
  }

  private Map<String, Object> awaitCondition(Request r, String id, String condition, ContainerState s0, Instant since)
      throws InterruptedException {
    boolean runningAtStart = s0.isRunning();
    Integer lastCode = null;
    while (!r.clientGone()) {
      Container now = engine.find(id).orElse(null);
      if (now == null) {
        api.extras.remove(id); // removed by the daemon (--rm): its Docker fields go with it
        int code = lastCode != null ? lastCode : lastDieCode(id, since);
        return waitResult(code, null);
      }
      ContainerState s = now.state();
      boolean newRun = !Objects.equals(s.startedAt(), s0.startedAt());
      if (s.isRunning()) {
        Optional<ExitStatus> exit = engine.awaitExit(now, Duration.ofMillis(200));
        if (exit.isPresent()) {
          lastCode = exit.get().exitCode();
          if (!condition.equals("removed")) {
            return waitResult(lastCode, null);
          }
          removeNow(now);
        }
        continue;
      }
      if (s.status().equals(ContainerState.EXITED) && (runningAtStart || newRun)) {
        lastCode = s.exitCode();
        if (!condition.equals("removed")) {
          return waitResult(lastCode, s.error());
        }
        removeNow(now);
        continue;
      }
      if (condition.equals("not-running")) {
        return waitResult(s.exitCode(), s.error());
      }
      Thread.sleep(50);
    }
    return null;
  }

  /**
   * A --rm container whose run ended is removed here, by the wait that the client is blocked on
   * (docker run --rm waits for removed), rather than when the daemon's monitor comes round to
   * it; whichever comes first removes it, the other finds it gone.
   */
  private void removeNow(Container c) {
    if (!c.spec().autoRemove()) {
      return;
    }
    try {
      engine.cleanup(c.id());
    } catch (EngineException.NotFound e) {
      // the monitor removed it first
    }
  }

  private int lastDieCode(String id, Instant since) {
    int code = -1;
    for (Event e : engine.events().read(since, null)) {
      if (e.id().equals(id) && e.action().equals("die")) {
        try {
          code = Integer.parseInt(e.attributes().getOrDefault("exitCode", "-1"));
        } catch (NumberFormatException x) {
          // keep the last good one
        }
      }
    }
    return code;
  }

  private static Map<String, Object> waitResult(int code, String error) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("StatusCode", code);
    m.put("Error", error == null || error.isEmpty() ? null : Map.of("Message", error));
    return m;
  }

  // ---- terminal, attach ----

  private Response resize(Request r) {
    Container c = api.container(r.param("id"));
    int h = positive(r, "h");
    int w = positive(r, "w");
    if (!c.state().isRunning()) {
      throw new EngineException.Conflict("cannot resize container " + c.name() + ": it is not running");
    }
    try (ShimClient shim = ShimClient.connect(engine.shimDir(c.id()))) {
      shim.resize(h, w);
    } catch (RuntimeException e) {
      throw new EngineException.Conflict("cannot resize container " + c.name() + ": " + e.getMessage());
    }
    return Response.status(200);
  }

  static int positive(Request r, String name) {
    Integer v = r.queryInt(name);
    if (v == null || v < 0 || v > 65535) {
      throw HttpException.badRequest("invalid " + name + ": a number from 0 to 65535 is required");
    }
    return v;
  }

  private Response attach(Request r) {
    Container c = api.container(r.param("id"));
    boolean stream = r.queryBool("stream", false);
    boolean logs = r.queryBool("logs", false);
    boolean stdin = r.queryBool("stdin", false);
    boolean stdout = r.queryBool("stdout", false);
    boolean stderr = r.queryBool("stderr", false);
    if (!stream && !logs) {
      throw HttpException.badRequest("Bad parameters: you must choose at least one stream");
    }
    if (c.state().status().equals(ContainerState.PAUSED)) {
      throw new EngineException.Conflict("You cannot attach to a paused container, unpause it first");
    }
    DockerExtras x = api.extras.get(c.id());
    boolean tty = c.spec().tty();
    byte[] detachKeys = DetachKeys.parse(Optional.ofNullable(r.query("detachKeys")).orElse(""));
    // Registered now, before the response: the client starts the container once it has it.
    var pending = stream && !c.state().isRunning() ? api.attachments.await(c.id()) : null;
    return takeover(r, tty, conn -> {
      StreamFraming frames = StreamFraming.of(conn.out(), tty);
      if (logs) {
        replayLogs(c.id(), frames, stdout, stderr);
      }
      if (!stream) {
        return;
      }
      StdinPump in = StdinPump.start(conn.in(), stdin && c.spec().openStdin(), tty ? detachKeys : null);
      ShimClient shim;
      if (pending != null) {
        shim = api.attachments.next(c.id(), pending);
      } else {
        try {
          shim = ShimClient.connect(engine.shimDir(c.id()));
        } catch (RuntimeException e) {
          shim = null; // it exited meanwhile
        }
      }
      if (shim == null) {
        return;
      }
      ShimClient client = shim;
      in.onDetach(client::detach);
      // As Docker: the end of the client's input closes the container's stdin for a StdinOnce
      // container without a terminal, and the output goes on to the end; otherwise it ends the
      // attach (a terminal's client has detached; the container must not lose its stdin).
      boolean closeStdin = x.stdinOnce() && !tty;
      if (!closeStdin) {
        in.onEnd(client::detach);
      }
      // The shim's socket is read with poll(2), a native call that would hold a carrier thread
      // of the virtual threads for as long as the attach lasts: a platform thread of its own.
      Thread copy = Thread.ofPlatform().daemon().name("docker-attach " + c.shortId()).start(() -> {
        try {
          client.attach(in.stream(), stdout ? frames.stream(StreamFraming.STDOUT) : null,
              stderr ? frames.stream(tty ? StreamFraming.STDOUT : StreamFraming.STDERR) : null, closeStdin);
        } catch (UncheckedIOException e) {
          // the client went away
        } finally {
          client.detach();
        }
      });
      copy.join();
    });
  }

  /**
   * A response that takes the connection over: 101 with the upgrade headers when the client asked
   * for them (the docker CLI does), else 200 and the stream as the body, as Docker answers both.
   */
  static Response takeover(Request r, boolean tty, Response.Takeover body) {
    String type = tty || !DockerApi.version().atLeast(42) ? "application/vnd.docker.raw-stream"
        : "application/vnd.docker.multiplexed-stream";
    String upgrade = r.header("Upgrade");
    boolean upgrading = upgrade != null && String.valueOf(r.header("Connection")).toLowerCase(java.util.Locale.ROOT).contains("upgrade");
    Response resp = Response.takeover(upgrading ? 101 : 200, type, body);
    if (upgrading) {
      resp.header("Connection", "Upgrade").header("Upgrade", upgrade);
    }
    return resp;
  }

  private void replayLogs(String id, StreamFraming frames, boolean stdout, boolean stderr) throws IOException {
    for (CriLog.Entry e : new CriLog(engine.logPath(id)).read(-1, null)) {
      boolean err = e.stream().equals("stderr");
      if (err ? !stderr : !stdout) {
        continue;
      }
      frames.write(err ? StreamFraming.STDERR : StreamFraming.STDOUT,
          (e.text() + (e.partialAtEnd() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
    }
  }

  // ---- logs ----

  private Response logs(Request r) {
    Container c = api.container(r.param("id"));
    boolean stdout = r.queryBool("stdout", false);
    boolean stderr = r.queryBool("stderr", false);
    if (!stdout && !stderr) {
      throw HttpException.badRequest("Bad parameters: you must choose at least one stream");
    }
    boolean follow = r.queryBool("follow", false);
    boolean timestamps = r.queryBool("timestamps", false);
    String tailParam = r.query("tail");
    int tail;
    try {
      tail = tailParam == null || tailParam.isEmpty() || tailParam.equals("all") ? -1 : Integer.parseInt(tailParam);
    } catch (NumberFormatException e) {
      throw HttpException.badRequest("invalid value for tail: \"" + tailParam + "\" (a number or all)");
    }
    Instant since = logTime(r, "since");
    Instant until = logTime(r, "until");
    boolean tty = c.spec().tty();
    String id = c.id();
    CriLog log = new CriLog(engine.logPath(id));
    String type = tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
    return Response.stream(200, type, chunks -> {
      StreamFraming frames = StreamFraming.of(new ChunkOutput(chunks), tty);
      java.util.function.Consumer<CriLog.Entry> sink = e -> {
        boolean err = e.stream().equals("stderr");
        if ((err ? !stderr : !stdout) || (until != null && e.time().isAfter(until))) {
          return;
        }
        String text = (timestamps ? e.time().toString() + " " : "") + e.text() + (e.partialAtEnd() ? "" : "\n");
        try {
          frames.write(err ? StreamFraming.STDERR : StreamFraming.STDOUT, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException x) {
          throw new UncheckedIOException(x);
        }
      };
      try {
        if (follow && (until == null || until.isAfter(Instant.now()))) {
          log.follow(tail, since, () -> r.clientGone() || !running(id) || (until != null && Instant.now().isAfter(until)), sink);
        } else {
          log.read(tail, since).forEach(sink);
        }
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
    });
  }

  private static Instant logTime(Request r, String name) {
    String v = r.query(name);
    if (v == null || v.isEmpty() || v.equals("0")) {
      return null;
    }
    return Times.parse(name, v);
  }

  private boolean running(String id) {
    try {
      return engine.find(id).map(x -> x.state().isRunning()).orElse(false);
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---- top ----

  /** Docker's top: {@code ps} with the caller's arguments, only the container's processes kept. */
  private Response top(Request r) {
    Container c = api.container(r.param("id"));
    if (!c.state().isRunning()) {
      throw new EngineException.Conflict("Container " + c.id() + " is not running");
    }
    String args = Optional.ofNullable(r.query("ps_args")).filter(s -> !s.isBlank()).orElse("-ef");
    Set<Integer> pids = new HashSet<>(engine.pids(c.id()));
    List<String> cmd = new ArrayList<>(List.of("ps"));
    cmd.addAll(List.of(args.trim().split("\\s+")));
    String output;
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new HttpException(500, "ps " + args + " failed: " + output.strip());
      }
    } catch (IOException e) {
      throw new HttpException(500, "cannot run ps: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpException(500, "interrupted");
    }
    return Response.json(200, Top.parse(output, pids));
  }
}
