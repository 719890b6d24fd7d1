package io.berth.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A bridge network's rules in the host's firewall (iptables), one set per network rather than per
 * container: masquerade of what leaves the subnet by another interface (not for an internal
 * network), and forwarding: replies and published (DNATed) connections in, container to
 * container on the bridge, and out to the world unless internal. Only traffic that the rules name
 * is accepted, so a network does not open its unpublished ports to anyone who routes to it.
 */
final class HostRules {
  private HostRules() {}

  /** {table, chain, rule…} */
  private static List<List<String>> rules(Networks.Network n) {
    String br = n.bridge();
    List<List<String>> r = new ArrayList<>();
    if (!n.internal()) {
      r.add(List.of("nat", "POSTROUTING", "-s", n.subnet(), "!", "-o", br, "-j", "MASQUERADE"));
    }
    r.add(List.of("filter", "FORWARD", "-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"));
    r.add(List.of("filter", "FORWARD", "-o", br, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"));
    r.add(List.of("filter", "FORWARD", "-i", br, "-o", br, "-j", "ACCEPT"));
    r.add(List.of("filter", "FORWARD", "-i", br, "!", "-o", br, "-j", n.internal() ? "DROP" : "ACCEPT"));
    return r;
  }

  /** Adds the rules that are missing (each checked with -C first). */
  static void apply(Networks.Network n) {
    if (n.bridge() == null || n.subnet() == null) {
      return;
    }
    for (List<String> rule : rules(n)) {
      if (iptables("-C", rule) == 0) {
        continue;
      }
      String action = rule.get(0).equals("nat") ? "-A" : "-I";
      int code = iptables(action, rule);
      if (code != 0) {
        throw new EngineException("cannot set up network " + n.name() + ": iptables " + action + " "
            + String.join(" ", rule.subList(1, rule.size())) + " failed (exit " + code
            + "); is the iptables package installed and the kernel's netfilter available?");
      }
    }
  }

  /** Deletes the rules (each as often as it is present). */
  static void remove(Networks.Network n) {
    if (n.bridge() == null || n.subnet() == null) {
      return;
    }
    for (List<String> rule : rules(n)) {
      for (int i = 0; i < 8 && iptables("-D", rule) == 0; i++) {
        // once more: a rule added twice by a race is deleted twice
      }
    }
  }

  private static int iptables(String action, List<String> rule) {
    List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "-t", rule.get(0), action, rule.get(1)));
    cmd.addAll(rule.subList(2, rule.size()));
    return run(null, cmd.toArray(String[]::new));
  }

  /** Runs a command quietly; its exit code, -1 when it cannot run. Output goes to {@code warn} on failure. */
  static int run(Consumer<String> warn, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      int code = p.exitValue();
      if (code != 0 && warn != null) {
        warn.accept(String.join(" ", cmd) + ": " + new String(out, StandardCharsets.UTF_8).trim());
      }
      return code;
    } catch (IOException e) {
      if (warn != null) {
        warn.accept(String.join(" ", cmd) + ": " + e.getMessage());
      }
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
