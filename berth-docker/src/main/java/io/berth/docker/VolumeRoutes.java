package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.EngineException;
import io.berth.engine.Volumes;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The volume routes, on the engine's local volumes. */
final class VolumeRoutes {
  /** The label Docker gives the volumes it makes for a container alone. */
  static final String ANONYMOUS = "com.docker.volume.anonymous";

  private final DockerApi api;

  VolumeRoutes(DockerApi api) {
    this.api = api;
  }

  void register(Router r) {
    r.get("/volumes", this::list)
        .post("/volumes/create", this::create)
        .post("/volumes/prune", this::prune)
        .get("/volumes/{name}", req -> Response.json(200, volume(get(req.param("name")), -1)))
        .delete("/volumes/{name}", this::remove)
        .add("PUT", "/volumes/{name}", req -> {
          throw DockerErrors.notImplemented("updating a volume is only for cluster volumes, which Berth does not have");
        });
  }

  private Volumes.Volume get(String name) {
    return api.engine.volumes().find(name).orElseThrow(() -> HttpException.notFound("get " + name + ": no such volume"));
  }

  static Map<String, Object> volume(Volumes.Volume v, long size) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("CreatedAt", v.createdAt());
    m.put("Driver", v.driver());
    Map<String, String> labels = new LinkedHashMap<>(v.labels());
    if (v.anonymous()) {
      labels.put(ANONYMOUS, "");
    }
    m.put("Labels", labels);
    m.put("Mountpoint", v.mountpoint());
    m.put("Name", v.name());
    m.put("Options", Map.of());
    m.put("Scope", "local");
    return m;
  }

  private Response list(Request r) {
    Filters f = Filters.parse(r.query("filters"), Set.of("dangling", "driver", "label", "name"));
    Boolean dangling = f.bool("dangling");
    List<Map<String, Object>> out = new ArrayList<>();
    for (Volumes.Volume v : api.engine.volumes().list()) {
      if (dangling != null && dangling != api.engine.usersOf(v.name()).isEmpty()) {
        continue;
      }
      if (!f.any("driver", d -> d.equals(v.driver())) || !f.any("name", n -> v.name().contains(n))
          || !f.labelsMatch("label", volume(v, -1).get("Labels") instanceof Map<?, ?> l ? stringMap(l) : Map.of())) {
        continue;
      }
      out.add(volume(v, -1));
    }
    return Response.json(200, Map.of("Volumes", out, "Warnings", List.of()));
  }

  private static Map<String, String> stringMap(Map<?, ?> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    return out;
  }

  private Response create(Request r) {
    JsonNode b = Json.body(r, true);
    String name = CreateRequest.text(b, "Name");
    String driver = CreateRequest.text(b, "Driver");
    if (driver != null && !driver.isEmpty() && !driver.equals("local")) {
      throw HttpException.notFound("plugin \"" + driver + "\" not found: Berth's volumes use the local driver");
    }
    if (!CreateRequest.stringMap(b, "DriverOpts").isEmpty()) {
      throw HttpException.badRequest("DriverOpts are not supported by Berth's local volumes (a directory on the host)");
    }
    boolean anonymous = name == null || name.isEmpty();
    if (anonymous) {
      byte[] id = new byte[32];
      new java.security.SecureRandom().nextBytes(id);
      name = HexFormat.of().formatHex(id);
    }
    String n = name;
    return Response.json(201, volume(HttpException.badRequestOnRefusal(
        () -> api.engine.volumes().create(n, CreateRequest.stringMap(b, "Labels"), anonymous)), -1));
  }

  private Response remove(Request r) {
    String name = r.param("name");
    get(name);
    boolean force = r.queryBool("force", false);
    List<Container> users = api.engine.usersOf(name);
    if (!users.isEmpty()) {
      // Docker refuses even with force: force only ignores a volume that is not there.
      throw new HttpException(409, "remove " + name + ": volume is in use - [" + String.join(", ",
          users.stream().map(Container::id).toList()) + "]");
    }
    try {
      api.engine.removeVolume(name, force);
    } catch (EngineException.NotFound e) {
      if (!force) {
        throw HttpException.notFound("get " + name + ": no such volume");
      }
    }
    return Response.status(204);
  }

  /**
   * Removes the volumes no container uses: from API 1.42 on only anonymous ones unless {@code
   * all=true} is among the filters, as Docker.
   */
  private Response prune(Request r) {
    Filters f = Filters.parse(r.query("filters"), Set.of("all", "label", "label!"));
    Boolean all = f.bool("all");
    boolean named = (all != null && all) || !DockerApi.version().atLeast(42);
    List<String> deleted = new ArrayList<>();
    long reclaimed = 0;
    for (Volumes.Volume v : api.engine.volumes().list()) {
      if ((!named && !v.anonymous()) || !api.engine.usersOf(v.name()).isEmpty()) {
        continue;
      }
      if (!f.labelsMatch("label", v.labels()) || f.get("label!").stream().anyMatch(x -> Filters.labelHolds(x, v.labels()))) {
        continue;
      }
      long size = SystemRoutes.treeSize(java.nio.file.Path.of(v.mountpoint()));
      try {
        api.engine.removeVolume(v.name(), false);
        deleted.add(v.name());
        reclaimed += Math.max(0, size);
      } catch (EngineException e) {
        // taken meanwhile
      }
    }
    return Response.json(200, Map.of("VolumesDeleted", deleted, "SpaceReclaimed", reclaimed));
  }
}
