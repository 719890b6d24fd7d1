package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.cli.conformance.BerthCommand.Result;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networking through CNI with Debian's plugins, as bin/berth users type it: the default bridge
 * network, user networks, published ports, connect and disconnect, the resolver files, bad input
 * with its rollback, and that removal leaves no interface, firewall rule or address lease. All
 * traffic stays on loopback and on the bridges and namespaces these tests make.
 */
class NetworkTest {
  static ContainerFixture fx;

  @BeforeAll
  static void image() throws Exception {
    fx = new ContainerFixture();
    Result r = fx.berth("run", "--rm", "--network", "none", "busybox", "true");
    assertEquals(0, r.code(), r.err());
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (fx != null) {
      fx.close();
      assertEquals("", iptablesMentioning("berth0"), "the default network's rules are gone with it");
    }
  }

  static String ok(String... args) throws Exception {
    return fx.ok(args);
  }

  static String sh(List<String> flags, String script) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "--rm"));
    a.addAll(flags);
    a.addAll(List.of("busybox", "sh", "-c", script));
    return ok(a.toArray(String[]::new));
  }

  /** The address leases host-local holds for a network under this root. */
  static List<String> leases(String network) throws IOException {
    Path d = fx.root.resolve("cni/ipam").resolve(network);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).sorted().toList();
    }
  }

  /** The interfaces enslaved to a bridge (one veth per attached container). */
  static List<String> ports(String bridge) throws IOException {
    Path d = Path.of("/sys/class/net", bridge, "brif");
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  static String bridgeOf(String network) throws Exception {
    return ok("network", "inspect", "-f", "{{index .Options \"com.docker.network.bridge.name\"}}", network).strip();
  }

  static String iptablesMentioning(String needle) throws Exception {
    StringBuilder all = new StringBuilder();
    for (String table : List.of("filter", "nat")) {
      Process p = new ProcessBuilder("iptables-save", "-t", table).redirectErrorStream(true).start();
      all.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      p.waitFor();
    }
    return String.join("\n", all.toString().lines().filter(l -> l.contains(needle)).toList());
  }

  static String get(int port, String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** httpd serving /index.html with {@code text}, detached. */
  static void web(String name, String text, String... flags) throws Exception {
    List<String> a = new ArrayList<>(List.of("run", "-d", "--name", name));
    a.addAll(List.of(flags));
    a.addAll(List.of("busybox", "sh", "-c",
        "mkdir /www && echo " + text + " > /www/index.html && exec httpd -f -p 80 -h /www"));
    ok(a.toArray(String[]::new));
  }

  // ---- the default network ----

  @Test
  void defaultNetworkGivesAnAddressARouteAndHostsEntry() throws Exception {
    String out = sh(List.of("--hostname", "box1"),
        "ip -4 -o addr show eth0; ip route; grep box1 /etc/hosts; ls /sys/class/net | sort | tr '\\n' ' '");
    assertTrue(out.matches("(?s).*inet 10\\.77\\.\\d+\\.\\d+/16.*"), out);
    assertTrue(out.contains("default via 10.77.0.1 dev eth0"), out);
    String ip = out.replaceAll("(?s).*inet (10\\.77\\.\\d+\\.\\d+)/16.*", "$1");
    assertTrue(out.contains(ip + "\tbox1"), out);
    assertTrue(out.contains("eth0 lo"), out);
    assertEquals(List.of(), leases("berth"), "the --rm container's address is released");
    assertEquals(List.of(), ports("berth0"), "its veth is gone");
  }

  // ---- user networks ----

  @Test
  void twoContainersOnAUserNetworkReachEachOtherByAddress() throws Exception {
    ok("network", "create", "--subnet", "10.78.201.0/24", "--label", "purpose=test", "n1");
    try {
      web("n1web", "hello-n1", "--network", "n1");
      String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "n1web").strip();
      assertTrue(ip.startsWith("10.78.201."), ip);
      assertEquals("hello-n1\n", sh(List.of("--network", "n1"), "wget -qO- http://" + ip + "/index.html"));
      String inspect = ok("network", "inspect", "n1");
      assertTrue(inspect.contains("\"Subnet\": \"10.78.201.0/24\""), inspect);
      assertTrue(inspect.contains("\"purpose\": \"test\""), inspect);
      assertTrue(inspect.contains("\"Name\": \"n1web\""), inspect);
      assertTrue(ok("network", "ls", "--filter", "label=purpose=test", "-q").strip().length() == 12);
      Result busy = fx.berth("network", "rm", "n1");
      assertEquals(1, busy.code());
      assertTrue(busy.err().contains("active endpoints"), busy.err());
      ok("rm", "-f", "n1web");
      assertEquals(List.of(), leases("n1"));
    } finally {
      fx.berth("rm", "-f", "n1web");
      fx.berth("network", "rm", "n1");
    }
    assertFalse(ok("network", "ls").contains("n1"));
  }

  @Test
  void containersOnAUserNetworkResolveEachOtherByNameAndAlias() throws Exception {
    ok("network", "create", "--subnet", "10.78.211.0/24", "n10");
    try {
      web("n10web", "hello-by-name", "--network", "n10", "--network-alias", "www");
      String webIp = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "n10web").strip();
      String out = sh(List.of("--network", "n10"), "cat /etc/resolv.conf; wget -qO- http://n10web/index.html;"
          + " wget -qO- http://www/index.html; wget -qO- http://n10web.dns.berth/index.html;"
          + " nslookup n10web 2>&1; nslookup nosuch.dns.berth >/dev/null 2>&1 && echo found || echo nxdomain");
      assertTrue(out.contains("nameserver 10.78.211.1"), out);
      assertTrue(out.lines().anyMatch(l -> l.startsWith("search dns.berth")), out);
      assertEquals(3, out.lines().filter(l -> l.equals("hello-by-name")).count(), out);
      assertTrue(out.contains("Address: " + webIp), out);
      assertTrue(out.strip().endsWith("nxdomain"), out);
      // A removed container's name goes with it; the others keep theirs.
      ok("run", "-d", "--name", "n10b", "--network", "n10", "busybox", "sleep", "60");
      ok("rm", "-f", "n10web");
      String after = sh(List.of("--network", "n10"),
          "nslookup n10web >/dev/null 2>&1 && echo found || echo gone; nslookup n10b >/dev/null 2>&1 && echo found");
      assertEquals("gone\nfound\n", after);
      // The default network has no name service: the host's resolver configuration.
      assertFalse(sh(List.of(), "cat /etc/resolv.conf").contains("dns.berth"));
    } finally {
      fx.berth("rm", "-f", "n10web", "n10b");
      fx.berth("network", "rm", "n10");
    }
    assertEquals(List.of(), dnsDaemons(), "berth-dns stops with the last network it served");
  }

  /** berth-dns processes serving this fixture's run root. */
  static List<Long> dnsDaemons() {
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("berth-dns")
        && p.info().commandLine().orElse("").contains(fx.runRoot.toString())).map(ProcessHandle::pid).toList();
  }

  @Test
  void ipMacDnsAndExtraHostsAreApplied() throws Exception {
    ok("network", "create", "--subnet", "10.78.202.0/24", "n2");
    try {
      String out = sh(List.of("--network", "n2", "--ip", "10.78.202.77", "--mac-address", "02:42:0a:4e:ca:4d",
              "--dns", "10.78.202.53", "--dns-search", "example.test", "--add-host", "db.test:10.1.2.3",
              "--add-host", "gw:host-gateway"),
          "ip -4 -o addr show eth0; cat /sys/class/net/eth0/address; cat /etc/resolv.conf /etc/hosts");
      assertTrue(out.contains("inet 10.78.202.77/24"), out);
      assertTrue(out.contains("02:42:0a:4e:ca:4d"), out);
      assertTrue(out.contains("nameserver 10.78.202.53"), out);
      assertTrue(out.lines().anyMatch(l -> l.startsWith("search ") && l.contains("example.test")), out);
      assertTrue(out.contains("10.1.2.3\tdb.test"), out);
      assertTrue(out.contains("10.78.202.1\tgw"), out);
      Result outside = fx.berth("run", "--rm", "--network", "n2", "--ip", "10.99.0.5", "busybox", "true");
      ContainerFixture.assertOneLineError(outside, 125, "not in network n2");
    } finally {
      fx.berth("network", "rm", "n2");
    }
  }

  @Test
  void internalNetworkHasNoWayOut() throws Exception {
    ok("network", "create", "--internal", "--subnet", "10.78.203.0/24", "n3");
    try {
      String routes = sh(List.of("--network", "n3"), "ip route");
      assertFalse(routes.contains("default"), routes);
      assertTrue(routes.contains("10.78.203.0/24 dev eth0"), routes);
      assertTrue(iptablesMentioning(bridgeOf("n3")).contains("-j DROP"), "forwarding out is dropped");
      assertFalse(iptablesMentioning("10.78.203.0/24").contains("MASQUERADE"));
    } finally {
      fx.berth("network", "rm", "n3");
    }
  }

  @Test
  void connectAndDisconnectARunningContainer() throws Exception {
    ok("network", "create", "--subnet", "10.78.204.0/24", "n4a");
    ok("network", "create", "--subnet", "10.78.205.0/24", "n4b");
    try {
      ok("run", "-d", "--name", "hop", "--network", "n4a", "busybox", "sleep", "60");
      ok("network", "connect", "--ip", "10.78.205.9", "n4b", "hop");
      String addrs = ok("exec", "hop", "ip", "-4", "-o", "addr");
      assertTrue(addrs.contains("eth0") && addrs.contains("10.78.204."), addrs);
      assertTrue(addrs.contains("eth1") && addrs.contains("10.78.205.9/24"), addrs);
      assertTrue(ok("inspect", "hop").contains("\"n4b\""));
      ok("network", "disconnect", "n4b", "hop");
      addrs = ok("exec", "hop", "ip", "-4", "-o", "addr");
      assertFalse(addrs.contains("10.78.205."), addrs);
      assertEquals(List.of(), leases("n4b"));
      ok("rm", "-f", "hop");
      assertEquals(List.of(), leases("n4a"));
    } finally {
      fx.berth("rm", "-f", "hop");
      fx.berth("network", "rm", "n4a", "n4b");
    }
  }

  /** A conflist Berth did not write (here the ptp plugin) is a network like the others. */
  @Test
  void aConflistDroppedInIsANetwork() throws Exception {
    Path file = fx.root.resolve("networks/ptpnet.conflist");
    Files.createDirectories(file.getParent());
    Files.writeString(file, """
        {"cniVersion": "1.0.0", "name": "ptpnet", "plugins": [
          {"type": "ptp", "ipMasq": false, "ipam": {"type": "host-local", "dataDir": "%s",
           "ranges": [[{"subnet": "10.78.212.0/24"}]]}}]}
        """.formatted(fx.root.resolve("cni/ipam")));
    try {
      assertTrue(ok("network", "ls").contains("ptpnet"));
      String out = sh(List.of("--network", "ptpnet"), "ip -4 -o addr show eth0; ls /sys/class/net | sort | tr '\\n' ' '");
      assertTrue(out.contains("inet 10.78.212."), out);
      assertTrue(out.contains("eth0 lo"), out);
      assertEquals(List.of(), leases("ptpnet"), "released with the container");
    } finally {
      fx.berth("network", "rm", "ptpnet");
    }
    assertFalse(Files.exists(file));
  }

  @Test
  void anotherContainersNamespaceIsShared() throws Exception {
    ok("run", "-d", "--name", "owner", "busybox", "sleep", "60");
    try {
      String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "owner").strip();
      String out = sh(List.of("--network", "container:owner"), "ip -4 -o addr show eth0");
      assertTrue(out.contains("inet " + ip + "/"), out);
      assertEquals(1, leases("berth").size(), "the guest takes no address of its own");
      ContainerFixture.assertOneLineError(fx.berth("run", "--rm", "--network", "container:nosuch", "busybox", "true"),
          125, "no such container");
    } finally {
      ok("rm", "-f", "owner");
    }
  }

  // ---- published ports ----

  @Test
  void publishedPortAnswersOnLoopback() throws Exception {
    int port = freePort();
    web("pub1", "published", "-p", "127.0.0.1:" + port + ":80");
    try {
      assertEquals("80/tcp -> 127.0.0.1:" + port + "\n", ok("port", "pub1"));
      assertTrue(ok("ps", "--filter", "name=pub1").contains("127.0.0.1:" + port + "->80/tcp"));
      String reply = get(port, "/index.html");
      assertTrue(reply.endsWith("published\n"), reply);
      Result taken = fx.berth("run", "--rm", "-p", "127.0.0.1:" + port + ":80", "busybox", "true");
      assertEquals(125, taken.code());
      assertTrue(taken.err().contains("already allocated"), taken.err());
    } finally {
      ok("rm", "-f", "pub1");
    }
    assertEquals("", iptablesMentioning("--dport " + port), "portmap's rules are gone");
  }

  @Test
  void publishAllUsesFreeHostPortsForExposedPorts() throws Exception {
    web("pub2", "any-port", "-P", "--expose", "80");
    try {
      String mapping = ok("port", "pub2", "80").strip();
      assertTrue(mapping.startsWith("0.0.0.0:"), mapping);
      int port = Integer.parseInt(mapping.substring(mapping.indexOf(':') + 1));
      assertTrue(get(port, "/index.html").endsWith("any-port\n"));
    } finally {
      ok("rm", "-f", "pub2");
    }
  }

  // ---- bad input and rollback ----

  @Test
  void badInputIsRefusedAndLeavesNothing() throws Exception {
    ContainerFixture.assertOneLineError(fx.berth("run", "--rm", "--network", "nosuchnet", "busybox", "true"),
        125, "network nosuchnet not found");
    ContainerFixture.assertOneLineError(fx.berth("run", "--rm", "-p", "99999:80", "busybox", "true"),
        125, "not a port");
    ContainerFixture.assertOneLineError(fx.berth("network", "create", "--subnet", "10.78.206.1/24", "bad1"),
        125, "host bits are set");
    ok("network", "create", "--subnet", "10.78.207.0/24", "n7");
    try {
      ContainerFixture.assertOneLineError(fx.berth("network", "create", "--subnet", "10.78.207.128/25", "n7b"),
          125, "overlaps network n7");
      ContainerFixture.assertOneLineError(fx.berth("network", "create", "n7"), 125, "already exists");
      // A host process holds the port: the start fails, and no lease, veth or rule is left.
      try (ServerSocket held = new ServerSocket()) {
        held.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        int port = held.getLocalPort();
        Result r = fx.berth("run", "--rm", "--network", "n7", "-p", "127.0.0.1:" + port + ":80", "busybox", "true");
        assertEquals(125, r.code());
        assertTrue(r.err().contains("in use on the host"), r.err());
        assertEquals("", iptablesMentioning("--dport " + port));
      }
      // A missing plugin: a clear error and nothing left.
      Path empty = Files.createDirectories(fx.dir.resolve("no-plugins"));
      Result r = BerthCommand.run(fx.dir.resolve("scratch"), fx.root, Map.of("CNI_PATH", empty.toString()), "",
          "--run-root", fx.runRoot.toString(), "run", "--rm", "--network", "n7", "busybox", "true");
      assertNotEquals(0, r.code());
      assertTrue(r.err().contains("bridge") && r.err().contains(empty.toString()), r.err());
      assertEquals(List.of(), leases("n7"));
      assertEquals(List.of(), ports(bridgeOf("n7")));
      assertEquals("", ok("ps", "-a", "-q"), "no container is left by the failed runs");
    } finally {
      fx.berth("network", "rm", "n7");
    }
  }

  // ---- recovery and scale ----

  @Test
  void aKilledContainerAndShimAreReleasedByTheNextCommand() throws Exception {
    ok("network", "create", "--subnet", "10.78.208.0/24", "n8");
    try {
      ok("run", "-d", "--name", "doomed", "--network", "n8", "busybox", "sleep", "60");
      assertEquals(1, leases("n8").size());
      int pid = Integer.parseInt(ok("inspect", "-f", "{{.State.Pid}}", "doomed").strip());
      String shim = Files.readString(fx.runRoot.resolve("s").resolve(
          ok("inspect", "-f", "{{.Id}}", "doomed").strip().substring(0, 32)).resolve("shim.pid")).strip();
      new ProcessBuilder("kill", "-9", shim, Integer.toString(pid)).start().waitFor();
      ok("ps", "-a"); // the next command sees the run is over and tears its network down
      assertEquals(List.of(), leases("n8"));
      assertEquals(List.of(), ports(bridgeOf("n8")));
    } finally {
      fx.berth("rm", "-f", "doomed");
      fx.berth("network", "rm", "n8");
    }
  }

  @Test
  void fiftyContainersCreatedAndRemovedLeaveNothing() throws Exception {
    ok("network", "create", "--subnet", "10.78.209.0/24", "n9");
    String bridge = bridgeOf("n9");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Result>> runs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String name = "many" + i;
        runs.add(pool.submit(() -> fx.berth("run", "-d", "--name", name, "--network", "n9", "-p", "127.0.0.1::80",
            "busybox", "sleep", "120")));
      }
      for (Future<Result> f : runs) {
        Result r = f.get();
        assertEquals(0, r.code(), r.err());
      }
      assertEquals(50, leases("n9").size());
      assertEquals(50, ports(bridge).size());
      List<String> ips = new ArrayList<>();
      for (String line : ok("network", "inspect", "-f", "{{json .Containers}}", "n9").split("IPv4Address")) {
        ips.add(line);
      }
      assertEquals(51, ips.size(), "50 endpoints in network inspect");
      List<Future<Result>> removals = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String name = "many" + i;
        removals.add(pool.submit(() -> fx.berth("rm", "-f", name)));
      }
      for (Future<Result> f : removals) {
        assertEquals(0, f.get().code());
      }
      assertEquals(List.of(), leases("n9"));
      assertEquals(List.of(), ports(bridge));
      assertEquals("", iptablesMentioning("name: \\\"n9\\\""), "no portmap rule is left");
      try (Stream<Path> s = Files.list(fx.root.resolve("cni/results"))) {
        assertEquals(0, s.count(), "no cached result is left");
      }
    } finally {
      pool.shutdownNow();
      for (int i = 0; i < 50; i++) {
        fx.berth("rm", "-f", "many" + i);
      }
      fx.berth("network", "rm", "n9");
    }
    assertFalse(Files.exists(Path.of("/sys/class/net", bridge)), "the bridge goes with its network");
  }
}
