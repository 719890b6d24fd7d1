package io.berth.runtime.plan;

import static io.berth.runtime.plan.MountOptions.MS_BIND;
import static io.berth.runtime.plan.MountOptions.MS_REC;
import static io.berth.runtime.plan.MountOptions.MS_REMOUNT;
import static io.berth.runtime.plan.MountOptions.MS_RDONLY;
import static io.berth.runtime.plan.MountOptions.MS_SLAVE;

import io.berth.oci.InvalidSpecException;
import io.berth.oci.Linux;
import io.berth.oci.LinuxNames;
import io.berth.oci.LinuxNames.NamespaceType;
import io.berth.oci.Spec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles an OCI configuration into the plan berth-init executes. This is where the runtime's
 * policy lives: the order of mounts, devices, the switch of user and capabilities, and where the
 * process waits for {@code start}. It performs no I/O, so it is tested without root.
 */
public final class PlanCompiler {
  /** The sync point after which the runtime has placed the process in its cgroup and maps. */
  public static final String SYNC_CREATED = "created";
  /** The sync point where prestart and createRuntime hooks run (mounts done, before pivot). */
  public static final String SYNC_MOUNTED = "mounted";
  /** The sync point just before the process waits for start (create) or execs (exec). */
  public static final String SYNC_READY = "ready";

  private static final long S_IFCHR = 0020000;
  private static final long S_IFBLK = 0060000;
  private static final long S_IFIFO = 0010000;

  /** The devices every container gets, as runtime-linux.md lists them. */
  public static final List<Linux.Device> DEFAULT_DEVICES =
      List.of(
          new Linux.Device("c", "/dev/null", 1L, 3L, 0666, 0L, 0L),
          new Linux.Device("c", "/dev/zero", 1L, 5L, 0666, 0L, 0L),
          new Linux.Device("c", "/dev/full", 1L, 7L, 0666, 0L, 0L),
          new Linux.Device("c", "/dev/random", 1L, 8L, 0666, 0L, 0L),
          new Linux.Device("c", "/dev/urandom", 1L, 9L, 0666, 0L, 0L),
          new Linux.Device("c", "/dev/tty", 5L, 0L, 0666, 0L, 0L));

  private PlanCompiler() {}

  /** The plan of {@code create}: new namespaces, the root filesystem, then wait for start. */
  public static Plan forCreate(Spec spec, CreateContext ctx) {
    Plan plan = new Plan();
    Linux linux = spec.linux() != null ? spec.linux() : emptyLinux();
    Map<NamespaceType, String> ns = namespaces(linux);
    boolean newUserns = ns.containsKey(NamespaceType.USER) && ns.get(NamespaceType.USER) == null;
    boolean mountns = ns.containsKey(NamespaceType.MOUNT);
    if ((spec.hostname() != null && !spec.hostname().isEmpty()
            || spec.domainname() != null && !spec.domainname().isEmpty())
        && !ns.containsKey(NamespaceType.UTS)) {
      throw new InvalidSpecException("hostname and domainname need a UTS namespace (they would change the host's)");
    }
    Spec.Process proc = spec.process();

    // In the runtime's namespaces, before clone.
    if (proc.isTerminal()) {
      if (ctx.consoleSocket() == null) {
        throw new InvalidSpecException("process.terminal is set but no --console-socket was given");
      }
      plan.add(Op.CONSOLE_CONNECT, ctx.consoleSocket());
    }
    openCgroup(plan, ctx, ns);
    joinNamespaces(plan, ns);
    if (ns.containsKey(NamespaceType.TIME) && ns.get(NamespaceType.TIME) == null) {
      plan.add(Op.UNSHARE, NamespaceType.TIME.cloneFlag);
      if (linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
        StringBuilder offsets = new StringBuilder();
        linux.timeOffsets().forEach(
            (clock, off) ->
                offsets.append(clock).append(' ')
                    .append(off.secs() == null ? 0 : off.secs()).append(' ')
                    .append(off.nanosecs() == null ? 0 : off.nanosecs()).append('\n'));
        plan.add(Op.WRITE_FILE, "/proc/self/timens_offsets", offsets.toString());
      }
    }
    int cloneFlags = 0;
    for (var e : ns.entrySet()) {
      if (e.getValue() == null
          && e.getKey() != NamespaceType.TIME
          && e.getKey() != NamespaceType.CGROUP) {
        cloneFlags |= e.getKey().cloneFlag;
      }
    }
    plan.add(Op.CLONE, cloneFlags);

    // The container's init from here on.
    enterCgroup(plan, ctx);
    plan.add(Op.SYNC, SYNC_CREATED);
    if (newUserns) {
      plan.add(Op.SETGID, 0).add(Op.SETUID, 0);
    }
    if (ns.containsKey(NamespaceType.CGROUP) && ns.get(NamespaceType.CGROUP) == null) {
      // After the runtime put us in our cgroup, so that it becomes the namespace's root.
      plan.add(Op.UNSHARE, NamespaceType.CGROUP.cloneFlag);
    }
    String rootfs = ctx.rootfs().toString();
    String propagation = linux.rootfsPropagation();
    long rootProp =
        propagation == null || propagation.isEmpty()
            ? MS_SLAVE | MS_REC
            : MountOptions.propagation(propagation);
    if (mountns) {
      // In a new mount namespace, or one joined by path: either way the root is set up there.
      plan.add(Op.MOUNT_PROPAGATION, "/", (rootProp & MountOptions.MS_SHARED) != 0 ? MS_SLAVE | MS_REC : rootProp);
      plan.add(Op.MOUNT, rootfs, rootfs, "", MS_BIND | MS_REC, "");
      plan.add(Op.SET_ROOT, rootfs);
      boolean devBound = false;
      for (Spec.Mount m : spec.mounts() == null ? List.<Spec.Mount>of() : spec.mounts()) {
        mount(plan, m, ctx);
        if (normalize(m.destination()).equals("/dev")
            && MountOptions.parse(m.type(), m.options()).bind()) {
          devBound = true;
        }
      }
      if (!devBound) {
        devices(plan, DEFAULT_DEVICES, newUserns);
        devLinks(plan, ctx);
      }
      devices(plan, linux.devices() == null ? List.of() : linux.devices(), newUserns);
    } else {
      // No mount namespace: mounts would land in the host's, so there are none; only a chroot.
      plan.add(Op.SET_ROOT, rootfs);
    }
    if (proc.oomScoreAdj() != null) {
      plan.add(Op.WRITE_FILE, "/proc/self/oom_score_adj", String.valueOf(proc.oomScoreAdj()));
    }
    if (ctx.execFifo() != null) {
      plan.add(Op.OPEN_FIFO, ctx.execFifo().toString());
    }
    plan.add(Op.SYNC, SYNC_MOUNTED);
    hooks(plan, spec.hooks() == null ? null : spec.hooks().createContainer());
    if (!mountns) {
      plan.add(Op.CHROOT, rootfs);
      sysctls(plan, linux);
    } else {
      if (ctx.noPivot()) {
        plan.add(Op.MOVE_ROOT, rootfs);
      } else {
        plan.add(Op.PIVOT_ROOT, rootfs);
      }
      if ((rootProp & MountOptions.MS_SHARED) != 0) {
        plan.add(Op.MOUNT_PROPAGATION, "/", rootProp);
      }
      // Before /proc/sys becomes read-only.
      sysctls(plan, linux);
      for (String p : linux.readonlyPaths() == null ? List.<String>of() : linux.readonlyPaths()) {
        plan.add(Op.READONLY, p);
      }
      for (String p : linux.maskedPaths() == null ? List.<String>of() : linux.maskedPaths()) {
        plan.add(Op.MASK, p);
      }
      if (spec.root().isReadonly()) {
        plan.add(Op.MOUNT, "", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
      }
    }
    if (spec.hostname() != null && !spec.hostname().isEmpty()) {
      plan.add(Op.SETHOSTNAME, spec.hostname());
    }
    if (spec.domainname() != null && !spec.domainname().isEmpty()) {
      plan.add(Op.SETDOMAINNAME, spec.domainname());
    }
    if (linux.personality() != null) {
      plan.add(Op.PERSONALITY, personality(linux.personality()));
    }
    process(plan, proc, linux, ctx, true);
    hooks(plan, spec.hooks() == null ? null : spec.hooks().startContainer());
    finish(plan, proc, ctx);
    return plan;
  }

  /**
   * The plan of {@code exec}: join the namespaces of a running container's init ({@code
   * nsPaths}: type -> /proc/PID/ns/... for each namespace the container does not share with
   * us), then run {@code proc} as the container's config says.
   */
  public static Plan forExec(
      Spec spec, Spec.Process proc, Map<NamespaceType, String> nsPaths, CreateContext ctx) {
    Plan plan = new Plan();
    Linux linux = spec.linux() != null ? spec.linux() : emptyLinux();
    if (proc.isTerminal()) {
      if (ctx.consoleSocket() == null) {
        throw new InvalidSpecException("a terminal was requested but no --console-socket was given");
      }
      plan.add(Op.CONSOLE_CONNECT, ctx.consoleSocket());
    }
    Map<NamespaceType, String> ns = new EnumMap<>(nsPaths);
    openCgroup(plan, ctx, ns);
    joinNamespaces(plan, ns);
    plan.add(Op.CLONE, 0);
    enterCgroup(plan, ctx);
    plan.add(Op.SYNC, SYNC_CREATED);
    if (proc.oomScoreAdj() != null) {
      plan.add(Op.WRITE_FILE, "/proc/self/oom_score_adj", String.valueOf(proc.oomScoreAdj()));
    }
    process(plan, proc, linux, ctx, false);
    finish(plan, proc, ctx);
    return plan;
  }

  private static void sysctls(Plan plan, Linux linux) {
    if (linux.sysctl() != null) {
      linux.sysctl().forEach(
          (k, v) -> plan.add(Op.WRITE_FILE, "/proc/sys/" + k.replace('.', '/'), v));
    }
  }

  /** PER_LINUX and PER_LINUX32 (personality(2)); flags are not part of the specification's set. */
  private static int personality(Linux.Personality p) {
    if (p.flags() != null && !p.flags().isEmpty()) {
      throw new InvalidSpecException("linux.personality.flags are not supported");
    }
    return switch (p.domain() == null ? "" : p.domain()) {
      case "LINUX" -> 0;
      case "LINUX32" -> 0x0008;
      default -> throw new InvalidSpecException("unknown personality domain \"" + p.domain() + "\"");
    };
  }

  private static Linux emptyLinux() {
    return new Linux(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  private static Map<NamespaceType, String> namespaces(Linux linux) {
    Map<NamespaceType, String> ns = new EnumMap<>(NamespaceType.class);
    if (linux.namespaces() != null) {
      for (Linux.Namespace n : linux.namespaces()) {
        String path = n.path() == null || n.path().isEmpty() ? null : n.path();
        ns.put(NamespaceType.of(n.type()), path);
      }
    }
    return ns;
  }

  /**
   * Opens the container's cgroup files while the host's are still at their paths, before any
   * namespace is joined, so that the process can enter its cgroup itself right after clone
   * (see {@link CreateContext.CgroupJoin}); nothing when the runtime moves it.
   */
  private static void openCgroup(Plan plan, CreateContext ctx, Map<NamespaceType, String> ns) {
    CreateContext.CgroupJoin join = ctx.cgroupJoin();
    if (join != null) {
      List<Object> args = new ArrayList<>();
      // A cgroup namespace to join waits until after clone (clone3 refuses a cgroup outside the
      // caller's cgroup namespace): the child joins it when it has entered its cgroup.
      String cgroupNs = ns.get(NamespaceType.CGROUP);
      if (cgroupNs != null) {
        ns.remove(NamespaceType.CGROUP);
      }
      args.add(cgroupNs == null ? "" : cgroupNs);
      args.add(join.cgroup2Dir() == null ? "" : join.cgroup2Dir());
      args.addAll(join.threadFiles());
      plan.addAll(Op.CGROUP_OPEN, args);
    }
  }

  private static void enterCgroup(Plan plan, CreateContext ctx) {
    if (ctx.cgroupJoin() != null) {
      plan.add(Op.CGROUP_ENTER);
    }
  }

  /** setns for every namespace given by path; the user namespace first, so the rest is allowed. */
  private static void joinNamespaces(Plan plan, Map<NamespaceType, String> ns) {
    String user = ns.get(NamespaceType.USER);
    if (user != null) {
      plan.add(Op.SETNS, user, NamespaceType.USER.cloneFlag);
    }
    for (var e : ns.entrySet()) {
      if (e.getValue() != null && e.getKey() != NamespaceType.USER) {
        // The mount namespace last: after it, host paths of the others would not resolve.
        if (e.getKey() != NamespaceType.MOUNT) {
          plan.add(Op.SETNS, e.getValue(), e.getKey().cloneFlag);
        }
      }
    }
    String mnt = ns.get(NamespaceType.MOUNT);
    if (mnt != null) {
      plan.add(Op.SETNS, mnt, NamespaceType.MOUNT.cloneFlag);
    }
  }

  private static String normalize(String path) {
    String p = path.startsWith("/") ? path : "/" + path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  private static void mount(Plan plan, Spec.Mount m, CreateContext ctx) {
    String dest = normalize(m.destination());
    MountOptions o = MountOptions.parse(m.type(), m.options());
    if ("cgroup".equals(m.type()) || "cgroup2".equals(m.type())) {
      cgroupMount(plan, dest, o, ctx);
      return;
    }
    if (o.bind()) {
      String source = m.source();
      if (source == null || source.isEmpty()) {
        throw new InvalidSpecException("bind mount on " + dest + " has no source");
      }
      if (!source.startsWith("/")) {
        source = ctx.bundle().resolve(source).toString();
      }
      if (!ctx.hostPaths().exists(source)) {
        throw new InvalidSpecException("bind mount source " + source + " does not exist");
      }
      char kind = ctx.hostPaths().isDirectory(source) ? 'd' : 'f';
      plan.add(Op.MOUNT_IN_ROOT, source, dest, "", MS_BIND | (o.recursive() ? MS_REC : 0), "", kind);
      if (o.flags() != 0) {
        // Flags of a bind mount take effect only on a remount of it.
        plan.add(Op.MOUNT_IN_ROOT, "", dest, "", MS_BIND | MS_REMOUNT | o.flags(), "", '-');
      }
    } else {
      String type = m.type() == null || m.type().isEmpty() ? "none" : m.type();
      String source = m.source() == null || m.source().isEmpty() ? type : m.source();
      plan.add(Op.MOUNT_IN_ROOT, source, dest, type, o.flags(), o.data(), 'd');
    }
    if (o.propagation() != 0) {
      plan.add(Op.MOUNT_IN_ROOT, "", dest, "", o.propagation(), "", '-');
    }
  }

  /** /sys/fs/cgroup: a tmpfs holding a bind of the container's own cgroup in each hierarchy. */
  private static void cgroupMount(Plan plan, String dest, MountOptions o, CreateContext ctx) {
    long flags = o.flags() & ~MS_RDONLY;
    String unifiedOnly = ctx.cgroupDirs().get("");
    if (unifiedOnly != null) {
      // A cgroup2-only host: the container's cgroup directory is the whole of /sys/fs/cgroup.
      plan.add(Op.MOUNT_IN_ROOT, unifiedOnly, dest, "", MS_BIND | MS_REC, "", 'd');
      plan.add(Op.MOUNT_IN_ROOT, "", dest, "", MS_BIND | MS_REMOUNT | o.flags(), "", '-');
      return;
    }
    plan.add(Op.MOUNT_IN_ROOT, "tmpfs", dest, "tmpfs", flags, "mode=755", 'd');
    for (var e : ctx.cgroupDirs().entrySet()) {
      String sub = dest + "/" + e.getKey();
      plan.add(Op.MOUNT_IN_ROOT, e.getValue(), sub, "", MS_BIND | MS_REC, "", 'd');
      if (o.flags() != 0) {
        plan.add(Op.MOUNT_IN_ROOT, "", sub, "", MS_BIND | MS_REMOUNT | o.flags(), "", '-');
      }
    }
    if ((o.flags() & MS_RDONLY) != 0) {
      plan.add(Op.MOUNT_IN_ROOT, "", dest, "", MS_REMOUNT | o.flags(), "mode=755", '-');
    }
  }

  private static void devices(Plan plan, List<Linux.Device> devices, boolean userns) {
    for (Linux.Device d : devices) {
      if (userns) {
        // mknod is not allowed in a user namespace: bind the host's node instead.
        plan.add(Op.MOUNT_IN_ROOT, d.path(), d.path(), "", MS_BIND, "", 'f');
        continue;
      }
      long type =
          switch (d.type()) {
            case "b" -> S_IFBLK;
            case "p" -> S_IFIFO;
            default -> S_IFCHR;
          };
      long mode = type | (d.fileMode() == null ? 0666 : d.fileMode() & 07777);
      plan.add(
          Op.MKNOD,
          d.path(),
          mode,
          d.major() == null ? 0 : d.major(),
          d.minor() == null ? 0 : d.minor(),
          d.uid() == null ? 0 : d.uid(),
          d.gid() == null ? 0 : d.gid());
    }
  }

  private static void devLinks(Plan plan, CreateContext ctx) {
    plan.add(Op.SYMLINK, "/proc/self/fd", "/dev/fd");
    plan.add(Op.SYMLINK, "/proc/self/fd/0", "/dev/stdin");
    plan.add(Op.SYMLINK, "/proc/self/fd/1", "/dev/stdout");
    plan.add(Op.SYMLINK, "/proc/self/fd/2", "/dev/stderr");
    plan.add(Op.SYMLINK, "pts/ptmx", "/dev/ptmx");
    if (ctx.hostPaths().exists("/proc/kcore")) {
      plan.add(Op.SYMLINK, "/proc/kcore", "/dev/core");
    }
  }

  private static void hooks(Plan plan, List<Spec.Hook> hooks) {
    if (hooks == null) {
      return;
    }
    for (Spec.Hook h : hooks) {
      List<Object> args = new ArrayList<>();
      args.add(h.timeout() == null ? 0 : h.timeout());
      args.add(h.path());
      List<String> argv = h.args() == null ? List.of() : h.args();
      args.add(argv.size());
      args.addAll(argv);
      args.addAll(h.env() == null ? List.of() : h.env());
      plan.addAll(Op.HOOK, args);
    }
  }

  /** rlimits, terminal, the executable, the user, capabilities and no_new_privs, cwd. */
  private static void process(
      Plan plan, Spec.Process proc, Linux linux, CreateContext ctx, boolean create) {
    for (Spec.Rlimit r : proc.rlimits() == null ? List.<Spec.Rlimit>of() : proc.rlimits()) {
      plan.add(
          Op.RLIMIT, LinuxNames.RLIMITS.get(r.type()), unsigned(r.soft()), unsigned(r.hard()), r.type());
    }
    if (proc.isTerminal()) {
      Spec.Box size = proc.consoleSize();
      plan.add(
          Op.CONSOLE,
          size == null || size.height() == null ? 0 : size.height(),
          size == null || size.width() == null ? 0 : size.width());
    } else if (!create) {
      // An exec'd process gets a session of its own, as it would from a shell.
      plan.add(Op.SETSID);
    }
    List<String> env = proc.env() == null ? List.of() : proc.env();
    plan.add(Op.FIND_EXEC, proc.args().get(0), pathOf(env));
    Spec.User user = proc.user() == null ? new Spec.User(0, 0) : proc.user();
    boolean nnp = proc.isNoNewPrivileges();
    if (ctx.seccomp() != null && !nnp) {
      // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the user may drop.
      seccomp(plan, ctx);
    }
    Spec.Capabilities caps = proc.capabilities();
    // The bounding set shrinks while we are still root: it needs CAP_SETPCAP in effect.
    plan.add(Op.CAPBSET, capMask(caps == null ? null : caps.bounding(), ctx.capLastCap()));
    plan.add(Op.KEEPCAPS);
    List<Long> groups = user.additionalGids() == null ? List.of() : user.additionalGids();
    plan.addAll(Op.SETGROUPS, groups);
    plan.add(Op.SETGID, user.gid() == null ? 0 : user.gid());
    plan.add(Op.SETUID, user.uid() == null ? 0 : user.uid());
    plan.add(
        Op.CAPS,
        capMask(caps == null ? null : caps.effective(), ctx.capLastCap()),
        capMask(caps == null ? null : caps.permitted(), ctx.capLastCap()),
        capMask(caps == null ? null : caps.inheritable(), ctx.capLastCap()),
        effectiveAmbient(caps, ctx.capLastCap()));
    if (nnp) {
      plan.add(Op.NO_NEW_PRIVS);
    }
    plan.add(Op.UMASK, user.umask() == null ? 022 : user.umask());
    plan.add(Op.CHDIR, proc.cwd());
    plan.add(Op.SYNC, SYNC_READY);
    if (create && ctx.execFifo() != null) {
      plan.add(Op.WAIT_FIFO);
    }
  }

  private static void finish(Plan plan, Spec.Process proc, CreateContext ctx) {
    if (ctx.seccomp() != null && proc.isNoNewPrivileges()) {
      seccomp(plan, ctx);
    }
    plan.addAll(Op.ENV, proc.env() == null ? List.of() : proc.env());
    List<Object> exec = new ArrayList<>();
    exec.add(ctx.preserveFds());
    exec.addAll(proc.args());
    plan.addAll(Op.EXEC, exec);
  }

  /** The filter may forbid close_range, so the fds are marked close-on-exec before it loads. */
  private static void seccomp(Plan plan, CreateContext ctx) {
    plan.add(Op.CLOEXEC_FROM, 3 + ctx.preserveFds());
    plan.add(Op.SECCOMP, ctx.seccomp().flags(), ctx.seccomp().filter());
  }

  private static String pathOf(List<String> env) {
    for (String e : env) {
      if (e.startsWith("PATH=")) {
        return e.substring(5);
      }
    }
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  }

  /**
   * The kernel raises an ambient capability only if it is also permitted and inheritable;
   * others are left out (as runc does), and {@link #droppedAmbient} names them for a warning.
   */
  static String effectiveAmbient(Spec.Capabilities caps, int lastCap) {
    if (caps == null) {
      return "0";
    }
    long amb = Long.parseUnsignedLong(capMask(caps.ambient(), lastCap));
    long inh = Long.parseUnsignedLong(capMask(caps.inheritable(), lastCap));
    long prm = Long.parseUnsignedLong(capMask(caps.permitted(), lastCap));
    return Long.toUnsignedString(amb & inh & prm);
  }

  public static List<String> droppedAmbient(Spec.Capabilities caps) {
    if (caps == null || caps.ambient() == null) {
      return List.of();
    }
    List<String> inh = caps.inheritable() == null ? List.of() : caps.inheritable();
    List<String> prm = caps.permitted() == null ? List.of() : caps.permitted();
    return caps.ambient().stream().filter(c -> !inh.contains(c) || !prm.contains(c)).toList();
  }

  /** A capability set as a 64-bit mask, without capabilities this kernel lacks. */
  static String capMask(List<String> names, int lastCap) {
    long mask = 0;
    if (names != null) {
      for (String n : names) {
        int bit = LinuxNames.capability(n).orElseThrow(
            () -> new InvalidSpecException("unknown capability \"" + n + "\""));
        if (bit <= lastCap) {
          mask |= 1L << bit;
        }
      }
    }
    return Long.toUnsignedString(mask);
  }

  private static String unsigned(BigInteger v) {
    return v == null ? "0" : v.toString();
  }
}
