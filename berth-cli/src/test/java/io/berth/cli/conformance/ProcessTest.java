package io.berth.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The process section: user, capabilities, rlimits, env, cwd, no_new_privs, oom, seccomp. */
class ProcessTest extends ConformanceBase {

  @ParameterizedTest
  @MethodSource("runtimes")
  void userGroupsAndUmask(TestRuntime rt) {
    Bundle b = bundle().script("id -u; id -g; id -G; umask");
    ObjectNode user = b.process().putObject("user");
    user.put("uid", 1234).put("gid", 567).put("umask", 077);
    user.putArray("additionalGids").add(10).add(20);
    var r = ok(run(rt, b));
    String[] lines = r.out().split("\n");
    assertEquals("1234", lines[0]);
    assertEquals("567", lines[1]);
    assertTrue(lines[2].contains("10") && lines[2].contains("20"), lines[2]);
    assertEquals("0077", lines[3]);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void capabilitySetsAreExactlyTheConfigured(TestRuntime rt) {
    Bundle b = bundle().script("grep ^Cap /proc/self/status");
    ObjectNode caps = b.process().putObject("capabilities");
    Bundle.strings(caps, "bounding", "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW");
    Bundle.strings(caps, "effective", "CAP_CHOWN", "CAP_KILL");
    Bundle.strings(caps, "permitted", "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW");
    Bundle.strings(caps, "inheritable", "CAP_KILL");
    Bundle.strings(caps, "ambient", "CAP_KILL");
    var r = ok(run(rt, b));
    // CHOWN=0, KILL=5, NET_RAW=13. After execve as root the permitted and effective sets
    // become inheritable|bounding, as the kernel's rules for uid 0 say.
    assertTrue(r.out().contains("CapBnd:\t0000000000002021"), r.out());
    assertTrue(r.out().contains("CapInh:\t0000000000000020"), r.out());
    assertTrue(r.out().contains("CapAmb:\t0000000000000020"), r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void nonRootKeepsOnlyAmbientCapabilities(TestRuntime rt) {
    Bundle b = bundle().script("grep -E '^Cap(Eff|Prm)' /proc/self/status");
    b.process().putObject("user").put("uid", 1000).put("gid", 1000);
    ObjectNode caps = b.process().putObject("capabilities");
    for (String set : new String[] {"bounding", "effective", "permitted", "inheritable", "ambient"}) {
      Bundle.strings(caps, set, "CAP_NET_BIND_SERVICE");
    }
    var r = ok(run(rt, b));
    assertTrue(r.out().contains("CapPrm:\t0000000000000400"), r.out());
    assertTrue(r.out().contains("CapEff:\t0000000000000400"), r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void rlimitsEnvCwdAndNoNewPrivileges(TestRuntime rt) {
    Bundle b = bundle().script(
        "grep 'Max open files' /proc/self/limits | tr -s ' '; echo $GREETING; pwd; grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj");
    ArrayNode rl = b.process().putArray("rlimits");
    rl.addObject().put("type", "RLIMIT_NOFILE").put("soft", 256).put("hard", 512);
    b.process().withArray("env").add("GREETING=hi there");
    b.process().put("cwd", "/tmp");
    b.process().put("noNewPrivileges", true);
    b.process().put("oomScoreAdj", 500);
    var r = ok(run(rt, b));
    String[] lines = r.out().split("\n");
    assertEquals("Max open files 256 512 files", lines[0].trim());
    assertEquals("hi there", lines[1]);
    assertEquals("/tmp", lines[2]);
    assertEquals("NoNewPrivs:\t1", lines[3]);
    assertEquals("500", lines[4]);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void raisingAHardLimitBeyondTheHostsFailsClearly(TestRuntime rt) {
    // This host's root lacks CAP_SYS_RESOURCE: a hard limit above the current one is refused.
    Bundle b = bundle("true");
    b.process().putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("soft", 1024).put("hard", 1L << 40);
    var r = run(rt, b);
    assertNotEquals(0, r.code());
    assertTrue(r.err().toLowerCase().contains("rlimit"), r.err());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void seccompRulesWithArgumentConditions(TestRuntime rt) {
    Bundle b = bundle().script(
        "mkdir /tmp/a 2>/dev/null && echo mkdir-ok || echo mkdir-denied;"
            + " kill -0 $$ && echo kill0-ok; kill -USR1 $$ 2>/dev/null || echo usr1-denied; echo done");
    ObjectNode sc = b.linux().putObject("seccomp");
    sc.put("defaultAction", "SCMP_ACT_ALLOW");
    Bundle.strings(sc, "architectures", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
    ArrayNode rules = sc.putArray("syscalls");
    ObjectNode mk = rules.addObject();
    Bundle.strings(mk, "names", "mkdir", "mkdirat");
    mk.put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
    // kill(pid, SIGUSR1) fails with EPERM, kill(pid, 0) does not: an argument condition.
    ObjectNode kill = rules.addObject();
    Bundle.strings(kill, "names", "kill");
    kill.put("action", "SCMP_ACT_ERRNO");
    kill.putArray("args").addObject().put("index", 1).put("value", 10).put("op", "SCMP_CMP_EQ");
    var r = ok(run(rt, b));
    assertEquals("mkdir-denied\nkill0-ok\nusr1-denied\ndone\n", r.out());
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void invalidConfigsFailWithOneLineAndLeaveNothing(TestRuntime rt) {
    String[][] cases = {
      {"capability", "CAP_NOT_A_THING"},
      {"rlimit", "RLIMIT_NOPE"},
      {"ociVersion", "2.0.0"},
    };
    for (String[] c : cases) {
      if (!c[0].equals("rlimit") && rt.name.equals("runc")) {
        // runc 1.1 only warns about unknown capabilities and runs a config of any ociVersion;
        // Berth refuses both (runtime.md: a version it cannot support is an error).
        continue;
      }
      Bundle b = bundle("true");
      switch (c[0]) {
        case "capability" -> b.process().putObject("capabilities").putArray("bounding").add(c[1]);
        case "rlimit" -> b.process().putArray("rlimits").addObject().put("type", c[1]).put("soft", 1).put("hard", 1);
        default -> b.config.put("ociVersion", c[1]);
      }
      b.write();
      String id = id(rt);
      var r = rt.run(tmp, "create", "--bundle", b.dir.toString(), id);
      assertNotEquals(0, r.code(), c[0] + ": " + r);
      assertNotEquals(0, rt.run(tmp, "state", id).code(), c[0] + ": nothing left behind");
    }
    Bundle none = bundle("true");
    none.config.remove("process");
    none.write();
    var r = rt.run(tmp, "create", "--bundle", none.dir.toString(), id(rt));
    assertNotEquals(0, r.code(), "no process: " + r);
  }

  @ParameterizedTest
  @MethodSource("runtimes")
  void anAllowListProfileWithoutCloseRangeStillStarts(TestRuntime rt) {
    // Old allow-lists (Docker's of 2017, the runtime-tools suite's) lack close_range: the
    // runtime must not need it once the filter is loaded.
    Bundle b = bundle().script("echo allowed; mkdir /tmp/x 2>/dev/null || echo denied");
    ObjectNode sc = b.linux().putObject("seccomp");
    sc.put("defaultAction", "SCMP_ACT_ERRNO");
    Bundle.strings(sc, "architectures", "SCMP_ARCH_X86_64");
    ObjectNode allow = sc.putArray("syscalls").addObject();
    Bundle.strings(allow, "names",
        "read", "write", "open", "openat", "close", "fstat", "newfstatat", "stat", "lstat", "mmap", "mprotect",
        "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "access", "execve",
        "exit", "exit_group", "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "fcntl",
        "dup2", "dup3", "uname", "arch_prctl", "set_tid_address", "set_robust_list", "prlimit64",
        "getcwd", "chdir", "wait4", "clone", "fork", "vfork", "pipe", "pipe2", "futex", "getrandom",
        "capget", "capset", "prctl", "setgroups", "setresuid", "setresgid", "setuid", "setgid",
        "umask", "sigaltstack", "rseq", "readlink", "getdents64", "poll", "statx", "lseek", "seccomp",
        "fstatfs", "statfs", "sched_yield", "nanosleep", "getpgrp", "setpgid", "getpgid", "getsid", "setsid");
    allow.put("action", "SCMP_ACT_ALLOW");
    b.process().put("noNewPrivileges", true);
    var r = ok(run(rt, b));
    assertEquals("allowed\ndenied\n", r.out());
  }

  // runc 1.1.5: "seccomp flags are not yet supported by runc"
  @ParameterizedTest
  @MethodSource("berthRuntimes")
  void seccompFlagsAndLogAction(TestRuntime rt) {
    // SECCOMP_FILTER_FLAG_SPEC_ALLOW keeps speculative store bypass mitigation off for the task;
    // the filter itself allows everything but logs getpid.
    Bundle b = bundle().script("grep -E '^(Seccomp|Speculation_Store_Bypass):' /proc/self/status | cut -f2 | tr '\\n' ' '");
    ObjectNode sc = b.linux().putObject("seccomp");
    sc.put("defaultAction", "SCMP_ACT_ALLOW");
    Bundle.strings(sc, "architectures", "SCMP_ARCH_X86_64");
    Bundle.strings(sc, "flags", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
    ObjectNode log = sc.putArray("syscalls").addObject();
    Bundle.strings(log, "names", "getpid");
    log.put("action", "SCMP_ACT_LOG");
    var r = ok(run(rt, b));
    assertTrue(r.out().startsWith("2 "), "seccomp filter mode: " + r.out());
    assertTrue(!r.out().contains("thread force mitigated"), "SPEC_ALLOW: no forced mitigation: " + r.out());
  }
}
