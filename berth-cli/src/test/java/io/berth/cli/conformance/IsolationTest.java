package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Namespaces, the root filesystem, mounts, devices, masked and read-only paths, sysctl. */
class IsolationTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void namespacesIsolateHostnamePidsAndNetwork(TestRuntime rt) throws Exception {
    Bundle b = bundle().script("hostname; echo $$; ls /sys/class/net; for n in uts net ipc; do readlink /proc/self/ns/$n; done; cat /proc/sys/kernel/domainname");
    b.config.put("hostname", "iso-host");
    b.config.put("domainname", "iso-domain");
    var r = ok(run(rt, b));
    String[] lines = r.out().split("\n");
    assertEquals("iso-host", lines[0]);
    assertEquals("1", lines[1], "the process is pid 1 of its own pid namespace");
    assertEquals("lo", lines[2], "a new network namespace has only lo");
    if (rt.isBerth()) {
      assertEquals("iso-domain", lines[6]); // runc 1.1.5 ignores domainname (runc 1.2 sets it)
    }
    for (int i = 3; i < 6; i++) {
      String type = lines[i].substring(0, lines[i].indexOf(':'));
      assertFalse(
          lines[i].equals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + type)).toString()),
          type + " namespace must differ from the host's");
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void joiningANamespaceByPath(TestRuntime rt) throws Exception {
    Process holder = new ProcessBuilder("unshare", "--uts", "sleep", "1000").start();
    onCleanup(holder::destroyForcibly);
    String nsPath = "/proc/" + holder.pid() + "/ns/uts";
    String before = Files.readSymbolicLink(Path.of("/proc/self/ns/uts")).toString();
    String ns = before;
    for (int i = 0; i < 100 && ns.equals(before); i++) {
      Thread.sleep(10);
      ns = Files.readSymbolicLink(Path.of(nsPath)).toString();
    }
    Bundle b = bundle().script("readlink /proc/self/ns/uts");
    for (var n : b.linux().withArray("namespaces")) {
      if (n.get("type").asText().equals("uts")) {
        ((ObjectNode) n).put("path", nsPath);
      }
    }
    b.config.remove("hostname");
    var r = ok(run(rt, b));
    assertEquals(ns, r.out().trim());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void readonlyRootAndTmpfsAndBindMounts(TestRuntime rt) throws Exception {
    Path shared = Files.createDirectory(tmp.resolve("shared"));
    Files.writeString(shared.resolve("file"), "from-host\n");
    Bundle b = bundle().script(
        "touch /rootfile 2>/dev/null && echo root-writable || echo root-readonly;"
            + " touch /scratch/x && echo tmpfs-writable; stat -c %a /scratch;"
            + " cat /data/file; touch /data/new 2>/dev/null && echo bind-writable || echo bind-readonly;"
            + " grep ' /scratch ' /proc/mounts | grep -c nosuid");
    b.config.with("root").put("readonly", true);
    b.addMount("/scratch", "tmpfs", "tmpfs", "nosuid", "size=1m", "mode=1770");
    b.addMount("/data", "bind", shared.toString(), "rbind", "ro");
    var r = ok(run(rt, b));
    assertEquals(
        "root-readonly\ntmpfs-writable\n1770\nfrom-host\nbind-readonly\n1\n", r.out());
    assertFalse(Files.exists(shared.resolve("new")));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void maskedAndReadonlyPaths(TestRuntime rt) {
    Bundle b = bundle().script(
        "echo $(wc -c < /proc/timer_list); echo $(ls /sys/firmware | wc -l);"
            + " echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable || echo sys-readonly");
    var r = ok(run(rt, b));
    assertEquals("0\n0\nsys-readonly\n", r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void defaultDevicesLinksAndConfiguredDevices(TestRuntime rt) {
    Bundle b = bundle().script(
        "for d in null zero full random urandom tty; do stat -c '%n %F %t,%T %a' /dev/$d; done;"
            + " for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done;"
            + " stat -c '%n %F %t,%T %a %u:%g' /dev/berth-zero; head -c 3 /dev/berth-zero | wc -c");
    ObjectNode dev = b.linux().withArray("devices").addObject();
    dev.put("path", "/dev/berth-zero").put("type", "c").put("major", 1).put("minor", 5)
        .put("fileMode", 0640).put("uid", 0).put("gid", 0);
    ArrayNode rules = b.linux().with("resources").withArray("devices");
    rules.addObject().put("allow", true).put("type", "c").put("major", 1).put("minor", 5).put("access", "rwm");
    var r = ok(run(rt, b));
    String[] lines = r.out().split("\n");
    assertEquals("/dev/null character special file 1,3 666", lines[0]);
    assertEquals("/dev/zero character special file 1,5 666", lines[1]);
    assertEquals("/dev/tty character special file 5,0 666", lines[5]);
    assertEquals("/proc/self/fd", lines[6]);
    assertEquals("/proc/self/fd/0", lines[7]);
    assertEquals("/proc/self/fd/2", lines[9]);
    assertEquals("pts/ptmx", lines[10]);
    assertEquals("/dev/berth-zero character special file 1,5 640 0:0", lines[11]);
    assertEquals("3", lines[12].trim());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void deviceCgroupDeniesWhatIsNotAllowed(TestRuntime rt) {
    // /dev/berth-mem is c 1:1 (/dev/mem): created, but the device cgroup denies opening it.
    Bundle b = bundle().script("head -c 1 /dev/berth-mem >/dev/null 2>&1 && echo opened || echo denied");
    ObjectNode dev = b.linux().withArray("devices").addObject();
    dev.put("path", "/dev/berth-mem").put("type", "c").put("major", 1).put("minor", 1).put("fileMode", 0600);
    b.process().with("capabilities").withArray("bounding").add("CAP_SYS_RAWIO");
    b.process().with("capabilities").withArray("effective").add("CAP_SYS_RAWIO");
    b.process().with("capabilities").withArray("permitted").add("CAP_SYS_RAWIO");
    var r = ok(run(rt, b));
    assertEquals("denied\n", r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void sysctlIsWrittenInTheContainersNamespaces(TestRuntime rt) throws Exception {
    String hostValue = Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim();
    Bundle b = bundle().script("cat /proc/sys/net/ipv4/ip_unprivileged_port_start");
    b.linux().with("sysctl").put("net.ipv4.ip_unprivileged_port_start", "99");
    var r = ok(run(rt, b));
    assertEquals("99\n", r.out());
    assertEquals(hostValue, Files.readString(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trim());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void userNamespaceWithMappings(TestRuntime rt) throws Exception {
    Bundle b = inUserNamespace(bundle().script("cat /proc/self/uid_map /proc/self/gid_map; id -u"), 100000);
    var r = ok(run(rt, b));
    String[] lines = r.out().trim().split("\n");
    assertEquals("0 100000 65536", lines[0].trim().replaceAll("\\s+", " "));
    assertEquals("0 100000 65536", lines[1].trim().replaceAll("\\s+", " "));
    assertEquals("0", lines[2].trim());
  }

  /** Maps the container's root to {@code hostId} in a new user namespace. */
  private static Bundle inUserNamespace(Bundle b, int hostId) throws Exception {
    b.linux().withArray("namespaces").addObject().put("type", "user");
    b.linux().putArray("uidMappings").addObject().put("containerID", 0).put("hostID", hostId).put("size", 65536);
    b.linux().putArray("gidMappings").addObject().put("containerID", 0).put("hostID", hostId).put("size", 65536);
    // The rootfs must be reachable by the mapped root: hand it over, as rootless tools do.
    chownTree(b.dir, hostId);
    // Without a mapped owner, sysfs and the cgroup mount cannot be made in a user namespace.
    b.mounts().removeIf(m -> m.get("destination").asText().startsWith("/sys"));
    b.linux().remove("resources");
    return b;
  }

  private static void chownTree(Path dir, int id) throws Exception {
    Process p = new ProcessBuilder("chown", "-R", "-h", id + ":" + id, dir.toString()).inheritIO().start();
    assertEquals(0, p.waitFor());
    Path parent = dir.getParent();
    Files.setPosixFilePermissions(parent, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    assertTrue(Files.isDirectory(dir));
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void createAndStartInAUserNamespace(TestRuntime rt) throws Exception {
    Bundle b = inUserNamespace(bundle().script("id -u"), 200000);
    b.write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    ok(rt.run(tmp, "start", id));
    awaitStatus(rt, id, "stopped");
  }

  // runc 1.1.5 needs /proc inside the rootfs to close fds
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void withoutAMountNamespaceTheRootIsAChroot(TestRuntime rt) {
    Bundle b = bundle().script("ls / | tr '\\n' ' '");
    b.linux().withArray("namespaces").removeIf(n -> n.get("type").asText().equals("mount"));
    b.config.putArray("mounts");
    b.linux().remove("maskedPaths");
    b.linux().remove("readonlyPaths");
    b.config.with("root").put("readonly", false);
    var r = ok(run(rt, b));
    assertTrue(r.out().startsWith("bin etc tmp"), r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void hostnameInAJoinedUtsNamespace(TestRuntime rt) throws Exception {
    Process holder = new ProcessBuilder("unshare", "--uts", "sleep", "1000").start();
    onCleanup(holder::destroyForcibly);
    String nsPath = "/proc/" + holder.pid() + "/ns/uts";
    Thread.sleep(200);
    Bundle b = bundle().script("hostname");
    for (var n : b.linux().withArray("namespaces")) {
      if (n.get("type").asText().equals("uts")) {
        ((ObjectNode) n).put("path", nsPath);
      }
    }
    b.config.put("hostname", "joined-uts");
    var r = ok(run(rt, b));
    assertEquals("joined-uts\n", r.out());
  }
}
