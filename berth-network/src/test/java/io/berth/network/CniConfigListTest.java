package io.berth.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniConfigListTest {
  @Test
  void parsesAConflist() {
    NetworkConfigList l = NetworkConfigList.parse("""
        {"cniVersion": "1.0.0", "name": "net1", "disableCheck": true,
         "plugins": [{"type": "bridge", "bridge": "b0"},
                     {"type": "portmap", "capabilities": {"portMappings": true, "ips": false}}]}
        """, "t");
    assertEquals("1.0.0", l.cniVersion());
    assertEquals("net1", l.name());
    assertTrue(l.disableCheck());
    assertEquals(List.of("bridge", "portmap"), l.plugins().stream().map(NetworkConfigList.Plugin::type).toList());
    assertEquals("b0", l.plugins().get(0).config().get("bridge"));
    assertEquals(Set.of("portMappings"), l.plugins().get(1).capabilities());
  }

  @Test
  void promotesASingleConf() {
    NetworkConfigList l = NetworkConfigList.parse(
        "{\"cniVersion\": \"0.4.0\", \"name\": \"one\", \"type\": \"bridge\", \"ipam\": {}}", "t");
    assertEquals(1, l.plugins().size());
    assertEquals("bridge", l.plugins().get(0).type());
    assertTrue(l.plugins().get(0).config().containsKey("ipam"));
    assertFalse(l.disableCheck());
  }

  @Test
  void rejectsWhatTheSpecForbids() {
    assertMessage("missing \"name\"", "{\"cniVersion\": \"1.0.0\", \"plugins\": [{\"type\": \"x\"}]}");
    assertMessage("plugins[1]: missing \"type\"",
        "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": [{\"type\": \"x\"}, {\"foo\": 1}]}");
    assertMessage("bad cniVersion \"2.0\"", "{\"cniVersion\": \"2.0\", \"name\": \"n\", \"type\": \"x\"}");
    assertMessage("missing \"cniVersion\"", "{\"name\": \"n\", \"type\": \"x\"}");
    assertMessage("no plugins", "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"plugins\": []}");
    assertMessage("bad network name", "{\"cniVersion\": \"1.0.0\", \"name\": \"a/b\", \"type\": \"x\"}");
    assertMessage("a name, not a path", "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"type\": \"../x\"}");
    assertMessage("malformed JSON", "{\"cniVersion\": ");
    assertMessage("\"disableCheck\" must be true or false",
        "{\"cniVersion\": \"1.0.0\", \"name\": \"n\", \"disableCheck\": 3, \"type\": \"x\"}");
  }

  private static void assertMessage(String expected, String json) {
    InvalidNetworkConfigException e =
        assertThrows(InvalidNetworkConfigException.class, () -> NetworkConfigList.parse(json, "f.conflist"));
    assertTrue(e.getMessage().startsWith("f.conflist"), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void loadsADirectoryInNameOrderAndFindsByName(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("20-b.conflist"),
        "{\"cniVersion\": \"1.0.0\", \"name\": \"same\", \"plugins\": [{\"type\": \"second\"}]}");
    Files.writeString(dir.resolve("10-a.conf"), "{\"cniVersion\": \"1.0.0\", \"name\": \"same\", \"type\": \"first\"}");
    Files.writeString(dir.resolve("30-c.json"), "{\"cniVersion\": \"1.0.0\", \"name\": \"other\", \"type\": \"x\"}");
    Files.writeString(dir.resolve("README"), "not a config");
    assertEquals(List.of("same", "same", "other"),
        NetworkConfigList.loadAll(dir).stream().map(NetworkConfigList::name).toList());
    assertEquals("first", NetworkConfigList.find(dir, "same").orElseThrow().plugins().get(0).type());
    assertTrue(NetworkConfigList.find(dir, "nope").isEmpty());
    assertTrue(NetworkConfigList.loadAll(dir.resolve("missing")).isEmpty());
  }
}
