package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.Engine;
import io.berth.engine.EngineException;
import io.berth.engine.NetworkViews;
import io.berth.engine.Networks;
import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's /networks over Berth's networks: the default network (Docker's {@code bridge}), the
 * {@code host} and {@code none} modes, and the networks users make (bridge networks with their
 * own subnet and name resolution); create, inspect, list with filters, remove, connect,
 * disconnect and prune.
 */
final class NetworkRoutes {
  private static final java.util.Set<String> LIST_FILTERS = java.util.Set.of("name", "id", "label", "driver", "type", "scope");
  private final Engine engine;

  NetworkRoutes(Engine engine) {
    this.engine = engine;
  }

  void register(Router r) {
    r.get("/networks", this::list)
        .get("/networks/{id}", req -> Response.json(200, inspect(req.param("id"))))
        .post("/networks/create", this::create)
        .post("/networks/{id}/connect", this::connect)
        .post("/networks/{id}/disconnect", this::disconnect)
        .post("/networks/prune", req -> {
          List<String> removed = engine.pruneNetworks();
          return Response.json(200, Map.of("NetworksDeleted", removed));
        })
        .delete("/networks/{id}", req -> {
          String id = req.param("id");
          if (id.equals("host") || id.equals("none") || id.equals("bridge")) {
            throw new HttpException(403, id + " is a pre-defined network and cannot be removed");
          }
          engine.removeNetwork(berthNetwork(id).name());
          return Response.status(204);
        });
  }

  /** The Berth network a Docker client names (name, ID or ID prefix); 404 when there is none. */
  private Networks.Network berthNetwork(String nameOrId) {
    return engine.networks().find(DockerNetworks.berthName(nameOrId))
        .orElseThrow(() -> HttpException.notFound("network " + nameOrId + " not found"));
  }

  private Map<String, Object> inspect(String nameOrId) {
    if (nameOrId.equals("host") || nameOrId.equals("none")) {
      return mode(nameOrId);
    }
    Networks.Network n = nameOrId.equals("bridge") ? engine.networks().forAttach(Networks.DEFAULT) : berthNetwork(nameOrId);
    return document(n, engine.list());
  }

  private Map<String, Object> document(Networks.Network n, List<Container> containers) {
    Map<String, Object> m = NetworkViews.network(n, containers, DockerNetworks::dockerName);
    m.put("EnableIPv4", true);
    if (n.name().equals(Networks.DEFAULT)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> options = new LinkedHashMap<>((Map<String, Object>) m.get("Options"));
      options.put("com.docker.network.bridge.default_bridge", "true");
      m.put("Options", options);
    }
    return m;
  }

  /** host and none: modes, not networks; shown as dockerd shows them. */
  private static Map<String, Object> mode(String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", name);
    m.put("Id", io.berth.image.spec.Digest.of(("berth-network-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex());
    m.put("Created", "0001-01-01T00:00:00Z");
    m.put("Scope", "local");
    m.put("Driver", name.equals("none") ? "null" : name);
    m.put("EnableIPv4", false);
    m.put("EnableIPv6", false);
    m.put("IPAM", Map.of("Driver", "default", "Options", Map.of(), "Config", List.of()));
    m.put("Internal", false);
    m.put("Attachable", false);
    m.put("Ingress", false);
    m.put("ConfigFrom", Map.of("Network", ""));
    m.put("ConfigOnly", false);
    m.put("Containers", Map.of());
    m.put("Options", Map.of());
    m.put("Labels", Map.of());
    return m;
  }

  private Response list(Request r) {
    Filters f = Filters.parse(r.query("filters"), LIST_FILTERS);
    List<Container> containers = engine.list();
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(document(engine.networks().forAttach(Networks.DEFAULT), containers));
    for (Networks.Network n : engine.networks().list()) {
      if (!n.name().equals(Networks.DEFAULT)) {
        out.add(document(n, containers));
      }
    }
    out.add(mode("host"));
    out.add(mode("none"));
    out.removeIf(m -> !matches(f, m));
    return Response.json(200, out);
  }

  private static boolean matches(Filters f, Map<String, Object> m) {
    String name = (String) m.get("Name");
    String id = (String) m.get("Id");
    @SuppressWarnings("unchecked")
    Map<String, String> labels = (Map<String, String>) m.get("Labels");
    boolean predefined = List.of("bridge", "host", "none").contains(name);
    return f.any("name", v -> name.contains(v))
        && f.any("id", v -> id.startsWith(v))
        && f.any("driver", v -> v.equals(m.get("Driver")))
        && f.any("scope", v -> v.equals("local"))
        && f.any("type", v -> v.equals(predefined ? "builtin" : "custom"))
        && f.labelsMatch("label", labels);
  }

  private Response create(Request r) {
    JsonNode b = Json.body(r, true);
    String name = CreateRequest.text(b, "Name");
    if (name == null || name.isEmpty()) {
      throw HttpException.badRequest("network name is required");
    }
    String driver = CreateRequest.text(b, "Driver");
    if (driver != null && !driver.isEmpty() && !driver.equals("bridge")) {
      throw HttpException.badRequest("network driver \"" + driver + "\" is not supported: Berth makes bridge networks");
    }
    if (b.path("EnableIPv6").asBoolean(false)) {
      throw HttpException.badRequest("IPv6 networks are not supported by Berth yet");
    }
    if (DockerNetworks.BUILT_IN.contains(name)) {
      throw new HttpException(409, "network with name " + name + " already exists");
    }
    String subnet = null;
    String gateway = null;
    JsonNode config = b.path("IPAM").path("Config");
    if (config.isArray() && !config.isEmpty()) {
      if (config.size() > 1) {
        throw HttpException.badRequest("Berth networks have one subnet; IPAM.Config lists " + config.size());
      }
      subnet = CreateRequest.text(config.get(0), "Subnet");
      gateway = CreateRequest.text(config.get(0), "Gateway");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    b.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    String s = subnet;
    String g = gateway;
    Networks.Network n = HttpException.badRequestOnRefusal(() -> engine.createNetwork(new Networks.CreateOptions(name,
        emptyToNull(s), emptyToNull(g), b.path("Internal").asBoolean(false), labels)));
    return Response.json(201, Map.of("Id", n.id(), "Warning", ""));
  }

  private Response connect(Request r) {
    JsonNode b = Json.body(r, true);
    String container = required(b, "Container");
    Networks.Network n = r.param("id").equals("bridge") ? engine.networks().forAttach(Networks.DEFAULT) : berthNetwork(r.param("id"));
    JsonNode endpoint = b.path("EndpointConfig");
    List<String> aliases = new ArrayList<>();
    endpoint.path("Aliases").forEach(a -> aliases.add(a.asText()));
    String ip = CreateRequest.text(endpoint.path("IPAMConfig"), "IPv4Address");
    String mac = CreateRequest.text(endpoint, "MacAddress");
    try {
      engine.connect(container, new ContainerSpec.Attach(n.name(), aliases, emptyToNull(ip), emptyToNull(mac)));
    } catch (EngineException.Conflict e) {
      throw new HttpException(403, e.getMessage());
    } catch (EngineException.NotFound e) {
      throw e;
    } catch (EngineException e) {
      throw HttpException.badRequest(e.getMessage());
    }
    return Response.status(200);
  }

  private Response disconnect(Request r) {
    JsonNode b = Json.body(r, true);
    String container = required(b, "Container");
    String network = r.param("id").equals("bridge") ? Networks.DEFAULT : berthNetwork(r.param("id")).name();
    engine.disconnect(container, network);
    return Response.status(200);
  }

  private static String required(JsonNode b, String field) {
    String v = CreateRequest.text(b, field);
    if (v == null || v.isEmpty()) {
      throw HttpException.badRequest(field + " is required");
    }
    return v;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
