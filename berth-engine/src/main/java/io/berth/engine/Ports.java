package io.berth.engine;

import io.berth.engine.ContainerState.PortBinding;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Published ports: {@code -p} specs as Docker reads them ({@code [IP:][HOST:]CONTAINER[/PROTO]},
 * each port possibly a range), {@code -P} over the exposed ports, and the choice of host ports
 * (a free one where none is given) with the check that a port is not already taken, by another
 * container or by a process of the host.
 */
final class Ports {
  private Ports() {}

  /** One container port to publish: host address ("" for all), host port range (0 for any). */
  record Request(String hostIp, int hostLow, int hostHigh, int containerPort, String protocol) {}

  /** Parses every {@code -p} spec; a bad one is an {@link EngineException} naming it. */
  static List<Request> parse(List<String> specs) {
    List<Request> out = new ArrayList<>();
    for (String s : specs) {
      out.addAll(parse(s));
    }
    return out;
  }

  static List<Request> parse(String spec) {
    String rest = spec.trim();
    String proto = "tcp";
    int slash = rest.lastIndexOf('/');
    if (slash >= 0) {
      proto = rest.substring(slash + 1).toLowerCase(Locale.ROOT);
      rest = rest.substring(0, slash);
      if (!proto.equals("tcp") && !proto.equals("udp")) {
        throw bad(spec, "the protocol must be tcp or udp");
      }
    }
    String ip = "";
    if (rest.startsWith("[")) { // [v6]:host:container
      int close = rest.indexOf(']');
      if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
        throw bad(spec, "an IPv6 host address is written [ADDR]:HOST:CONTAINER");
      }
      ip = rest.substring(1, close);
      rest = rest.substring(close + 2);
    }
    String[] parts = rest.split(":", -1);
    String host;
    String ctr;
    switch (parts.length) {
      case 1 -> { host = ""; ctr = parts[0]; }
      case 2 -> { host = parts[0]; ctr = parts[1]; }
      case 3 -> {
        if (!ip.isEmpty()) {
          throw bad(spec, "too many colons");
        }
        ip = parts[0]; host = parts[1]; ctr = parts[2];
      }
      default -> throw bad(spec, "expected [IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]");
    }
    if (!ip.isEmpty()) {
      try {
        InetAddress a = InetAddress.ofLiteral(ip);
        ip = a.getHostAddress();
      } catch (IllegalArgumentException e) {
        throw bad(spec, "\"" + ip + "\" is not an IP address");
      }
    }
    int[] c = range(ctr, spec, false);
    int[] h = host.isEmpty() ? new int[] {0, 0} : range(host, spec, true);
    List<Request> out = new ArrayList<>();
    int count = c[1] - c[0] + 1;
    if (h[0] != 0 && h[1] - h[0] + 1 != count && count != 1) {
      throw bad(spec, "the host and container port ranges differ in size");
    }
    for (int i = 0; i < count; i++) {
      if (h[0] == 0) {
        out.add(new Request(ip, 0, 0, c[0] + i, proto));
      } else if (count == 1) {
        out.add(new Request(ip, h[0], h[1], c[0], proto)); // HOST range for one port: any free one in it
      } else {
        out.add(new Request(ip, h[0] + i, h[0] + i, c[0] + i, proto));
      }
    }
    return out;
  }

  private static int[] range(String s, String spec, boolean host) {
    String[] ends = s.split("-", -1);
    if (ends.length > 2) {
      throw bad(spec, "bad port range \"" + s + "\"");
    }
    int lo = port(ends[0], spec);
    int hi = ends.length == 2 ? port(ends[1], spec) : lo;
    if (hi < lo) {
      throw bad(spec, "bad port range \"" + s + "\": the end is below the start");
    }
    return new int[] {lo, hi};
  }

  private static int port(String s, String spec) {
    try {
      int p = Integer.parseInt(s);
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw bad(spec, "\"" + s + "\" is not a port (1-65535)");
  }

  private static EngineException bad(String spec, String why) {
    return new EngineException("invalid published port \"" + spec + "\": " + why);
  }

  /** {@code -P}: each exposed port ("80/tcp", "53/udp", "8080") published on a free host port. */
  static List<Request> publishAll(Collection<String> exposed) {
    Set<String> seen = new TreeSet<>();
    List<Request> out = new ArrayList<>();
    for (String e : exposed) {
      for (Request r : parse(e)) {
        if (seen.add(r.containerPort() + "/" + r.protocol())) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /**
   * Chooses the host ports: the given one (or the first free one of a range), else one the
   * kernel picks. A port that another container publishes ({@code taken}) or that a host
   * process holds is refused with a clear error.
   */
  static List<PortBinding> allocate(List<Request> requests, List<PortBinding> taken) {
    List<PortBinding> out = new ArrayList<>();
    for (Request r : requests) {
      List<PortBinding> busy = new ArrayList<>(taken);
      busy.addAll(out);
      int chosen = 0;
      String why = null;
      if (r.hostLow() == 0) {
        for (int attempt = 0; attempt < 20 && chosen == 0; attempt++) {
          int p = ephemeral(r.hostIp(), r.protocol());
          if (clash(busy, r.hostIp(), p, r.protocol()) == null) {
            chosen = p;
          }
        }
        if (chosen == 0) {
          why = "no free host port";
        }
      } else {
        for (int p = r.hostLow(); p <= r.hostHigh() && chosen == 0; p++) {
          PortBinding other = clash(busy, r.hostIp(), p, r.protocol());
          if (other != null) {
            why = "port " + p + "/" + r.protocol() + " is already allocated";
            continue;
          }
          String inUse = hostInUse(r.hostIp(), p, r.protocol());
          if (inUse != null) {
            why = inUse;
            continue;
          }
          chosen = p;
        }
      }
      if (chosen == 0) {
        String where = (r.hostIp().isEmpty() ? "" : r.hostIp() + ":")
            + (r.hostLow() == 0 ? "" : r.hostLow() == r.hostHigh() ? r.hostLow() + ":" : r.hostLow() + "-" + r.hostHigh() + ":");
        throw new EngineException("cannot publish " + where + r.containerPort() + "/" + r.protocol() + ": " + why);
      }
      out.add(new PortBinding(r.hostIp(), chosen, r.containerPort(), r.protocol()));
    }
    return out;
  }

  private static PortBinding clash(List<PortBinding> busy, String ip, int port, String proto) {
    for (PortBinding b : busy) {
      if (b.hostPort() == port && b.protocol().equals(proto)
          && (b.hostIp().isEmpty() || ip.isEmpty() || b.hostIp().equals(ip))) {
        return b;
      }
    }
    return null;
  }

  /** Whether a host process holds the port: a bind of it on the address fails. */
  private static String hostInUse(String ip, int port, String proto) {
    InetSocketAddress at = ip.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(ip, port);
    try {
      if (proto.equals("udp")) {
        try (DatagramSocket s = new DatagramSocket(null)) {
          s.setReuseAddress(false);
          s.bind(at);
        }
      } else {
        try (ServerSocket s = new ServerSocket()) {
          s.setReuseAddress(true); // TIME_WAIT of an earlier connection is no owner
          s.bind(at);
        }
      }
      return null;
    } catch (IOException e) {
      return (ip.isEmpty() ? "" : ip + ":") + port + "/" + proto + " is in use on the host (" + e.getMessage() + ")";
    }
  }

  private static int ephemeral(String ip, String proto) {
    InetSocketAddress at = ip.isEmpty() ? new InetSocketAddress(0) : new InetSocketAddress(ip, 0);
    try {
      if (proto.equals("udp")) {
        try (DatagramSocket s = new DatagramSocket(at)) {
          return s.getLocalPort();
        }
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(at);
        return s.getLocalPort();
      }
    } catch (IOException e) {
      throw new EngineException("cannot find a free host port on " + (ip.isEmpty() ? "any address" : ip) + ": " + e.getMessage());
    }
  }
}
