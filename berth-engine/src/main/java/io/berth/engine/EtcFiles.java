package io.berth.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The /etc/hosts, /etc/hostname and /etc/resolv.conf a container sees, bind-mounted from its
 * directory as Docker does. They are rewritten in place (the bind mount pins the inode) once the
 * container's addresses are known.
 *
 * <p>resolv.conf: with the host's network, the host's as it is. Otherwise the host's without
 * loopback name servers (they would be the container's own loopback), unless name servers are
 * given: {@code --dns}, or the network's own resolver (its gateway) on a network with name
 * resolution, whose search domain then comes first.
 */
final class EtcFiles {
  private EtcFiles() {}

  /**
   * @param addresses the container's own addresses (first network first), for its hostname
   * @param hosts extra entries ({@code --add-host}): name to address
   * @param nameservers null for the host's
   */
  record Inputs(String hostname, boolean hostNetwork, List<String> addresses, List<Map.Entry<String, String>> hosts,
      List<String> nameservers, List<String> search, List<String> options) {}

  static void write(Path dir, Inputs in) throws IOException {
    Files.createDirectories(dir);
    writeInPlace(dir.resolve("hostname"), in.hostname() + "\n");
    StringBuilder hosts = new StringBuilder();
    Path hostHosts = Path.of("/etc/hosts");
    if (in.hostNetwork() && Files.isReadable(hostHosts)) {
      hosts.append(Files.readString(hostHosts));
      if (hosts.length() > 0 && hosts.charAt(hosts.length() - 1) != '\n') {
        hosts.append('\n');
      }
    } else {
      hosts.append("127.0.0.1\tlocalhost\n");
      hosts.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
      hosts.append("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
    }
    for (Map.Entry<String, String> h : in.hosts()) {
      hosts.append(h.getValue()).append('\t').append(h.getKey()).append('\n');
    }
    if (!in.hostNetwork()) {
      String shortName = in.hostname().contains(".") ? in.hostname().substring(0, in.hostname().indexOf('.')) : null;
      String names = in.hostname() + (shortName == null ? "" : " " + shortName);
      if (in.addresses().isEmpty()) {
        hosts.append("127.0.1.1\t").append(names).append('\n');
      }
      for (String a : in.addresses()) {
        hosts.append(a).append('\t').append(names).append('\n');
      }
    }
    writeInPlace(dir.resolve("hosts"), hosts.toString());
    writeInPlace(dir.resolve("resolv.conf"), resolvConf(in));
  }

  /** Truncate and write, keeping the inode a bind mount may pin. */
  private static void writeInPlace(Path p, String content) throws IOException {
    Files.writeString(p, content, StandardCharsets.UTF_8);
  }

  private static String resolvConf(Inputs in) throws IOException {
    Path p = Path.of("/etc/resolv.conf");
    List<String> lines = Files.isReadable(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
    if (in.hostNetwork() && in.nameservers() == null && in.search().isEmpty() && in.options().isEmpty()) {
      return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }
    List<String> servers = new ArrayList<>();
    Set<String> search = new LinkedHashSet<>(in.search());
    Set<String> options = new LinkedHashSet<>();
    List<String> other = new ArrayList<>();
    for (String l : lines) {
      String t = l.trim();
      String[] f = t.split("\\s+");
      if (t.startsWith("nameserver") && f.length > 1) {
        boolean loopback = f[1].startsWith("127.") || f[1].equals("::1");
        if (in.nameservers() == null && (in.hostNetwork() || !loopback)) {
          servers.add(f[1]);
        }
      } else if ((t.startsWith("search") || t.startsWith("domain")) && f.length > 1) {
        for (int i = 1; i < f.length; i++) {
          search.add(f[i]);
        }
      } else if (t.startsWith("options") && f.length > 1) {
        for (int i = 1; i < f.length; i++) {
          options.add(f[i]);
        }
      } else if (!t.isEmpty() && !t.startsWith("#") && !t.startsWith(";")) {
        other.add(t);
      }
    }
    if (in.nameservers() != null) {
      servers.addAll(in.nameservers());
    }
    options.addAll(in.options());
    StringBuilder b = new StringBuilder();
    if (!search.isEmpty()) {
      b.append("search ").append(String.join(" ", search)).append('\n');
    }
    for (String s : servers) {
      b.append("nameserver ").append(s).append('\n');
    }
    if (!options.isEmpty()) {
      b.append("options ").append(String.join(" ", options)).append('\n');
    }
    other.forEach(o -> b.append(o).append('\n'));
    return b.toString();
  }
}
