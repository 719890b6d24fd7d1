package io.berth.docker;

import io.berth.server.HttpException;
import io.berth.server.Request;
import io.berth.server.Response;
import io.berth.server.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The networks every container can be put on ({@link Networks}), listed and inspected read-only.
 * Creating networks and connecting containers to them are answered 501 until the engine has
 * networks of its own.
 */
final class NetworkRoutes {
  void register(Router r) {
    r.get("/networks", req -> {
      List<Map<String, Object>> out = new ArrayList<>();
      for (String n : Networks.BUILT_IN) {
        out.add(network(n));
      }
      return Response.json(200, out);
    })
        .get("/networks/{id}", req -> Response.json(200, network(find(req.param("id")))))
        .post("/networks/create", this::notYet)
        .post("/networks/{id}/connect", this::notYet)
        .post("/networks/{id}/disconnect", this::notYet)
        .post("/networks/prune", req -> Response.json(200, Map.of("NetworksDeleted", List.of())))
        .delete("/networks/{id}", req -> {
          String n = find(req.param("id"));
          throw new HttpException(403, n + " is a pre-defined network and cannot be removed");
        });
  }

  private Response notYet(Request r) {
    throw DockerErrors.notImplemented("user-defined networks are not supported by this Berth daemon yet;"
        + " containers can use the bridge, host and none networks");
  }

  private static String find(String nameOrId) {
    for (String n : Networks.BUILT_IN) {
      if (n.equals(nameOrId) || id(n).startsWith(nameOrId) && nameOrId.length() >= 3) {
        return n;
      }
    }
    throw HttpException.notFound("network " + nameOrId + " not found");
  }

  /** A stable ID per built-in network (Docker's are random; tools only need them unique). */
  static String id(String name) {
    return io.berth.image.spec.Digest.of(("berth-network-" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex();
  }

  private static Map<String, Object> network(String name) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", name);
    m.put("Id", id(name));
    m.put("Created", "0001-01-01T00:00:00Z");
    m.put("Scope", "local");
    m.put("Driver", name.equals("none") ? "null" : name);
    m.put("EnableIPv4", !name.equals("none") && !name.equals("host"));
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
}
