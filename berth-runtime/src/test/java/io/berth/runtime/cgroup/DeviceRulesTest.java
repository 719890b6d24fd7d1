package io.berth.runtime.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.Resources.DeviceRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceRulesTest {
  @Test
  void formatsRulesWithWildcards() {
    assertEquals("a *:* rwm", DeviceRules.v1Line(new DeviceRule(false, null, null, null, null)));
    assertEquals("c 1:3 rw", DeviceRules.v1Line(new DeviceRule(true, "c", 1L, 3L, "rw")));
    assertEquals("b 8:* m", DeviceRules.v1Line(new DeviceRule(true, "b", 8L, null, "m")));
    assertEquals("c *:* m", DeviceRules.v1Line(new DeviceRule(true, "c", -1L, -1L, "m")));
  }

  @Test
  void rejectsUnknownTypesAndAccess() {
    assertThrows(
        CgroupException.class, () -> DeviceRules.v1Line(new DeviceRule(true, "p", 1L, 1L, "r")));
    assertThrows(
        CgroupException.class, () -> DeviceRules.v1Line(new DeviceRule(true, "c", 1L, 1L, "rx")));
  }

  @Test
  void knowsWhenRulesRestrictNothing() {
    DeviceRule denyAll = new DeviceRule(false, "a", null, null, "rwm");
    DeviceRule allowAll = new DeviceRule(true, null, null, null, null);
    DeviceRule allowNull = new DeviceRule(true, "c", 1L, 3L, "rwm");
    assertTrue(DeviceRules.allowAll(null));
    assertTrue(DeviceRules.allowAll(List.of(denyAll, allowAll)));
    assertFalse(DeviceRules.allowAll(List.of(denyAll, allowNull)));
    assertFalse(DeviceRules.allowAll(List.of(new DeviceRule(true, "a", null, null, "rw"))));
  }
}
