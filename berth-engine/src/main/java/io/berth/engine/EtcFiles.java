package io.berth.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The /etc/hosts, /etc/hostname and /etc/resolv.conf a container sees, bind-mounted from its
 * directory as Docker does. resolv.conf is the host's without loopback name servers (they would
 * be the container's own loopback); with the host's network it is the host's as it is.
 */
final class EtcFiles {
  private EtcFiles() {}

  static void write(Path dir, String hostname, String network) throws IOException {
    Files.createDirectories(dir);
    boolean host = "host".equals(network);
    Files.writeString(dir.resolve("hostname"), hostname + "\n");
    StringBuilder hosts = new StringBuilder();
    hosts.append("127.0.0.1\tlocalhost\n");
    hosts.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
    hosts.append("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
    if (host) {
      Path h = Path.of("/etc/hosts");
      if (Files.isReadable(h)) {
        hosts.setLength(0);
        hosts.append(Files.readString(h));
      }
    } else {
      hosts.append("127.0.1.1\t").append(hostname).append('\n');
    }
    Files.writeString(dir.resolve("hosts"), hosts.toString());
    Files.writeString(dir.resolve("resolv.conf"), resolvConf(host));
  }

  private static String resolvConf(boolean host) throws IOException {
    Path p = Path.of("/etc/resolv.conf");
    if (!Files.isReadable(p)) {
      return "";
    }
    List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
    if (host) {
      return String.join("\n", lines) + "\n";
    }
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      String t = l.trim();
      if (t.startsWith("nameserver") && (t.contains(" 127.") || t.endsWith(" ::1"))) {
        continue;
      }
      out.add(l);
    }
    return out.isEmpty() ? "" : String.join("\n", out) + "\n";
  }
}
