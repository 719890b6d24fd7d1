package io.berth.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.ContainerState;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.Event;
import io.berth.image.meta.ImageDatabase;
import io.berth.image.meta.ImageInUseException;
import io.berth.image.meta.ImageNotFoundException;
import io.berth.image.meta.ImageRecord;
import io.berth.oci.InvalidSpecException;
import io.berth.oci.SpecJson;
import io.berth.runtime.ContainerException;
import io.berth.runtime.Signals;
import io.berth.runtime.shim.CriLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Berth's own REST API over an {@link Engine}, version 1: JSON in and out, errors as {@code
 * {"message": "..."}} with 400 (bad input), 404 (no such container, image or volume), 409 (a
 * name taken, a container in the wrong state) or 500. Streams (logs, events) are chunked JSON
 * lines. The routes are listed in {@link #router}.
 */
public final class BerthApi {
  static final String API_VERSION = "1";

  private final Engine engine;

  public BerthApi(Engine engine) {
    this.engine = engine;
  }

  public Router router() {
    return new Router(BerthApi::error)
        .get("/v1/version", r -> Response.json(200, versionInfo()))
        .get("/v1/info", r -> Response.json(200, info()))
        .get("/v1/containers", this::listContainers)
        .post("/v1/containers", this::createContainer)
        .get("/v1/containers/{id}", r -> Response.json(200, engine.get(r.param("id"))))
        .delete("/v1/containers/{id}", r -> {
          engine.remove(r.param("id"), r.queryBool("force", false), r.queryBool("volumes", false));
          return Response.status(204);
        })
        .post("/v1/containers/{id}/start", this::start)
        .post("/v1/containers/{id}/stop", this::stop)
        .post("/v1/containers/{id}/kill", this::kill)
        .post("/v1/containers/{id}/restart", r -> {
          engine.stop(r.param("id"), timeout(r));
          engine.start(r.param("id"));
          return Response.status(204);
        })
        .post("/v1/containers/{id}/pause", r -> {
          engine.pause(r.param("id"));
          return Response.status(204);
        })
        .post("/v1/containers/{id}/unpause", r -> {
          engine.unpause(r.param("id"));
          return Response.status(204);
        })
        .post("/v1/containers/{id}/rename", this::rename)
        .post("/v1/containers/{id}/wait", this::waitFor)
        .get("/v1/containers/{id}/logs", this::logs)
        .post("/v1/containers/{id}/exec", this::exec)
        .post("/v1/containers/{id}/healthcheck", this::healthcheck)
        .get("/v1/events", this::events)
        .get("/v1/images", r -> Response.json(200, images().stream().map(BerthApi::image).toList()))
        .post("/v1/images/pull", this::pull)
        .get("/v1/volumes", r -> Response.json(200, engine.volumes().list()))
        .post("/v1/volumes", this::createVolume)
        .delete("/v1/volumes/{name}", r -> {
          engine.removeVolume(r.param("name"), r.queryBool("force", false));
          return Response.status(204);
        })
        .get("/v1/networks", r -> Response.json(200, engine.networks().list().stream().map(BerthApi::network).toList()))
        .post("/v1/networks", this::createNetwork)
        .get("/v1/networks/{name}", r -> Response.json(200, network(engine.networks().get(r.param("name")))))
        .delete("/v1/networks/{name}", r -> {
          engine.removeNetwork(r.param("name"));
          return Response.status(204);
        })
        .post("/v1/networks/prune", r -> Response.json(200, Map.of("NetworksDeleted", engine.pruneNetworks())))
        .post("/v1/networks/{name}/connect", r -> {
          JsonNode b = body(r, JsonNode.class);
          List<String> aliases = new java.util.ArrayList<>();
          b.path("Aliases").forEach(a -> aliases.add(a.asText()));
          engine.connect(required(b, "Container"),
              new io.berth.engine.ContainerSpec.Attach(r.param("name"), aliases, text(b, "IPAddress"), text(b, "MacAddress")));
          return Response.status(204);
        })
        .post("/v1/networks/{name}/disconnect", r -> {
          engine.disconnect(required(body(r, JsonNode.class), "Container"), r.param("name"));
          return Response.status(204);
        });
  }

  /** A network as this API shows it. */
  static Map<String, Object> network(io.berth.engine.Networks.Network n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", n.name());
    m.put("Id", n.id());
    m.put("Driver", n.driver());
    m.put("Subnet", n.subnet());
    m.put("Gateway", n.gateway());
    m.put("Bridge", n.bridge());
    m.put("Internal", n.internal());
    m.put("DNS", n.dns());
    m.put("Labels", n.labels());
    m.put("Created", n.created());
    return m;
  }

  private Response createNetwork(Request r) {
    JsonNode b = body(r, JsonNode.class);
    Map<String, String> labels = labels(b);
    return Response.json(201, network(HttpException.badRequestOnRefusal(() -> engine.createNetwork(
        new io.berth.engine.Networks.CreateOptions(required(b, "Name"), text(b, "Subnet"), text(b, "Gateway"),
            b.path("Internal").asBoolean(false), labels)))));
  }

  private static Map<String, String> labels(JsonNode b) {
    Map<String, String> labels = new LinkedHashMap<>();
    b.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  private static String required(JsonNode b, String field) {
    String v = text(b, field);
    if (v == null || v.isEmpty()) {
      throw HttpException.badRequest("\"" + field + "\" is required");
    }
    return v;
  }

  /** The status an error is answered with, and its one-line message. */
  static Response error(Exception e) {
    int status = status(e);
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return Response.json(status, Map.of("message", message));
  }

  /**
   * The HTTP status of an engine's refusal: 404 for what does not exist, 409 for a conflict,
   * 400 for bad input, else 500. Berth's API and Docker's answer alike.
   */
  public static int status(Exception e) {
    return switch (e) {
      case HttpException h -> h.status();
      case EngineException.NotFound n -> 404;
      case EngineException.Conflict c -> 409;
      case ImageNotFoundException n -> 404;
      case ImageInUseException c -> 409;
      case io.berth.image.meta.AmbiguousImageException a -> 400;
      case InvalidSpecException bad -> 400;
      case IllegalArgumentException bad -> 400;
      default -> 500;
    };
  }

  // ---- system ----

  static String berthVersion() {
    try (InputStream in = BerthApi.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Map<String, Object> versionInfo() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("Version", berthVersion());
    v.put("ApiVersion", API_VERSION);
    v.put("Os", "linux");
    v.put("Arch", switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> System.getProperty("os.arch");
    });
    v.put("KernelVersion", kernel());
    v.put("JavaVersion", java.lang.Runtime.version().toString());
    return v;
  }

  private static String kernel() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private Map<String, Object> info() {
    List<Container> all = engine.list();
    Map<String, Object> i = new LinkedHashMap<>();
    i.put("Containers", all.size());
    i.put("ContainersRunning", all.stream().filter(c -> c.state().status().equals(ContainerState.RUNNING)).count());
    i.put("ContainersPaused", all.stream().filter(c -> c.state().status().equals(ContainerState.PAUSED)).count());
    i.put("ContainersStopped", all.stream().filter(c -> !c.state().isRunning()).count());
    i.put("Images", images().size());
    i.put("Volumes", engine.volumes().list().size());
    i.put("Root", engine.config().root().toAbsolutePath().toString());
    i.put("RunRoot", engine.config().runRoot().toAbsolutePath().toString());
    i.putAll(versionInfo());
    i.put("NCPU", java.lang.Runtime.getRuntime().availableProcessors());
    return i;
  }

  // ---- containers ----

  private Response listContainers(Request r) {
    boolean all = r.queryBool("all", false);
    return Response.json(200, engine.list().stream().filter(c -> all || c.state().isRunning()).toList());
  }

  private Response createContainer(Request r) {
    ContainerSpec spec = body(r, ContainerSpec.class);
    String name = r.query("name");
    if (name != null && !name.isEmpty()) {
      spec = spec.toBuilder().name(name).build();
    }
    if (spec.image() == null || spec.image().isBlank()) {
      throw HttpException.badRequest("the container spec needs an image");
    }
    // As Docker's API: create never pulls; the client pulls (POST /v1/images/pull) and retries.
    if (engine.images().find(spec.image()).isEmpty()) {
      throw HttpException.notFound("no such image: " + spec.image() + " (pull it first: POST /v1/images/pull?reference="
          + spec.image() + ")");
    }
    // With the image there, what create refuses is the spec: a bad option or value.
    ContainerSpec toCreate = spec;
    Container c = HttpException.badRequestOnRefusal(() -> engine.create(toCreate, p -> {}));
    return Response.json(201, Map.of("Id", c.id(), "Name", c.name(), "Warnings", List.of()));
  }

  private Response start(Request r) {
    Container before = engine.get(r.param("id"));
    if (before.state().isRunning()) {
      return Response.status(304);
    }
    engine.start(before.id());
    return Response.status(204);
  }

  private Response stop(Request r) {
    Container before = engine.get(r.param("id"));
    Integer t = timeout(r);
    engine.stop(before.id(), t);
    return Response.status(before.state().isRunning() ? 204 : 304);
  }

  private static Integer timeout(Request r) {
    Integer t = r.queryInt("t");
    if (t != null && t < -1) {
      throw HttpException.badRequest("t must be -1 (wait forever) or more, got " + t);
    }
    return t == null ? null : t == -1 ? Integer.MAX_VALUE / 2 : t;
  }

  private Response kill(Request r) {
    String s = r.query("signal");
    int signal;
    try {
      signal = s == null || s.isEmpty() ? 9 : Signals.parse(s);
    } catch (ContainerException | NumberFormatException e) {
      throw HttpException.badRequest("invalid signal \"" + s + "\"");
    }
    engine.kill(r.param("id"), signal);
    return Response.status(204);
  }

  private Response rename(Request r) {
    String name = r.query("name");
    if (name == null || name.isEmpty()) {
      throw HttpException.badRequest("rename needs ?name=NEW");
    }
    HttpException.badRequestOnRefusal(() -> engine.rename(r.param("id"), name));
    return Response.status(204);
  }

  /**
   * Blocks until the container is not running (or the client hangs up). A container removed on
   * its exit (--rm) is answered from its die event, as its record is gone.
   */
  private Response waitFor(Request r) {
    Instant begin = Instant.now().minusSeconds(1);
    // Not brought up to date first: a run that has just ended is answered from its exit.json, and
    // its teardown (runtime delete, unmount, --rm) is left to the monitor or the next reader.
    Container c = engine.peek(r.param("id"));
    try {
      while (c.state().isRunning()) {
        if (r.clientGone()) {
          return Response.status(204); // nobody will read it
        }
        var exit = engine.awaitExit(c, Duration.ofMillis(500));
        if (exit.isPresent()) {
          return Response.json(200, Map.of("StatusCode", exit.get().exitCode()));
        }
        c = engine.get(c.id());
      }
    } catch (EngineException.NotFound gone) {
      String id = c.id();
      Integer code = engine.events().read(begin, null).stream()
          .filter(e -> e.id().equals(id) && e.action().equals("die"))
          .map(e -> Integer.valueOf(e.attributes().getOrDefault("exitCode", "-1")))
          .reduce((a, b) -> b).orElse(null);
      if (code == null) {
        throw gone;
      }
      return Response.json(200, Map.of("StatusCode", code));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("StatusCode", c.state().exitCode());
    if (c.state().error() != null) {
      out.put("Error", Map.of("Message", c.state().error()));
    }
    return Response.json(200, out);
  }

  /**
   * The container's output as JSON lines {@code {"time", "stream", "text"}} ({@code time} left
   * out with {@code timestamps=false}); with {@code follow} the stream goes on until the container
   * stops or the client hangs up.
   */
  private Response logs(Request r) {
    Container c = engine.get(r.param("id"));
    boolean follow = r.queryBool("follow", false);
    boolean timestamps = r.queryBool("timestamps", true);
    String tailParam = r.query("tail");
    int tail;
    try {
      tail = tailParam == null || tailParam.isEmpty() || tailParam.equals("all") ? -1 : Integer.parseInt(tailParam);
    } catch (NumberFormatException e) {
      throw HttpException.badRequest("tail must be a number or all, got \"" + tailParam + "\"");
    }
    Instant since = time(r, "since");
    CriLog log = new CriLog(engine.logPath(c.id()));
    String id = c.id();
    return Response.stream(200, "application/x-ndjson", out -> {
      java.util.function.Consumer<CriLog.Entry> sink = e -> {
        Map<String, Object> line = new LinkedHashMap<>();
        if (timestamps) {
          line.put("time", e.time().toString());
        }
        line.put("stream", e.stream());
        line.put("text", e.text());
        try {
          out.write(jsonLine(line));
        } catch (IOException x) {
          throw new UncheckedIOException(x);
        }
      };
      try {
        if (follow) {
          log.follow(tail, since, () -> r.clientGone() || !running(id), sink);
        } else {
          log.read(tail, since).forEach(sink);
        }
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
    });
  }

  private boolean running(String id) {
    try {
      return engine.find(id).map(x -> x.state().isRunning()).orElse(false);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A detached exec: {@code {"Cmd": [...], "Env": [...], "User": "", "WorkingDir": "", "Privileged": false}}. */
  private Response exec(Request r) {
    JsonNode b = body(r, JsonNode.class);
    List<String> cmd = strings(b, "Cmd");
    if (cmd.isEmpty()) {
      throw HttpException.badRequest("exec needs a non-empty Cmd");
    }
    engine.execDetached(r.param("id"), new Engine.ExecSpec(cmd, strings(b, "Env"), text(b, "User"),
        text(b, "WorkingDir"), false, b.path("Privileged").asBoolean(false)));
    return Response.status(204);
  }

  private Response healthcheck(Request r) {
    Container c = engine.get(r.param("id"));
    if (engine.health(c).isEmpty()) {
      throw new EngineException.Conflict("container " + c.name() + " has no health check");
    }
    return Response.json(200, engine.runHealthCheck(c.id()));
  }

  // ---- events ----

  /** Events as JSON lines, past ones from {@code since} and then new ones, until {@code until} or the client leaves. */
  private Response events(Request r) {
    Instant since = time(r, "since");
    Instant until = time(r, "until");
    if (since == null) {
      since = Instant.now(); // as Docker: without since, only what happens from now on
    }
    Instant from = since;
    return Response.stream(200, "application/x-ndjson", out -> {
      try {
        engine.events().follow(from, until, r::clientGone, (Event e) -> {
          try {
            out.write(jsonLine(e));
          } catch (IOException x) {
            throw new UncheckedIOException(x);
          }
        });
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
    });
  }

  // ---- images and volumes ----

  private List<ImageRecord> images() {
    try (ImageDatabase db = ImageDatabase.open(engine.config().root().resolve("images.db"))) {
      return db.list();
    }
  }

  /** An image as the API shows it (the record's times as RFC 3339 text). */
  private static Map<String, Object> image(ImageRecord i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Id", i.id());
    m.put("Names", i.names());
    m.put("ManifestDigest", i.manifestDigest());
    if (i.indexDigest() != null) {
      m.put("IndexDigest", i.indexDigest());
    }
    m.put("Created", i.created() == null ? null : i.created().toString());
    m.put("Size", i.size());
    m.put("Architecture", i.architecture());
    m.put("Os", i.os());
    m.put("Layers", i.layerDigests());
    return m;
  }

  private Response pull(Request r) {
    String ref = r.query("reference");
    if (ref == null || ref.isEmpty()) {
      throw HttpException.badRequest("pull needs ?reference=IMAGE");
    }
    return Response.json(200, image(engine.images().pullOrLocal(ref, r.queryBool("tlsVerify", true), p -> {})));
  }

  private Response createVolume(Request r) {
    JsonNode b = r.body().length == 0 ? SpecJson.mapper().createObjectNode() : body(r, JsonNode.class);
    String name = text(b, "Name");
    if (name == null || name.isEmpty()) {
      byte[] id = new byte[32];
      new java.security.SecureRandom().nextBytes(id);
      name = HexFormat.of().formatHex(id);
    }
    Map<String, String> labels = labels(b);
    String n = name;
    return Response.json(201, HttpException.badRequestOnRefusal(() -> engine.volumes().create(n, labels, false)));
  }

  // ---- helpers ----

  /** Request bodies leave out what they do not set: a missing boolean or number is false or 0. */
  private static final com.fasterxml.jackson.databind.ObjectMapper BODIES = SpecJson.mapper().copy()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

  private static <T> T body(Request r, Class<T> type) {
    if (r.body().length == 0) {
      throw HttpException.badRequest("a JSON body is required");
    }
    try {
      T value = BODIES.readValue(r.body(), type);
      if (value == null) {
        throw HttpException.badRequest("a JSON body is required");
      }
      return value;
    } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
      throw HttpException.badRequest("request body: " + e.getOriginalMessage() + " at " + e.getPathReference());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw HttpException.badRequest("request body: malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> strings(JsonNode b, String field) {
    JsonNode n = b.path(field);
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw HttpException.badRequest(field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    n.forEach(x -> out.add(x.asText()));
    return out;
  }

  private static String text(JsonNode b, String field) {
    JsonNode n = b.path(field);
    return n.isMissingNode() || n.isNull() ? null : n.asText();
  }

  /** A time as Docker's API takes them: Unix seconds (with a fraction) or RFC 3339. */
  static Instant time(Request r, String name) {
    String v = r.query(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      if (v.matches("\\d+(\\.\\d+)?")) {
        java.math.BigDecimal d = new java.math.BigDecimal(v);
        return Instant.ofEpochSecond(d.longValue(), d.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
      }
      return Instant.parse(v);
    } catch (DateTimeParseException | ArithmeticException e) {
      throw HttpException.badRequest(name + " must be Unix seconds or an RFC 3339 time, got \"" + v + "\"");
    }
  }

  private static byte[] jsonLine(Object value) {
    return (SpecJson.toString(value) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
