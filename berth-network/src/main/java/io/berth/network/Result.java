package io.berth.network;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.json.Json;
import io.berth.json.JsonException;
import io.berth.oci.SpecJson;
import java.util.List;

/**
 * A CNI ADD result in the 1.0.0 shape. Results of older plugins are converted on reading, so
 * callers see one shape; the plugins themselves are always handed the JSON they produced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Result(
    String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<Route> routes, Dns dns) {

  public Result {
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    ips = ips == null ? List.of() : List.copyOf(ips);
    routes = routes == null ? List.of() : List.copyOf(routes);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Interface(String name, String mac, Integer mtu, String sandbox) {}

  /** An address in CIDR form ("10.1.2.3/24"); {@code interface} indexes {@link #interfaces}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record IpConfig(
      String address, String gateway,
      @com.fasterxml.jackson.annotation.JsonProperty("interface") Integer iface) {
    /** The address without its prefix length. */
    public String ip() {
      int slash = address.indexOf('/');
      return slash < 0 ? address : address.substring(0, slash);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Route(String dst, String gw, Integer mtu, Integer advmss, Integer priority, Integer table, Integer scope) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {}

  /**
   * Reads a result of any version: 1.x as is; 0.3.0–0.4.0 by dropping {@code ips[].version}
   * (1.0.0 infers it from the address); 0.1.0/0.2.0 by turning {@code ip4}/{@code ip6} into
   * {@code ips} and their routes into {@code routes}.
   */
  public static Result fromJson(JsonNode raw) {
    // Bound by Json, not Jackson's convertValue: a container's start reads its result, and on a
    // cold JVM Jackson's first binding of these records costs more than the plugin's answer.
    try {
      return Json.read(SpecJson.toBytes(toCurrent(raw)), Result.class);
    } catch (JsonException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public static Result fromJson(byte[] raw, String what) {
    try {
      return fromJson(SpecJson.mapper().readTree(raw));
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": not a CNI result: " + e.getMessage(), e);
    }
  }

  public JsonNode toJson() {
    return SpecJson.mapper().valueToTree(this);
  }

  /** The 1.0.0 form of {@code raw} as JSON (a copy; {@code raw} is left alone). */
  static ObjectNode toCurrent(JsonNode raw) {
    if (raw == null || !raw.isObject()) {
      throw new IllegalArgumentException("a CNI result must be a JSON object");
    }
    ObjectNode r = ((ObjectNode) raw).deepCopy();
    String v = r.path("cniVersion").asText("");
    if (v.isEmpty() || !CniVersion.isSupported(v)) {
      throw new IllegalArgumentException("unsupported result cniVersion \"" + v + "\"");
    }
    if (CniVersion.atLeast(v, "1.0.0")) {
      return r;
    }
    if (CniVersion.atLeast(v, "0.3.0")) {
      for (JsonNode ip : r.withArray("ips")) {
        ((ObjectNode) ip).remove("version");
      }
    } else {
      ArrayNode ips = SpecJson.mapper().createArrayNode();
      ArrayNode routes = SpecJson.mapper().createArrayNode();
      for (String key : List.of("ip4", "ip6")) {
        JsonNode old = r.remove(key);
        if (old == null || !old.isObject()) {
          continue;
        }
        ObjectNode ip = ips.addObject().put("address", old.path("ip").asText());
        if (old.hasNonNull("gateway")) {
          ip.put("gateway", old.get("gateway").asText());
        }
        for (JsonNode route : old.path("routes")) {
          routes.add(route.deepCopy());
        }
      }
      r.set("ips", ips);
      r.set("routes", routes);
    }
    r.put("cniVersion", "1.0.0");
    return r;
  }
}
