package io.berth.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol logic against a recording fake: no root, no plugins. */
class CniRuntimeTest {
  @TempDir Path tmp;
  FakePluginExec fake;
  CniRuntime cni;
  Path netns;

  static final String BRIDGE_RESULT = """
      {"cniVersion": "1.0.0", "interfaces": [{"name": "eth0", "sandbox": "/run/netns/x"}],
       "ips": [{"address": "10.7.0.2/24", "gateway": "10.7.0.1", "interface": 0}]}
      """;

  static NetworkConfigList list(String version) {
    return NetworkConfigList.parse("""
        {"cniVersion": "%s", "name": "testnet", "plugins": [
          {"type": "bridge", "bridge": "b0"},
          {"type": "portmap", "capabilities": {"portMappings": true}},
          {"type": "tuning"}]}
        """.formatted(version), "test");
  }

  RuntimeConf rt(String id) {
    return new RuntimeConf(
        id, netns, "eth0", List.of(Map.entry("IgnoreUnknown", "1"), Map.entry("K", "V")),
        Map.of("portMappings", List.of(Map.of("hostPort", 8080, "containerPort", 80, "protocol", "tcp")),
            "mac", "aa:bb:cc:dd:ee:ff"));
  }

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakePluginExec().answer("bridge", "ADD", BRIDGE_RESULT);
    PluginPath path = FakePluginExec.pluginDir(tmp.resolve("bin"), "bridge", "portmap", "tuning");
    cni = new CniRuntime(fake, path, tmp.resolve("cache"));
    netns = Files.createFile(tmp.resolve("netns"));
  }

  @Test
  void addRunsTheChainInOrderWithPrevResult() throws Exception {
    Result r = cni.addNetworkList(list("1.0.0"), rt("c1"));
    assertEquals(List.of("ADD bridge", "ADD portmap", "ADD tuning"), fake.trace());
    assertEquals("10.7.0.2", r.ips().get(0).ip());
    FakePluginExec.Call first = fake.calls.get(0);
    assertFalse(first.stdin().has("prevResult"));
    assertEquals("testnet", first.stdin().get("name").asText());
    assertEquals("1.0.0", first.stdin().get("cniVersion").asText());
    assertEquals("b0", first.stdin().get("bridge").asText());
    for (FakePluginExec.Call c : fake.calls.subList(1, 3)) {
      assertEquals("10.7.0.2/24", c.stdin().get("prevResult").get("ips").get(0).get("address").asText());
    }
    Map<String, String> env = first.env();
    assertEquals("ADD", env.get("CNI_COMMAND"));
    assertEquals("c1", env.get("CNI_CONTAINERID"));
    assertEquals(netns.toString(), env.get("CNI_NETNS"));
    assertEquals("eth0", env.get("CNI_IFNAME"));
    assertEquals("IgnoreUnknown=1;K=V", env.get("CNI_ARGS"));
    assertEquals(tmp.resolve("bin").toString(), env.get("CNI_PATH"));
    assertEquals(Set.of("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"),
        env.keySet());
    assertEquals("10.7.0.2/24",
        cni.getCachedResult(list("1.0.0"), rt("c1")).orElseThrow().ips().get(0).address());
  }

  @Test
  void runtimeConfigOnlyForDeclaredCapabilities() throws Exception {
    cni.addNetworkList(list("1.0.0"), rt("c1"));
    JsonNode portmap = fake.calls.get(1).stdin();
    assertEquals(8080, portmap.get("runtimeConfig").get("portMappings").get(0).get("hostPort").asInt());
    assertFalse(portmap.get("runtimeConfig").has("mac"), "mac was not declared by portmap");
    assertFalse(fake.calls.get(0).stdin().has("runtimeConfig"));
    assertFalse(fake.calls.get(2).stdin().has("runtimeConfig"));
  }

  @Test
  void delRunsInReverseWithTheCachedResult() throws Exception {
    cni.addNetworkList(list("1.0.0"), rt("c1"));
    fake.calls.clear();
    cni.delNetworkList(list("1.0.0"), rt("c1"));
    assertEquals(List.of("DEL tuning", "DEL portmap", "DEL bridge"), fake.trace());
    for (FakePluginExec.Call c : fake.calls) {
      assertEquals("10.7.0.2/24", c.stdin().get("prevResult").get("ips").get(0).get("address").asText());
      assertEquals(netns.toString(), c.env().get("CNI_NETNS"));
    }
    assertTrue(cni.getCachedResult(list("1.0.0"), rt("c1")).isEmpty());
    assertFalse(Files.exists(tmp.resolve("cache/testnet/c1")), "no empty cache directories left");
  }

  @Test
  void delWithoutCacheOrNetnsIsNotAnError() throws Exception {
    Files.delete(netns);
    cni.delNetworkList(list("1.0.0"), rt("never-added"));
    cni.delNetworkList(list("1.0.0"), rt("never-added"));
    assertEquals(6, fake.calls.size());
    for (FakePluginExec.Call c : fake.calls) {
      assertFalse(c.stdin().has("prevResult"));
      assertNull(c.env().get("CNI_NETNS"), "a namespace that is gone is not handed to plugins");
    }
  }

  @Test
  void failedAddIsRolledBackWithDel() throws Exception {
    CniException boom = new CniException("portmap", 11, "iptables is locked", "try later");
    fake.fail("portmap", "ADD", boom);
    CniException e = assertThrows(CniException.class, () -> cni.addNetworkList(list("1.0.0"), rt("c1")));
    assertSame(boom, e);
    assertEquals(List.of("ADD bridge", "ADD portmap", "DEL tuning", "DEL portmap", "DEL bridge"), fake.trace());
    assertTrue(cni.getCachedResult(list("1.0.0"), rt("c1")).isEmpty());
  }

  @Test
  void rollbackFailureIsKeptAsSuppressed() throws Exception {
    fake.fail("tuning", "ADD", new CniException("tuning", 7, "bad sysctl", null));
    fake.fail("bridge", "DEL", new CniException("bridge", 5, "cannot delete veth", null));
    CniException e = assertThrows(CniException.class, () -> cni.addNetworkList(list("1.0.0"), rt("c1")));
    assertEquals("tuning", e.plugin());
    assertEquals("bridge", ((CniException) e.getSuppressed()[0]).plugin());
  }

  @Test
  void checkUsesTheCacheAndHonoursDisableCheck() throws Exception {
    cni.addNetworkList(list("1.0.0"), rt("c1"));
    fake.calls.clear();
    cni.checkNetworkList(list("1.0.0"), rt("c1"));
    assertEquals(List.of("CHECK bridge", "CHECK portmap", "CHECK tuning"), fake.trace());
    assertTrue(fake.calls.get(0).stdin().has("prevResult"));
    CniException e = assertThrows(CniException.class, () -> cni.checkNetworkList(list("1.0.0"), rt("other")));
    assertTrue(e.getMessage().contains("no cached result"), e.getMessage());

    fake.calls.clear();
    NetworkConfigList noCheck = NetworkConfigList.parse(
        "{\"cniVersion\": \"1.0.0\", \"name\": \"testnet\", \"disableCheck\": true, \"plugins\": [{\"type\": \"bridge\"}]}",
        "t");
    cni.checkNetworkList(noCheck, rt("c1"));
    assertTrue(fake.calls.isEmpty());
  }

  @Test
  void pluginErrorJsonBecomesAClearMessage() {
    CniException e = RealPluginExec.decodeError("bridge", 1,
        "{\"cniVersion\": \"1.0.0\", \"code\": 7, \"msg\": \"bridge name too long\", \"details\": \"max 15\"}"
            .getBytes(StandardCharsets.UTF_8), new byte[0]);
    assertEquals(7, e.code());
    assertEquals("bridge name too long", e.msg());
    assertEquals("max 15", e.details());
    assertEquals("CNI plugin bridge: bridge name too long (CNI error code 7, invalid network config): max 15",
        e.getMessage());
    CniException raw = RealPluginExec.decodeError("x", 2, new byte[0], "panic: oops\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("CNI plugin x: exited with status 2: panic: oops", raw.getMessage());
  }

  @Test
  void missingPluginSaysWhereItLooked() {
    NetworkConfigList l = NetworkConfigList.parse(
        "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"nosuch\"}", "t");
    CniException e = assertThrows(CniException.class, () -> cni.addNetworkList(l, rt("c1")));
    assertTrue(e.getMessage().contains("plugin \"nosuch\" not found in CNI_PATH " + tmp.resolve("bin")), e.getMessage());
  }

  @Test
  void gcFallbackDeletesOnlyStaleAttachments() throws Exception {
    NetworkConfigList l = list("1.0.0");
    cni.addNetworkList(l, rt("keep"));
    cni.addNetworkList(l, rt("stale"));
    fake.calls.clear();
    cni.gcNetworkList(l, Set.of(new Attachment("keep", "eth0")));
    assertEquals(List.of("DEL tuning", "DEL portmap", "DEL bridge"), fake.trace());
    assertTrue(fake.calls.stream().allMatch(c -> c.env().get("CNI_CONTAINERID").equals("stale")));
    assertEquals("IgnoreUnknown=1;K=V", fake.calls.get(0).env().get("CNI_ARGS"), "DEL gets ADD's arguments back");
    assertEquals(List.of(new Attachment("keep", "eth0")), cni.getCachedAttachments("testnet"));
  }

  @Test
  void gcFor110SendsValidAttachments() throws Exception {
    NetworkConfigList l = list("1.1.0");
    cni.addNetworkList(l, rt("keep"));
    fake.calls.clear();
    cni.gcNetworkList(l, Set.of(new Attachment("keep", "eth0")));
    assertEquals(List.of("GC bridge", "GC portmap", "GC tuning"), fake.trace());
    JsonNode valid = fake.calls.get(0).stdin().get("cni.dev/valid-attachments");
    assertEquals("keep", valid.get(0).get("containerID").asText());
    assertEquals("eth0", valid.get(0).get("ifname").asText());
    assertEquals(Map.of("CNI_COMMAND", "GC", "CNI_PATH", tmp.resolve("bin").toString()), fake.calls.get(0).env());
  }

  @Test
  void statusOnlyFor110AndVersionQuery() throws Exception {
    cni.status(list("1.0.0"));
    assertTrue(fake.calls.isEmpty());
    cni.status(list("1.1.0"));
    assertEquals(List.of("STATUS bridge", "STATUS portmap", "STATUS tuning"), fake.trace());
    fake.answer("bridge", "VERSION", "{\"cniVersion\": \"1.0.0\", \"supportedVersions\": [\"0.4.0\", \"1.0.0\"]}");
    VersionInfo v = cni.version("bridge");
    assertTrue(v.supports("1.0.0"));
    assertFalse(v.supports("1.1.0"));
  }

  @Test
  void badRuntimeConf() {
    assertThrows(IllegalArgumentException.class, () -> new RuntimeConf("c1", null, "much-too-long-ifname"));
    assertThrows(IllegalArgumentException.class, () -> new RuntimeConf("a/b", null, "eth0"));
  }
}
