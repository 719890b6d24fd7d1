package io.berth.docker;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.Networks;
import io.berth.server.HttpException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's network names over Berth's: Docker's default network {@code bridge} is Berth's
 * default network {@code berth} (shown as bridge through this API, as dockerd shows its own);
 * {@code host}, {@code none} and {@code container:NAME} are modes; every other name is a Berth
 * network (CNI) the container joins.
 */
final class DockerNetworks {
  /** Modes and the default network, which every daemon has ({@code docker network ls}). */
  static final List<String> BUILT_IN = List.of("bridge", "host", "none");

  private DockerNetworks() {}

  /** Berth's name of a network Docker's clients name. */
  static String berthName(String docker) {
    return docker == null || docker.isEmpty() || docker.equals("bridge") || docker.equals("default")
        ? Networks.DEFAULT : docker;
  }

  /** The name Docker's clients see for a Berth network. */
  static String dockerName(String berth) {
    return berth.equals(Networks.DEFAULT) ? "bridge" : berth;
  }

  /** HostConfig.NetworkMode as Docker shows it. */
  static String dockerMode(Container c) {
    return io.berth.engine.NetworkViews.mode(c, DockerNetworks::dockerName);
  }

  /** Whether a container is on a network (by Docker's name or a network's ID), for filters. */
  static boolean on(Container c, String nameOrId, io.berth.engine.Engine engine) {
    String mode = c.spec().network();
    if (mode != null && !mode.equals("bridge") && !mode.equals("default")) {
      return mode.equals(nameOrId);
    }
    List<ContainerSpec.Attach> nets = c.spec().networkOptions().networks();
    List<String> names = nets.isEmpty() ? List.of(Networks.DEFAULT) : nets.stream().map(ContainerSpec.Attach::name).toList();
    String wanted = berthName(nameOrId);
    for (String n : names) {
      if (n.equals(wanted) || engine.networks().find(n).map(x -> x.id().startsWith(nameOrId)).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The network side of a create: HostConfig.NetworkMode with NetworkingConfig.EndpointsConfig
   * (aliases, IPAMConfig.IPv4Address, MacAddress per network; several networks from API 1.44),
   * PortBindings, PublishAllPorts, ExposedPorts, Dns, DnsSearch, DnsOptions and ExtraHosts.
   *
   * @return the mode (null for networks) and the options
   */
  static Map.Entry<String, ContainerSpec.NetworkOptions> fromCreate(JsonNode body, JsonNode host, List<String> exposed) {
    String mode = CreateRequest.text(host, "NetworkMode");
    if (body.path("NetworkDisabled").asBoolean(false)) {
      mode = "none";
    }
    mode = mode == null ? "" : mode;
    JsonNode endpoints = body.path("NetworkingConfig").path("EndpointsConfig");
    String mac = CreateRequest.text(body, "MacAddress");
    List<ContainerSpec.Attach> nets = new ArrayList<>();
    String engineMode = null;
    if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
      engineMode = mode;
    } else {
      String first = mode.isEmpty() || mode.equals("default") ? "bridge" : mode;
      nets.add(attach(first, endpoints.path(first), mac));
      if (endpoints.isObject()) {
        for (Map.Entry<String, JsonNode> e : endpoints.properties()) {
          if (!e.getKey().equals(first) && !(first.equals("bridge") && e.getKey().equals("default"))) {
            nets.add(attach(e.getKey(), e.getValue(), null));
          }
        }
      }
    }
    List<String> publish = new ArrayList<>();
    JsonNode bindings = host.path("PortBindings");
    if (bindings.isObject()) {
      for (Map.Entry<String, JsonNode> e : bindings.properties()) {
        String port = e.getKey();
        if (!port.matches("\\d{1,5}(-\\d{1,5})?(/(tcp|udp))?")) {
          throw HttpException.badRequest("invalid port \"" + port + "\" in PortBindings: expected PORT[/tcp|udp]");
        }
        if (!e.getValue().isArray() || e.getValue().isEmpty()) {
          publish.add(port); // published on a free host port, as docker's -p PORT
          continue;
        }
        for (JsonNode b : e.getValue()) {
          String ip = CreateRequest.text(b, "HostIp");
          String hostPort = CreateRequest.text(b, "HostPort");
          ip = ip == null ? "" : ip;
          if (ip.equals("0.0.0.0") || ip.equals("::")) {
            ip = "";
          }
          String ipPart = ip.isEmpty() ? "" : (ip.contains(":") ? "[" + ip + "]" : ip) + ":";
          publish.add(ipPart + (hostPort == null ? "" : hostPort) + (ipPart.isEmpty() && (hostPort == null || hostPort.isEmpty()) ? "" : ":") + port);
        }
      }
    }
    if (engineMode != null && !engineMode.startsWith("container:") && (!publish.isEmpty() || host.path("PublishAllPorts").asBoolean(false))) {
      publish.clear(); // dockerd ignores published ports with the host's or no network
    }
    ContainerSpec.NetworkOptions opts = new ContainerSpec.NetworkOptions(nets, publish,
        engineMode == null && host.path("PublishAllPorts").asBoolean(false), exposed, strings(host, "Dns"),
        strings(host, "DnsSearch"), strings(host, "DnsOptions"), strings(host, "ExtraHosts"));
    return new java.util.AbstractMap.SimpleImmutableEntry<>(engineMode, opts);
  }

  private static ContainerSpec.Attach attach(String dockerName, JsonNode endpoint, String mac) {
    List<String> aliases = new ArrayList<>();
    for (JsonNode a : endpoint.path("Aliases")) {
      aliases.add(a.asText());
    }
    String ip = CreateRequest.text(endpoint.path("IPAMConfig"), "IPv4Address");
    String ownMac = CreateRequest.text(endpoint, "MacAddress");
    return new ContainerSpec.Attach(berthName(dockerName), aliases, ip == null || ip.isEmpty() ? null : ip,
        ownMac != null && !ownMac.isEmpty() ? ownMac : mac == null || mac.isEmpty() ? null : mac);
  }

  private static List<String> strings(JsonNode n, String field) {
    List<String> out = new ArrayList<>();
    for (JsonNode v : n.path(field)) {
      out.add(v.asText());
    }
    return out;
  }

  /** The endpoint settings of one attachment, for NetworkSettings.Networks. */
  static Map<String, Object> endpoint(Map<String, Object> berth) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("IPAMConfig", null);
    e.put("Links", null);
    e.put("Aliases", berth.get("Aliases"));
    e.put("MacAddress", berth.getOrDefault("MacAddress", ""));
    e.put("NetworkID", berth.getOrDefault("NetworkID", ""));
    e.put("EndpointID", berth.getOrDefault("EndpointID", ""));
    e.put("Gateway", berth.getOrDefault("Gateway", ""));
    e.put("IPAddress", berth.getOrDefault("IPAddress", ""));
    e.put("IPPrefixLen", berth.getOrDefault("IPPrefixLen", 0));
    e.put("IPv6Gateway", "");
    e.put("GlobalIPv6Address", "");
    e.put("GlobalIPv6PrefixLen", 0);
    e.put("DriverOpts", null);
    e.put("DNSNames", null);
    return e;
  }
}
