package io.berth.network;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One attachment's parameters: which container, its network namespace, the interface name inside
 * it, CNI_ARGS pairs and the capability arguments (portMappings, ips, mac, bandwidth, dns…) that
 * reach the plugins declaring them as {@code runtimeConfig}.
 *
 * @param netns the namespace's path (e.g. /run/netns/x or /proc/PID/ns/net); null for none
 * @param args CNI_ARGS as key/value pairs, in order
 * @param capabilityArgs capability name to its JSON-serialisable value
 */
public record RuntimeConf(
    String containerId, Path netns, String ifName, List<Map.Entry<String, String>> args,
    Map<String, Object> capabilityArgs) {

  /** The specification's rule for container IDs. */
  private static final Pattern CONTAINER_ID = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");

  public RuntimeConf {
    if (containerId == null || !CONTAINER_ID.matcher(containerId).matches()) {
      throw new IllegalArgumentException(
          "bad container ID \"" + containerId + "\": use letters, digits, '_', '.', '-'");
    }
    // Linux interface names: at most 15 bytes, not "." or "..", no '/', ':' or white space.
    if (ifName == null || ifName.isEmpty() || ifName.length() > 15 || ifName.equals(".")
        || ifName.equals("..") || !ifName.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c))) {
      throw new IllegalArgumentException(
          "bad interface name \"" + ifName + "\": 1 to 15 characters without '/', ':' or spaces");
    }
    args = args == null ? List.of() : List.copyOf(args);
    capabilityArgs = capabilityArgs == null ? Map.of() : Map.copyOf(capabilityArgs);
  }

  public RuntimeConf(String containerId, Path netns, String ifName) {
    this(containerId, netns, ifName, List.of(), Map.of());
  }

  /** CNI_ARGS: "K1=V1;K2=V2". */
  String argsEnv() {
    return String.join(";", args.stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
  }
}
