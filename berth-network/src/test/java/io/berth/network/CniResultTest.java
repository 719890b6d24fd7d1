package io.berth.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.berth.oci.SpecJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CniResultTest {
  @Test
  void converts040To100() {
    Result r = Result.fromJson("""
        {"cniVersion": "0.4.0",
         "interfaces": [{"name": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "sandbox": "/run/netns/x"}],
         "ips": [{"version": "4", "address": "10.1.2.3/24", "gateway": "10.1.2.1", "interface": 0}],
         "routes": [{"dst": "0.0.0.0/0"}],
         "dns": {"nameservers": ["10.1.2.1"]}}
        """.getBytes(StandardCharsets.UTF_8), "t");
    assertEquals("1.0.0", r.cniVersion());
    assertEquals("10.1.2.3", r.ips().get(0).ip());
    assertEquals(0, r.ips().get(0).iface());
    assertEquals("eth0", r.interfaces().get(0).name());
    assertEquals("0.0.0.0/0", r.routes().get(0).dst());
    assertEquals("10.1.2.1", r.dns().nameservers().get(0));
    String json = SpecJson.toString(r);
    assertFalse(json.contains("version\":\"4"), json);
    assertEquals(List.of(java.util.Map.of("address", "10.1.2.3/24", "gateway", "10.1.2.1", "interface", 0)), r.toJson().get("ips"));
  }

  @Test
  void converts020To100() {
    Result r = Result.fromJson("""
        {"cniVersion": "0.2.0", "ip4": {"ip": "10.9.0.5/16", "gateway": "10.9.0.1",
          "routes": [{"dst": "0.0.0.0/0", "gw": "10.9.0.1"}]}}
        """.getBytes(StandardCharsets.UTF_8), "t");
    assertEquals("10.9.0.5/16", r.ips().get(0).address());
    assertNull(r.ips().get(0).iface());
    assertEquals("10.9.0.1", r.routes().get(0).gw());
  }
}
