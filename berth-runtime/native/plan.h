/*
 * The plan: what the Java side of Berth compiled from an OCI config, executed here in order.
 * Keep in sync with io.berth.runtime.plan.Op. Layout (native byte order):
 *   "BPLN" u32 version, then records: u32 op, u32 argc, argc x (u32 len, len bytes).
 * Every argument is a byte string; numbers are decimal text. Strings are not NUL-terminated in
 * the plan; the reader adds the terminator.
 */
#ifndef BERTH_PLAN_H
#define BERTH_PLAN_H

#define PLAN_MAGIC "BPLN"
#define PLAN_VERSION 1

enum plan_op {
	OP_SETNS = 1,          /* path, nstype */
	OP_UNSHARE = 2,        /* flags */
	OP_WRITE_FILE = 3,     /* path, data */
	OP_CLONE = 4,          /* flags: the parent reports the child's pid and exits */
	OP_SYNC = 5,           /* tag: report, wait for "ok[\n payload]" from the runtime */
	OP_SET_ROOT = 6,       /* host path of the rootfs, for *_IN_ROOT ops */
	OP_MOUNT = 7,          /* source, target, fstype, flags, data: plain mount(2) */
	OP_MOUNT_IN_ROOT = 8,  /* source, target-in-root, fstype, flags, data, kind(d|f|-) */
	OP_MKNOD = 9,          /* path-in-root, mode, major, minor, uid, gid */
	OP_SYMLINK = 10,       /* target, path-in-root */
	OP_PIVOT_ROOT = 11,    /* rootfs */
	OP_MOVE_ROOT = 12,     /* rootfs: MS_MOVE + chroot, for --no-pivot */
	OP_MASK = 13,          /* path (after pivot) */
	OP_READONLY = 14,      /* path (after pivot) */
	OP_SETHOSTNAME = 15,   /* name */
	OP_SETDOMAINNAME = 16, /* name */
	OP_RLIMIT = 17,        /* resource, soft, hard, name (for messages) */
	OP_CHDIR = 18,         /* path */
	OP_SETGROUPS = 19,     /* gid... */
	OP_SETGID = 20,        /* gid */
	OP_SETUID = 21,        /* uid */
	OP_CAPS = 22,          /* effective, permitted, inheritable, ambient (u64 masks) */
	OP_NO_NEW_PRIVS = 23,  /* - */
	OP_SECCOMP = 24,       /* flags, filter bytes */
	OP_UMASK = 25,         /* octal mask */
	OP_OPEN_FIFO = 26,     /* path of the exec fifo (opened O_PATH now, reopened later) */
	OP_WAIT_FIFO = 27,     /* - : blocks until `start` opens the fifo; "0" is written before execve */
	OP_HOOK = 28,          /* timeout-seconds, path, argc, args..., env... ; state on stdin */
	OP_CONSOLE_CONNECT = 29, /* socket path */
	OP_CONSOLE = 30,       /* rows, cols: new pty, master to the console socket, slave as stdio */
	OP_FIND_EXEC = 31,     /* name, PATH value */
	OP_EXEC = 32,          /* keep-fds, argv... ; env is set by OP_ENV */
	OP_ENV = 33,           /* entries... */
	OP_SETSID = 34,        /* - */
	OP_PERSONALITY = 35,   /* persona */
	OP_KEEPCAPS = 36,      /* - : PR_SET_KEEPCAPS before changing uid */
	OP_MKDIR_IN_ROOT = 37, /* path-in-root, mode */
	OP_MOUNT_PROPAGATION = 38, /* target(host path or "/"), flags */
	OP_CAPBSET = 39,       /* bounding mask: drop the rest, while we still hold CAP_SETPCAP */
	OP_CLOEXEC_FROM = 40,  /* first fd: it and all above close on exec (before seccomp may forbid it) */
	OP_CHROOT = 41,        /* rootfs: for a container without a mount namespace */
	OP_CGROUP_OPEN = 42,   /* cgroup ns path or "", cgroup2 dir or "", v1 tasks files...: opened now */
	OP_CGROUP_ENTER = 43,  /* - : after clone, the child enters them (and joins that cgroup ns) */
};

#endif
