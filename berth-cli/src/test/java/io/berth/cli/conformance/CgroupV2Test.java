package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pure cgroup v2 host, as most current distributions are: inside a private mount namespace,
 * /sys/fs/cgroup becomes this machine's cgroup2 hierarchy alone (which holds only hugetlb here,
 * so no limits are asked for), and the whole lifecycle runs there.
 */
class CgroupV2Test extends ConformanceBase {

  // the service runs in the host's mount namespace, not the test's
  @ParameterizedTest
  @MethodSource("inCallersNamespace")
  void lifecycleOnAUnifiedHierarchy(TestRuntime rt) {
    Bundle b = bundle().script("cat /proc/self/cgroup; test -f /sys/fs/cgroup/cgroup.controllers && echo v2-mounted; sleep 1000");
    b.linux().remove("resources");
    b.write();
    String id = id(rt);
    String script =
        "set -e; mount -t cgroup2 none /sys/fs/cgroup;"
            + " $RT run --detach --bundle " + b.dir + " " + id + " > " + tmp.resolve("out") + ";"
            + " sleep 0.3; $RT pause " + id + "; $RT state " + id + " | grep -o '\"status\" *: *\"[a-z]*\"' | tr -d ' ';"
            + " $RT resume " + id + "; $RT state " + id + " | grep -o '\"status\" *: *\"[a-z]*\"' | tr -d ' ';"
            + " $RT delete --force " + id + "; echo deleted; cat " + tmp.resolve("out") + ";"
            + " ls /sys/fs/cgroup | grep -c '" + id + "' || true";
    var r = ok(rt.exec(tmp, java.util.List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
        "RT='" + String.join(" ", rt.argv()) + "'; " + script)));
    String[] lines = r.out().split("\n");
    assertEquals("\"status\":\"paused\"", lines[0], r.toString());
    assertEquals("\"status\":\"running\"", lines[1], r.toString());
    assertEquals("deleted", lines[2]);
    // The kernel still lists the v1 hierarchies the process belongs to; the unified line is last.
    int v2 = java.util.Arrays.asList(lines).indexOf("v2-mounted");
    assertEquals("0::/", lines[v2 - 1], "the container sees its own cgroup as the root (cgroup namespace)");
    assertEquals("0", lines[v2 + 1], "no cgroup of the container is left");
  }
}
