package io.berth.runtime.cgroup;

import io.berth.oci.Resources.DeviceRule;
import java.util.List;

/** Device cgroup rules of config-linux.md as the lines devices.allow and devices.deny accept. */
final class DeviceRules {
  private DeviceRules() {}

  /** "type major:minor access", with "*" for a missing (wildcard) number and type "a" for all. */
  static String v1Line(DeviceRule rule) {
    String type = rule.type() == null || rule.type().isEmpty() ? "a" : rule.type();
    if (!type.equals("a") && !type.equals("c") && !type.equals("b")) {
      throw new CgroupException("device rule " + rule + ": type must be a, c or b");
    }
    String access = rule.access() == null || rule.access().isEmpty() ? "rwm" : rule.access();
    if (!access.matches("[rwm]{1,3}")) {
      throw new CgroupException("device rule " + rule + ": access must be made of r, w and m");
    }
    return type + " " + number(rule.major()) + ":" + number(rule.minor()) + " " + access;
  }

  /** True if the rules end in "allow everything", i.e. they restrict nothing. */
  static boolean allowAll(List<DeviceRule> rules) {
    if (rules == null || rules.isEmpty()) {
      return true;
    }
    DeviceRule last = rules.getLast();
    String type = last.type() == null || last.type().isEmpty() ? "a" : last.type();
    String access = last.access() == null || last.access().isEmpty() ? "rwm" : last.access();
    return last.allow()
        && type.equals("a")
        && access.chars().distinct().count() == 3
        && (last.major() == null || last.major() < 0)
        && (last.minor() == null || last.minor() < 0);
  }

  private static String number(Long n) {
    return n == null || n < 0 ? "*" : Long.toString(n);
  }
}
