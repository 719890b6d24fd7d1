package io.berth.cli;

import io.berth.engine.Container;
import io.berth.engine.ContainerSpec;
import io.berth.engine.Engine;
import io.berth.engine.NetworkViews;
import io.berth.engine.Networks;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth network create|ls|inspect|rm|connect|disconnect|prune}, with Docker's output. */
final class NetworkCommands {
  private final Engine engine;
  private final PrintStream out;

  NetworkCommands(Engine engine, PrintStream out) {
    this.engine = engine;
    this.out = out;
  }

  int run(List<String> args) {
    if (args.isEmpty()) {
      throw new Flags.UsageException("usage: berth network create|ls|inspect|rm|connect|disconnect|prune ...");
    }
    List<String> rest = args.subList(1, args.size());
    return switch (args.get(0)) {
      case "create" -> create(rest);
      case "ls", "list" -> ls(rest);
      case "inspect" -> inspect(rest);
      case "rm", "remove" -> rm(rest);
      case "connect" -> connect(rest);
      case "disconnect" -> disconnect(rest);
      case "prune" -> prune(rest);
      default -> throw new Flags.UsageException("unknown network command \"" + args.get(0) + "\"");
    };
  }

  private int create(List<String> args) {
    Flags f = Flags.berth("network create", args, Integer.MAX_VALUE);
    String subnet = null;
    String gateway = null;
    boolean internal = false;
    Map<String, String> labels = new LinkedHashMap<>();
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--subnet" -> subnet = f.value(flag);
        case "--gateway" -> gateway = f.value(flag);
        case "--internal" -> internal = f.bool(flag);
        case "-l", "--label" -> RunFlags.keyValue(labels, f.value(flag));
        case "-d", "--driver" -> {
          String d = f.value(flag);
          if (!d.equals("bridge")) {
            throw new Flags.UsageException("network driver " + d + " is not available (bridge is)");
          }
        }
        default -> throw f.unknown(flag);
      }
    }
    String name = f.positionals(1, 1, "[--subnet CIDR] [--gateway IP] [--internal] [--label K=V] NAME").get(0);
    Networks.Network n = engine.createNetwork(new Networks.CreateOptions(name, subnet, gateway, internal, labels));
    out.println(n.name());
    return 0;
  }

  private int ls(List<String> args) {
    Flags f = Flags.berth("network ls", args, Integer.MAX_VALUE);
    boolean quiet = false;
    boolean noTrunc = false;
    List<String> filters = new ArrayList<>();
    String format = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-q", "--quiet" -> quiet = f.bool(flag);
        case "--no-trunc" -> noTrunc = f.bool(flag);
        case "-f", "--filter" -> filters.add(f.value(flag));
        case "--format" -> format = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "[-q] [--filter name=|label=|driver=|id=] [--format TEMPLATE]");
    List<Networks.Network> nets = new ArrayList<>(engine.networks().list());
    nets.removeIf(n -> !matches(n, filters));
    if (format != null && !format.equals("table")) {
      String t = format.startsWith("table ") ? format.substring(6) : format;
      for (Networks.Network n : nets) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("ID", noTrunc ? n.id() : n.id().substring(0, 12));
        row.put("Name", n.name());
        row.put("Driver", n.driver());
        row.put("Scope", "local");
        row.put("Internal", n.internal());
        row.put("Labels", String.join(",", n.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        out.println(GoTemplate.render(t, row));
      }
      return 0;
    }
    if (!quiet) {
      out.printf("%-14s %-20s %-8s %s%n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
    }
    for (Networks.Network n : nets) {
      String id = noTrunc ? n.id() : n.id().substring(0, 12);
      out.println(quiet ? id : String.format("%-14s %-20s %-8s %s", id, n.name(), n.driver(), "local"));
    }
    return 0;
  }

  private static boolean matches(Networks.Network n, List<String> filters) {
    for (String flt : filters) {
      int eq = flt.indexOf('=');
      if (eq < 0) {
        throw new Flags.UsageException("bad filter \"" + flt + "\": expected KEY=VALUE");
      }
      String k = flt.substring(0, eq);
      String v = flt.substring(eq + 1);
      boolean ok = switch (k) {
        case "name" -> n.name().contains(v);
        case "id" -> n.id().startsWith(v);
        case "driver" -> n.driver().equals(v);
        case "label" -> {
          int e = v.indexOf('=');
          yield e < 0 ? n.labels().containsKey(v) : v.substring(e + 1).equals(n.labels().get(v.substring(0, e)));
        }
        default -> throw new Flags.UsageException("unknown filter \"" + k + "\" (name, id, driver, label)");
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private int inspect(List<String> args) {
    Flags f = Flags.berth("network inspect", args, Integer.MAX_VALUE);
    String format = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--format" -> format = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<Object> docs = new ArrayList<>();
    List<Container> all = engine.list();
    for (String name : f.positionals(1, -1, "NETWORK...")) {
      docs.add(NetworkViews.network(engine.networks().get(name), all, x -> x));
    }
    if (format != null) {
      for (Object d : docs) {
        out.println(GoTemplate.render(format, (Map<?, ?>) d));
      }
    } else {
      out.println(io.berth.oci.SpecJson.toPrettyString(docs));
    }
    return 0;
  }


  private int rm(List<String> args) {
    Flags f = Flags.berth("network rm", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    int rc = 0;
    for (String n : f.positionals(1, -1, "NETWORK...")) {
      try {
        engine.removeNetwork(n);
        out.println(n);
      } catch (io.berth.engine.EngineException e) {
        System.err.println("berth: " + e.getMessage());
        rc = 1;
      }
    }
    return rc;
  }

  private int connect(List<String> args) {
    Flags f = Flags.berth("network connect", args, Integer.MAX_VALUE);
    List<String> aliases = new ArrayList<>();
    String ip = null;
    String mac = null;
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "--alias" -> aliases.add(f.value(flag));
        case "--ip" -> ip = f.value(flag);
        case "--mac-address" -> mac = f.value(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, 2, "[--alias NAME] [--ip IP] NETWORK CONTAINER");
    engine.connect(pos.get(1), new ContainerSpec.Attach(pos.get(0), aliases, ip, mac));
    return 0;
  }

  private int disconnect(List<String> args) {
    Flags f = Flags.berth("network disconnect", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    List<String> pos = f.positionals(2, 2, "[-f] NETWORK CONTAINER");
    engine.disconnect(pos.get(1), pos.get(0));
    return 0;
  }

  private int prune(List<String> args) {
    Flags f = Flags.berth("network prune", args, Integer.MAX_VALUE);
    for (String flag = f.next(); flag != null; flag = f.next()) {
      switch (flag) {
        case "-f", "--force" -> f.bool(flag);
        default -> throw f.unknown(flag);
      }
    }
    f.positionals(0, 0, "[-f]");
    for (String n : engine.pruneNetworks()) {
      out.println(n);
    }
    return 0;
  }
}
