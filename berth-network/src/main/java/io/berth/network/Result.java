package io.berth.network;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.berth.json.Json;
import io.berth.json.JsonException;
import io.berth.json.JsonTrees;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
   * {@code ips} and their routes into {@code routes}. {@code raw} is the result as Json reads
   * it untyped (a map).
   */
  public static Result fromJson(Object raw) {
    try {
      return Json.convert(toCurrent(raw), Result.class);
    } catch (JsonException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  public static Result fromJson(byte[] raw, String what) {
    try {
      return fromJson(Json.read(raw, Object.class));
    } catch (JsonException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": not a CNI result: " + e.getMessage(), e);
    }
  }

  /** This result as a tree (maps and lists). */
  public Map<String, Object> toJson() {
    return JsonTrees.tree(this);
  }

  /** The 1.0.0 form of {@code raw} as a tree (a copy; {@code raw} is left alone). */
  static Map<String, Object> toCurrent(Object raw) {
    Map<String, Object> r = JsonTrees.copy(JsonTrees.asObject(raw));
    if (r == null) {
      throw new IllegalArgumentException("a CNI result must be a JSON object");
    }
    String v = r.get("cniVersion") instanceof String s ? s : "";
    if (v.isEmpty() || !CniVersion.isSupported(v)) {
      throw new IllegalArgumentException("unsupported result cniVersion \"" + v + "\"");
    }
    if (CniVersion.atLeast(v, "1.0.0")) {
      return r;
    }
    if (CniVersion.atLeast(v, "0.3.0")) {
      for (Object ip : JsonTrees.withArray(r, "ips")) {
        if (ip instanceof Map<?, ?> m) {
          m.remove("version");
        }
      }
    } else {
      List<Object> ips = new ArrayList<>();
      List<Object> routes = new ArrayList<>();
      for (String key : List.of("ip4", "ip6")) {
        Map<String, Object> old = JsonTrees.asObject(r.remove(key));
        if (old == null) {
          continue;
        }
        Map<String, Object> ip = JsonTrees.object("address", old.get("ip") == null ? "" : String.valueOf(old.get("ip")));
        if (old.get("gateway") != null) {
          ip.put("gateway", String.valueOf(old.get("gateway")));
        }
        ips.add(ip);
        if (old.get("routes") instanceof List<?> rs) {
          routes.addAll(rs);
        }
      }
      r.put("ips", ips);
      r.put("routes", routes);
    }
    r.put("cniVersion", "1.0.0");
    return r;
  }
}
