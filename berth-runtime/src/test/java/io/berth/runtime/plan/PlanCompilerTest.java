package io.berth.runtime.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.oci.DefaultSpec;
import io.berth.oci.InvalidSpecException;
import io.berth.oci.LinuxNames.NamespaceType;
import io.berth.oci.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanCompilerTest {
  static final CreateContext.HostPaths FAKE_HOST =
      new CreateContext.HostPaths() {
        @Override
        public boolean exists(String path) {
          return !path.contains("missing");
        }

        @Override
        public boolean isDirectory(String path) {
          return !path.endsWith(".conf");
        }
      };

  static CreateContext ctx(String consoleSocket) {
    return new CreateContext(
        Path.of("/b"), Path.of("/b/rootfs"), Path.of("/run/x/exec.fifo"), consoleSocket, 0, false,
        Map.of("cpu", "/sys/fs/cgroup/cpu/berth/x"), null, 40, FAKE_HOST, null);
  }

  static Spec spec() {
    Spec s = DefaultSpec.create(false, 0, 0);
    Spec.Process p = s.process();
    return new Spec(
        s.ociVersion(), s.root(), s.mounts(),
        new Spec.Process(false, null, p.user(), List.of("sh"), null, p.env(), "/", p.capabilities(),
            p.rlimits(), true, null, null, null),
        s.hostname(), null, null, null, s.linux());
  }

  static List<String> ops(Plan plan) {
    return plan.steps().stream().map(st -> st.op().name()).toList();
  }

  static Plan.Step first(Plan plan, Op op) {
    return plan.steps().stream().filter(s -> s.op() == op).findFirst().orElseThrow();
  }

  @Test
  void capabilitiesBecomeMasks() {
    Plan plan = PlanCompiler.forCreate(spec(), ctx(null));
    Plan.Step caps = first(plan, Op.CAPS);
    long expected = (1L << 29) | (1L << 5) | (1L << 10);
    assertEquals(Long.toString(expected), first(plan, Op.CAPBSET).arg(0), "bounding");
    assertEquals(Long.toString(expected), caps.arg(0), "effective");
    assertEquals(Long.toString(expected), caps.arg(1), "permitted");
    assertEquals("0", caps.arg(2), "inheritable");
    assertEquals("0", caps.arg(3), "ambient");
  }

  @Test
  void capabilitiesAboveTheKernelsLastAreLeftOut() {
    assertEquals(Long.toString(1L << 5), PlanCompiler.capMask(List.of("CAP_KILL", "CAP_CHECKPOINT_RESTORE"), 39));
  }

  @Test
  void orderIsCloneThenMountsThenPivotThenUserThenExec() {
    List<String> ops = ops(PlanCompiler.forCreate(spec(), ctx(null)));
    int clone = ops.indexOf("CLONE");
    int created = ops.indexOf("SYNC");
    int pivot = ops.indexOf("PIVOT_ROOT");
    int mask = ops.indexOf("MASK");
    int setuid = ops.indexOf("SETUID");
    assertTrue(ops.indexOf("CAPBSET") < setuid, ops.toString());
    int caps = ops.indexOf("CAPS");
    int fifo = ops.indexOf("WAIT_FIFO");
    int exec = ops.indexOf("EXEC");
    assertTrue(clone < created && created < ops.indexOf("MOUNT_IN_ROOT"), ops.toString());
    assertTrue(ops.lastIndexOf("MOUNT_IN_ROOT") < pivot && pivot < mask, ops.toString());
    assertTrue(mask < setuid && setuid < caps && caps < fifo && fifo < exec, ops.toString());
    assertEquals(ops.size() - 1, exec);
  }

  @Test
  void cloneFlagsHoldTheNewNamespacesButNotCgroup() {
    Plan plan = PlanCompiler.forCreate(spec(), ctx(null));
    long flags = Long.parseLong(first(plan, Op.CLONE).arg(0));
    long pid = 0x20000000, net = 0x40000000, mnt = 0x00020000, ipc = 0x08000000, uts = 0x04000000;
    assertEquals(pid | net | mnt | ipc | uts, flags);
    assertEquals(Long.toString(0x02000000), first(plan, Op.UNSHARE).arg(0));
  }

  @Test
  void terminalWithoutConsoleSocketIsAnError() {
    Spec s = spec();
    Spec.Process p = s.process();
    Spec t =
        new Spec(s.ociVersion(), s.root(), s.mounts(),
            new Spec.Process(true, null, p.user(), p.args(), null, p.env(), "/", null, null, null, null, null, null),
            s.hostname(), null, null, null, s.linux());
    assertThrows(InvalidSpecException.class, () -> PlanCompiler.forCreate(t, ctx(null)));
    Plan plan = PlanCompiler.forCreate(t, ctx("/tmp/console.sock"));
    assertEquals("/tmp/console.sock", first(plan, Op.CONSOLE_CONNECT).arg(0));
    assertTrue(ops(plan).indexOf("CONSOLE") > ops(plan).indexOf("PIVOT_ROOT"));
  }

  @Test
  void bindMountFlagsNeedARemount() {
    Spec s = spec();
    List<Spec.Mount> mounts = new java.util.ArrayList<>(s.mounts());
    mounts.add(new Spec.Mount("/data", "bind", "/srv/data", List.of("rbind", "ro", "nosuid")));
    Spec b = new Spec(s.ociVersion(), s.root(), mounts, s.process(), s.hostname(), null, null, null, s.linux());
    Plan plan = PlanCompiler.forCreate(b, ctx(null));
    List<Plan.Step> data = plan.steps().stream()
        .filter(st -> st.op() == Op.MOUNT_IN_ROOT && st.arg(1).equals("/data")).toList();
    assertEquals(2, data.size());
    assertEquals("/srv/data", data.get(0).arg(0));
    assertEquals(Long.toString(MountOptions.MS_BIND | MountOptions.MS_REC), data.get(0).arg(3));
    assertEquals("d", data.get(0).arg(5));
    assertEquals(
        Long.toString(MountOptions.MS_BIND | MountOptions.MS_REMOUNT | MountOptions.MS_RDONLY | MountOptions.MS_NOSUID),
        data.get(1).arg(3));
  }

  @Test
  void missingBindSourceIsAClearError() {
    Spec s = spec();
    List<Spec.Mount> mounts = new java.util.ArrayList<>(s.mounts());
    mounts.add(new Spec.Mount("/data", "bind", "/srv/missing", List.of("bind")));
    Spec b = new Spec(s.ociVersion(), s.root(), mounts, s.process(), s.hostname(), null, null, null, s.linux());
    var e = assertThrows(InvalidSpecException.class, () -> PlanCompiler.forCreate(b, ctx(null)));
    assertTrue(e.getMessage().contains("/srv/missing"), e.getMessage());
  }

  @Test
  void encodingIsMagicVersionThenRecords() {
    byte[] b = new Plan().add(Op.CHDIR, "/x").encode();
    var buf = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder());
    assertEquals("BPLN", new String(b, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(1, buf.getInt(4));
    assertEquals(18, buf.getInt(8));
    assertEquals(1, buf.getInt(12));
    assertEquals(2, buf.getInt(16));
    assertEquals(22, b.length);
  }

  static final CreateContext.CgroupJoin JOIN =
      new CreateContext.CgroupJoin(
          List.of("/sys/fs/cgroup/cpu/berth/x/tasks", "/sys/fs/cgroup/pids/berth/x/tasks"),
          "/sys/fs/cgroup/unified/berth/x");

  static CreateContext joiningCtx() {
    CreateContext c = ctx(null);
    return new CreateContext(
        c.bundle(), c.rootfs(), c.execFifo(), c.consoleSocket(), c.preserveFds(), c.noPivot(),
        c.cgroupDirs(), c.seccomp(), c.capLastCap(), c.hostPaths(), JOIN);
  }

  @Test
  void theContainersProcessEntersItsCgroupItselfRightAfterClone() {
    for (Plan plan : List.of(
        PlanCompiler.forCreate(spec(), joiningCtx()),
        PlanCompiler.forExec(spec(), spec().process(), Map.of(NamespaceType.PID, "/proc/42/ns/pid",
            NamespaceType.MOUNT, "/proc/42/ns/mnt", NamespaceType.CGROUP, "/proc/42/ns/cgroup"), joiningCtx()))) {
      List<String> ops = ops(plan);
      Plan.Step open = first(plan, Op.CGROUP_OPEN);
      boolean exec = ops.contains("SETNS");
      assertEquals(List.of(exec ? "/proc/42/ns/cgroup" : "", "/sys/fs/cgroup/unified/berth/x",
              JOIN.threadFiles().get(0), JOIN.threadFiles().get(1)),
          open.args().stream().map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8)).toList());
      assertTrue(plan.steps().stream().noneMatch(st -> st.op() == Op.SETNS && st.arg(0).endsWith("/cgroup")),
          "the cgroup namespace is joined by the child after it entered its cgroup, not by setns before clone");
      int firstSetns = ops.indexOf("SETNS");
      assertTrue(firstSetns < 0 || ops.indexOf("CGROUP_OPEN") < firstSetns, "opened before any setns: " + ops);
      int clone = ops.indexOf("CLONE");
      assertEquals(1, first(plan, Op.CLONE).args().size(), "clone's flags only");
      assertEquals("CGROUP_ENTER", ops.get(clone + 1), ops.toString());
      assertEquals("SYNC", ops.get(clone + 2), ops.toString());
    }
  }

  @Test
  void withoutACgroupToEnterThePlanHasNoCgroupSteps() {
    List<String> ops = ops(PlanCompiler.forCreate(spec(), ctx(null)));
    assertFalse(ops.contains("CGROUP_OPEN") || ops.contains("CGROUP_ENTER"), ops.toString());
  }
}
