package io.berth.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real plugins from containernetworking-plugins in real network namespaces (root). Every
 * name (namespaces, bridge, subnet) is unique to the run, and host-local's leases go to a
 * temporary directory, so nothing touches the host's networks or /var/lib/cni.
 */
class CniRealPluginsTest {
  static final Path CNI_BIN = Path.of("/usr/lib/cni");

  @TempDir Path tmp;
  String id;
  String bridge;
  String subnetPrefix;
  final List<String> namespaces = new ArrayList<>();
  CniRuntime cni;
  NetworkConfigList list;

  @BeforeAll
  static void needsRootAndPlugins() {
    assertTrue("root".equals(System.getProperty("user.name")), "the suite runs as root (scripts/test)");
    assertTrue(Files.isExecutable(CNI_BIN.resolve("bridge")) && Files.isExecutable(CNI_BIN.resolve("host-local")),
        "needs Debian's containernetworking-plugins (scripts/setup installs it)");
  }

  @BeforeEach
  void setUp() throws Exception {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    id = HexFormat.of().formatHex(new byte[] {(byte) r.nextInt(), (byte) r.nextInt(), (byte) r.nextInt()});
    bridge = "bn" + id;
    subnetPrefix = "10." + (200 + r.nextInt(50)) + "." + r.nextInt(256);
    list = NetworkConfigList.parse("""
        {"cniVersion": "1.0.0", "name": "bn-%s", "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
           "ipam": {"type": "host-local", "dataDir": "%s",
                    "ranges": [[{"subnet": "%s.0/24"}]]}}]}
        """.formatted(id, bridge, tmp.resolve("ipam"), subnetPrefix), "test");
    cni = new CniRuntime(new RealPluginExec(), new PluginPath(List.of(CNI_BIN)), tmp.resolve("cache"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
    }
    run("ip", "link", "del", bridge);
  }

  Path netns(String suffix) throws Exception {
    String name = "bn-" + id + "-" + suffix;
    namespaces.add(name);
    assertEquals(0, run("ip", "netns", "add", name).exit);
    return Path.of("/run/netns", name);
  }

  @Test
  void addCheckPingDel() throws Exception {
    RuntimeConf c1 = new RuntimeConf("c1-" + id, netns("1"), "eth0");
    RuntimeConf c2 = new RuntimeConf("c2-" + id, netns("2"), "eth0");

    Result r1 = cni.addNetworkList(list, c1);
    String ip1 = r1.ips().getFirst().ip();
    assertTrue(ip1.startsWith(subnetPrefix + "."), ip1);
    assertEquals(subnetPrefix + ".1", r1.ips().getFirst().gateway());
    assertTrue(run("ip", "-n", ns(c1), "addr", "show", "eth0").out.contains(r1.ips().getFirst().address()));
    assertTrue(Files.exists(lease(ip1)), "host-local keeps the lease in its dataDir");
    cni.checkNetworkList(list, c1);

    Result r2 = cni.addNetworkList(list, c2);
    String ip2 = r2.ips().getFirst().ip();
    assertNotEquals(ip1, ip2);
    Proc ping = run("ip", "netns", "exec", ns(c1), "busybox", "ping", "-c1", "-W1", ip2);
    assertEquals(0, ping.exit, ping.out);

    cni.delNetworkList(list, c1);
    assertFalse(run("ip", "-n", ns(c1), "link", "show", "eth0").exit == 0, "the veth is gone");
    assertFalse(Files.exists(lease(ip1)), "the lease is released");
    assertTrue(cni.getCachedResult(list, c1).isEmpty());
    cni.delNetworkList(list, c1);

    cni.delNetworkList(list, c2);
    assertFalse(Files.exists(lease(ip2)));
  }

  @Test
  void pluginFailureIsDecodedAndRolledBack() throws Exception {
    RuntimeConf gone = new RuntimeConf("c3-" + id, tmp.resolve("no-such-netns"), "eth0");
    CniException e = assertThrows(CniException.class, () -> cni.addNetworkList(list, gone));
    assertEquals("bridge", e.plugin());
    assertTrue(e.code() != 0 && e.getMessage().contains("no-such-netns"), e.getMessage());
    assertTrue(cni.getCachedResult(list, gone).isEmpty());
    try (var leases = Files.list(tmp.resolve("ipam/" + list.name()))) {
      assertTrue(leases.noneMatch(f -> f.getFileName().toString().startsWith(subnetPrefix)), "no lease left");
    } catch (java.nio.file.NoSuchFileException ok) {
      // host-local never ran: nothing to release.
    }
  }

  @Test
  void versionOfTheRealBridge() throws Exception {
    VersionInfo v = cni.version("bridge");
    assertTrue(v.supports("1.0.0"), v.toString());
  }

  private Path lease(String ip) {
    return tmp.resolve("ipam").resolve(list.name()).resolve(ip);
  }

  private static String ns(RuntimeConf rt) {
    return rt.netns().getFileName().toString();
  }

  record Proc(int exit, String out) {}

  static Proc run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Proc(p.waitFor(), out);
  }
}
