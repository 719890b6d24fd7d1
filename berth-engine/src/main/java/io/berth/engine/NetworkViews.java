package io.berth.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Networks and a container's network side as Docker's documents show them (network inspect,
 * NetworkSettings, PortBindings, the PORTS column), for the CLI and the Docker API alike.
 */
public final class NetworkViews {
  private NetworkViews() {}

  /** Docker's network inspect document. */
  /**
   * Docker's network inspect document.
   *
   * @param display the name a network is shown under (Docker's API calls the default one bridge)
   */
  public static Map<String, Object> network(Networks.Network n, List<Container> containers, UnaryOperator<String> display) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Name", display.apply(n.name()));
    m.put("Id", n.id());
    m.put("Created", n.created());
    m.put("Scope", "local");
    m.put("Driver", n.driver());
    m.put("EnableIPv6", false);
    Map<String, Object> ipam = new LinkedHashMap<>();
    ipam.put("Driver", "default");
    ipam.put("Options", Map.of());
    List<Map<String, String>> config = new ArrayList<>();
    if (n.subnet() != null) {
      config.add(Map.of("Subnet", n.subnet(), "Gateway", n.gateway()));
    }
    ipam.put("Config", config);
    m.put("IPAM", ipam);
    m.put("Internal", n.internal());
    m.put("Attachable", false);
    m.put("Ingress", false);
    m.put("ConfigFrom", Map.of("Network", ""));
    m.put("ConfigOnly", false);
    Map<String, Object> members = new LinkedHashMap<>();
    for (Container c : containers) {
      if (!c.state().isRunning()) {
        continue;
      }
      c.state().netState().find(n.name()).ifPresent(a -> {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("Name", c.name());
        e.put("EndpointID", endpointId(c, a));
        e.put("MacAddress", a.mac() == null ? "" : a.mac());
        e.put("IPv4Address", a.ip() == null ? "" : a.ip() + "/" + a.prefixLen());
        e.put("IPv6Address", "");
        members.put(c.id(), e);
      });
    }
    m.put("Containers", members);
    Map<String, String> options = new LinkedHashMap<>();
    if (n.bridge() != null) {
      options.put("com.docker.network.bridge.name", n.bridge());
    }
    m.put("Options", options);
    m.put("Labels", n.labels());
    return m;
  }

  /** Docker's HostConfig.NetworkMode: none, host, container:X, or the first network's name. */
  public static String mode(Container c, UnaryOperator<String> display) {
    String m = c.spec().network();
    if (m != null && !m.equals("bridge") && !m.equals("default")) {
      return m;
    }
    List<ContainerSpec.Attach> nets = c.spec().networkOptions().networks();
    return display.apply(nets.isEmpty() ? Networks.DEFAULT : nets.get(0).name());
  }

  /** The networks a container joins, for ps. */
  public static String networksText(Container c) {
    String m = mode(c, x -> x);
    List<ContainerSpec.Attach> nets = c.spec().networkOptions().networks();
    return nets.isEmpty() ? m : String.join(",", nets.stream().map(ContainerSpec.Attach::name).toList());
  }

  /** ps's PORTS: "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp". */
  public static String portsText(Container c) {
    if (!c.state().isRunning()) {
      return "";
    }
    return String.join(", ", c.state().netState().ports().stream()
        .map(p -> (p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp()) + ":" + p.hostPort() + "->" + p.containerPort()
            + "/" + p.protocol()).toList());
  }

  /** HostConfig.PortBindings from the -p specs as given ("80/tcp": [{HostIp, HostPort}]). */
  public static Map<String, Object> portBindings(ContainerSpec s) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String p : s.networkOptions().publish()) {
      String proto = p.contains("/") ? p.substring(p.lastIndexOf('/') + 1) : "tcp";
      String rest = p.contains("/") ? p.substring(0, p.lastIndexOf('/')) : p;
      String[] parts = rest.split(":");
      String ctr = parts[parts.length - 1];
      String hostPort = parts.length >= 2 ? parts[parts.length - 2] : "";
      String hostIp = parts.length >= 3 ? parts[0] : "";
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) out.computeIfAbsent(ctr + "/" + proto, k -> new ArrayList<>());
      l.add(Map.of("HostIp", hostIp, "HostPort", hostPort));
    }
    return out;
  }

  /** Docker's NetworkSettings of a container. */
  public static Map<String, Object> settings(Container c, UnaryOperator<String> display) {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> nets = new LinkedHashMap<>();
    ContainerState.NetState ns = c.state().isRunning() ? c.state().netState() : ContainerState.NetState.EMPTY;
    for (ContainerState.NetAttachment a : ns.attachments()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("Aliases", a.aliases());
      e.put("NetworkID", a.networkId());
      e.put("EndpointID", endpointId(c, a));
      e.put("Gateway", a.gateway() == null ? "" : a.gateway());
      e.put("IPAddress", a.ip() == null ? "" : a.ip());
      e.put("IPPrefixLen", a.prefixLen());
      e.put("MacAddress", a.mac() == null ? "" : a.mac());
      nets.put(display.apply(a.network()), e);
    }
    ContainerState.NetAttachment first = ns.attachments().isEmpty() ? null : ns.attachments().get(0);
    m.put("IPAddress", first == null || first.ip() == null ? "" : first.ip());
    m.put("IPPrefixLen", first == null ? 0 : first.prefixLen());
    m.put("Gateway", first == null || first.gateway() == null ? "" : first.gateway());
    m.put("MacAddress", first == null || first.mac() == null ? "" : first.mac());
    m.put("SandboxKey", c.state().isRunning() ? "/proc/" + c.state().pid() + "/ns/net" : "");
    Map<String, Object> ports = new LinkedHashMap<>();
    for (ContainerState.PortBinding p : ns.ports()) {
      @SuppressWarnings("unchecked")
      List<Object> l = (List<Object>) ports.computeIfAbsent(p.containerPort() + "/" + p.protocol(), k -> new ArrayList<>());
      l.add(Map.of("HostIp", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp(), "HostPort", Integer.toString(p.hostPort())));
    }
    m.put("Ports", ports);
    m.put("Networks", nets);
    return m;
  }

  public static String endpointId(Container c, ContainerState.NetAttachment a) {
    return Networks.endpointId(c.id(), a.network(), a.ifName());
  }

  /** Docker's container list entry "Ports": [{IP, PrivatePort, PublicPort, Type}]. */
  public static List<Map<String, Object>> portList(Container c) {
    List<Map<String, Object>> out = new ArrayList<>();
    if (c.state().isRunning()) {
      for (ContainerState.PortBinding p : c.state().netState().ports()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("IP", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp());
        m.put("PrivatePort", p.containerPort());
        m.put("PublicPort", p.hostPort());
        m.put("Type", p.protocol());
        out.add(m);
      }
    }
    return out;
  }
}
