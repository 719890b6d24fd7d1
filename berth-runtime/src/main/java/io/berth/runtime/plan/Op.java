package io.berth.runtime.plan;

/** The operations berth-init executes; codes match native/plan.h. */
public enum Op {
  SETNS(1),
  UNSHARE(2),
  WRITE_FILE(3),
  CLONE(4),
  SYNC(5),
  SET_ROOT(6),
  MOUNT(7),
  MOUNT_IN_ROOT(8),
  MKNOD(9),
  SYMLINK(10),
  PIVOT_ROOT(11),
  MOVE_ROOT(12),
  MASK(13),
  READONLY(14),
  SETHOSTNAME(15),
  SETDOMAINNAME(16),
  RLIMIT(17),
  CHDIR(18),
  SETGROUPS(19),
  SETGID(20),
  SETUID(21),
  CAPS(22),
  NO_NEW_PRIVS(23),
  SECCOMP(24),
  UMASK(25),
  OPEN_FIFO(26),
  WAIT_FIFO(27),
  HOOK(28),
  CONSOLE_CONNECT(29),
  CONSOLE(30),
  FIND_EXEC(31),
  EXEC(32),
  ENV(33),
  SETSID(34),
  PERSONALITY(35),
  KEEPCAPS(36),
  MKDIR_IN_ROOT(37),
  MOUNT_PROPAGATION(38),
  CAPBSET(39),
  CLOEXEC_FROM(40),
  CHROOT(41),
  CGROUP_OPEN(42),
  CGROUP_ENTER(43);

  final int code;

  Op(int code) {
    this.code = code;
  }
}
