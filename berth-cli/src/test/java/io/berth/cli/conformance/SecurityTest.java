package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The classes of runc CVE-2019-5736, CVE-2021-30465 and CVE-2024-21626. */
class SecurityTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void theRuntimeBinaryInsideTheContainerIsASealedCopy(TestRuntime rt) throws Exception {
    // Before start, the container's init is still the runtime: /proc/PID/exe must not lead to
    // a host file the container could overwrite (CVE-2019-5736).
    Bundle b = bundle("true").write();
    String id = id(rt);
    ok(rt.run(tmp, "create", "--bundle", b.dir.toString(), id));
    int pid = state(rt, id).get("pid").asInt();
    String exe = Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
    assertFalse(exe.equals("/usr/sbin/runc") || exe.endsWith("/berth-init"), exe);
    if (rt.isBerth()) {
      assertTrue(exe.startsWith("/memfd:berth-init"), exe);
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void aSymlinkInTheRootfsCannotRedirectAMountToTheHost(TestRuntime rt) throws Exception {
    // rootfs/evil -> <host dir>: a tmpfs mounted on /evil must land inside the rootfs
    // (CVE-2021-30465's class), never on the host directory.
    Path hostDir = Files.createDirectory(tmp.resolve("host-target"));
    Files.writeString(hostDir.resolve("marker"), "host");
    Bundle b = bundle().script("ls /evil | wc -l");
    Files.createSymbolicLink(b.dir.resolve("rootfs/evil"), hostDir);
    b.addMount("/evil", "tmpfs", "tmpfs", "size=1m");
    var r = run(rt, b);
    assertTrue(Files.exists(hostDir.resolve("marker")), "host directory untouched");
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
    assertFalse(mounts.contains(hostDir.toString()), "nothing mounted on the host path");
    if (r.code() == 0) {
      assertEquals("0", r.out().trim(), "the tmpfs (empty) is what the container sees");
    }
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void noHostDirectoryFdIsTheWorkingDirectory(TestRuntime rt) {
    // CVE-2024-21626: a cwd of /proc/self/fd/N reaching a leaked host fd must not work.
    Bundle b = bundle().script("pwd; ls /proc/self/fd | tr '\\n' ' '");
    b.process().put("cwd", "/proc/self/fd/7");
    b.write();
    var r = rt.shell(tmp, "exec 7</; $RT run --bundle " + b.dir + " " + id(rt));
    assertTrue(r.code() != 0 || !r.out().startsWith("/proc/self/fd/7\n") , r.toString());
    assertFalse(r.out().contains(" 7 "), r.toString());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void defaultConfigIsConfined(TestRuntime rt) {
    // The config `spec` writes: minimal capabilities, no_new_privs, masked /proc paths.
    Bundle b = bundle().script(
        "grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '; mount -t tmpfs none /tmp 2>/dev/null && echo mounted || echo mount-denied");
    var r = ok(run(rt, b));
    assertEquals("CapEff: 0000000020000420\nNoNewPrivs: 1\nmount-denied\n", r.out());
  }
}
