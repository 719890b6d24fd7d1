/*
 * berth-init: the native stage of the Berth runtime.
 *
 * The Java runtime compiles an OCI config into a plan (plan.h) and spawns this program with
 *   berth-init PLAN_FD SYNC_FD
 * It executes the plan's operations in order. OP_CLONE splits it: the parent reports the
 * child's pid on the sync socket and exits; the child (the container's init) goes on. All
 * policy (what to mount, in which order, which capabilities) lives in Java: this file only
 * knows how to perform each operation safely and to report the first failure in one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "plan.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10

struct open_how_compat {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

struct arg {
	uint32_t len;
	char *s; /* NUL-terminated copy */
};

struct op {
	uint32_t code;
	uint32_t argc;
	struct arg *argv;
};

static int sync_fd = -1;
static int root_fd = -1;
static int proc_fd = -1;
static int fifo_fd = -1;
static int console_sock = -1;
static char *root_path;
static char **exec_env;
static char exec_path[PATH_MAX];
static char *state_payload;
static size_t state_len;
static int last_cap = CAP_LAST_CAP;

static void report(const char *kind, const char *msg)
{
	if (sync_fd >= 0) {
		char buf[4096];
		int n = snprintf(buf, sizeof(buf), "%s %s", kind, msg);
		if (n > (int)sizeof(buf) - 1)
			n = sizeof(buf) - 1;
		if (send(sync_fd, buf, n, MSG_NOSIGNAL) >= 0)
			return;
	}
	dprintf(2, "berth-init: %s\n", msg);
}

/* Reports the failure on the sync socket (or stderr once nobody listens) and exits. */
__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	char msg[3072];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (saved) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	report("error", msg);
	_exit(1);
}

static long long num(const struct op *o, uint32_t i)
{
	if (i >= o->argc)
		die("plan: op %u lacks argument %u", o->code, i);
	errno = 0;
	char *end;
	long long v = strtoll(o->argv[i].s, &end, 10);
	if (*end != '\0' || errno)
		die("plan: op %u argument %u is not a number", o->code, i);
	return v;
}

static unsigned long long unum(const struct op *o, uint32_t i)
{
	if (i >= o->argc)
		die("plan: op %u lacks argument %u", o->code, i);
	errno = 0;
	char *end;
	unsigned long long v = strtoull(o->argv[i].s, &end, 10);
	if (*end != '\0' || errno)
		die("plan: op %u argument %u is not a number", o->code, i);
	return v;
}

static const char *str(const struct op *o, uint32_t i)
{
	if (i >= o->argc)
		die("plan: op %u lacks argument %u", o->code, i);
	return o->argv[i].s;
}

/* A NULL for an empty string: mount(2) wants NULL for "no source", "no data". */
static const char *opt(const struct op *o, uint32_t i)
{
	const char *s = str(o, i);
	return *s ? s : NULL;
}

static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		die("plan: out of memory");
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				die("plan: out of memory");
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("plan: read");
		if (r == 0)
			break;
		n += r;
	}
	*len = n;
	return buf;
}

static struct op *parse_plan(const char *buf, size_t len, size_t *count)
{
	size_t pos = 8, cap = 64, n = 0;
	struct op *ops = calloc(cap, sizeof(*ops));
	if (len < 8 || memcmp(buf, PLAN_MAGIC, 4) != 0)
		die("plan: bad magic");
	uint32_t version;
	memcpy(&version, buf + 4, 4);
	if (version != PLAN_VERSION)
		die("plan: version %u, this berth-init reads %u", version, PLAN_VERSION);
	while (pos < len) {
		if (len - pos < 8)
			die("plan: truncated");
		if (n == cap) {
			cap *= 2;
			ops = realloc(ops, cap * sizeof(*ops));
		}
		struct op *o = &ops[n++];
		memcpy(&o->code, buf + pos, 4);
		memcpy(&o->argc, buf + pos + 4, 4);
		pos += 8;
		if (o->argc > 100000)
			die("plan: too many arguments");
		o->argv = calloc(o->argc + 1, sizeof(struct arg));
		for (uint32_t i = 0; i < o->argc; i++) {
			uint32_t l;
			if (len - pos < 4)
				die("plan: truncated");
			memcpy(&l, buf + pos, 4);
			pos += 4;
			if (len - pos < l)
				die("plan: truncated");
			o->argv[i].len = l;
			o->argv[i].s = malloc(l + 1);
			memcpy(o->argv[i].s, buf + pos, l);
			o->argv[i].s[l] = '\0';
			pos += l;
		}
	}
	*count = n;
	return ops;
}

/*
 * Runs from a sealed in-memory copy of itself, so a container process can never reach our
 * binary on the host through /proc/PID/exe and overwrite it (CVE-2019-5736).
 */
static void ensure_sealed_copy(char **argv, char **envp)
{
	char self[64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strncmp(self, "/memfd:berth-init", 17) == 0)
			return;
	}
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		die("open /proc/self/exe");
	int mfd = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		die("memfd_create");
	struct stat st;
	if (fstat(exe, &st) < 0)
		die("fstat /proc/self/exe");
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t w = sendfile(mfd, exe, &off, st.st_size - off);
		if (w <= 0)
			die("copy of berth-init to memfd");
	}
	close(exe);
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		die("seal berth-init memfd");
	fexecve(mfd, argv, envp);
	die("fexecve sealed berth-init");
}

/* Opens path (relative to the container root) without ever leaving the root. */
static int open_in_root(const char *path, int flags)
{
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	struct open_how_compat how = {
		.flags = flags | O_CLOEXEC,
		.mode = 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* Creates every missing directory of path inside the root; each step resolved in the root. */
static void mkdirs_in_root(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		die("path too long: %s", path);
	strcpy(buf, path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			int fd = open_in_root(buf, O_PATH);
			if (fd < 0 && errno == ENOENT) {
				char *slash = strrchr(buf, '/');
				*slash = '\0';
				int parent = open_in_root(buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
				*slash = '/';
				if (parent < 0)
					die("open %s in rootfs", buf);
				if (mkdirat(parent, slash + 1, mode) < 0 && errno != EEXIST)
					die("mkdir %s in rootfs", buf);
				close(parent);
			} else if (fd < 0) {
				die("open %s in rootfs", buf);
			} else {
				close(fd);
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
}

/* Splits path into its parent, opened in the root (created if needed), and its last name. */
static int open_parent_in_root(const char *path, const char **base)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		die("path too long: %s", path);
	strcpy(buf, path);
	char *slash = strrchr(buf, '/');
	if (!slash || !slash[1])
		die("bad path %s", path);
	*base = path + (slash - buf) + 1;
	*slash = '\0';
	if (buf[0])
		mkdirs_in_root(buf, 0755);
	int fd = open_in_root(buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
	if (fd < 0)
		die("open %s in rootfs", buf[0] ? buf : "/");
	return fd;
}

/* Opens a mount target in the root, creating it as a directory ('d') or file ('f'). */
static int target_in_root(const char *path, char kind)
{
	int fd = open_in_root(path, O_PATH);
	if (fd >= 0 || errno != ENOENT || kind == '-')
		return fd;
	if (kind == 'd') {
		mkdirs_in_root(path, 0755);
	} else {
		const char *base;
		int parent = open_parent_in_root(path, &base);
		int f = openat(parent, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (f < 0 && errno != EEXIST)
			die("create mount target %s in rootfs", path);
		if (f >= 0)
			close(f);
		close(parent);
	}
	return open_in_root(path, O_PATH);
}

/* Flags a bind remount must keep: the kernel refuses to clear locked ones. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static void op_mount_in_root(const struct op *o)
{
	const char *src = opt(o, 0), *target = str(o, 1), *type = opt(o, 2), *data = opt(o, 4);
	unsigned long flags = unum(o, 3);
	char kind = str(o, 5)[0];
	int fd = target_in_root(target, kind);
	if (fd < 0)
		die("mount %s: open target in rootfs", target);
	char procpath[64];
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	if ((flags & MS_REMOUNT) && (flags & MS_BIND))
		flags |= locked_flags(procpath);
	if (mount(src, procpath, type, flags, data) < 0)
		die("mount %s on %s (type %s)", src ? src : "none", target, type ? type : "none");
	close(fd);
}

static void op_mknod(const struct op *o)
{
	const char *path = str(o, 0), *base;
	mode_t mode = num(o, 1);
	dev_t dev = makedev(num(o, 2), num(o, 3));
	int parent = open_parent_in_root(path, &base);
	if (mknodat(parent, base, mode, dev) < 0) {
		if (errno != EEXIST)
			die("mknod %s", path);
		/* An existing node is replaced only if it is not the device asked for. */
		struct stat st;
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die("stat %s", path);
		if ((st.st_mode & S_IFMT) != (mode & S_IFMT) || st.st_rdev != dev) {
			if (unlinkat(parent, base, 0) < 0 || mknodat(parent, base, mode, dev) < 0)
				die("mknod %s", path);
		}
	}
	if (fchownat(parent, base, num(o, 4), num(o, 5), AT_SYMLINK_NOFOLLOW) < 0)
		die("chown %s", path);
	/* mknod applies the umask; the config's fileMode must be exact. */
	int fd = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char procpath[64];
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	if (fd < 0 || chmod(procpath, mode & 07777) < 0)
		die("chmod %s", path);
	close(fd);
	close(parent);
}

static void op_symlink(const struct op *o)
{
	const char *base;
	int parent = open_parent_in_root(str(o, 1), &base);
	if (symlinkat(str(o, 0), parent, base) < 0 && errno != EEXIST)
		die("symlink %s -> %s", str(o, 1), str(o, 0));
	close(parent);
}

static void op_pivot_root(const char *rootfs)
{
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		die("pivot_root: open %s", rootfs);
	if (fchdir(newroot) < 0)
		die("pivot_root: chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root %s", rootfs);
	/* The old root is stacked under the new one: detach it without propagating the unmount. */
	if (fchdir(oldroot) < 0)
		die("pivot_root: chdir old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		die("pivot_root: make old root slave");
	if (umount2(".", MNT_DETACH) < 0)
		die("pivot_root: detach old root");
	if (chdir("/") < 0)
		die("chdir /");
	close(oldroot);
	close(newroot);
}

static void op_move_root(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		die("chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		die("move %s to /", rootfs);
	if (chroot(".") < 0)
		die("chroot %s", rootfs);
	if (chdir("/") < 0)
		die("chdir /");
}

static void op_mask(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return;
		die("mask %s: stat", path);
	}
	int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0,mode=755")
				    : mount("/dev/null", path, NULL, MS_BIND, NULL);
	if (r < 0)
		die("mask %s", path);
}

static void op_readonly(const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return;
		die("readonly %s: bind", path);
	}
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(path);
	if (mount(path, path, NULL, flags, NULL) < 0)
		die("readonly %s: remount", path);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		die("write %s", path);
	close(fd);
}

static void op_caps(const struct op *o)
{
	uint64_t eff = unum(o, 0), prm = unum(o, 1), inh = unum(o, 2), amb = unum(o, 3);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
		{.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
		{.effective = (uint32_t)(eff >> 32),
		 .permitted = (uint32_t)(prm >> 32),
		 .inheritable = (uint32_t)(inh >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die("clear ambient capabilities");
	for (int c = 0; c <= last_cap; c++) {
		if ((amb & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			die("raise ambient capability %d", c);
	}
}

static void op_capbset(const struct op *o)
{
	uint64_t bnd = unum(o, 0);
	for (int c = 0; c <= last_cap; c++) {
		if (!(bnd & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			die("drop capability %d from the bounding set", c);
	}
}

static void op_seccomp(const struct op *o)
{
	unsigned long flags = unum(o, 0);
	const struct arg *bpf = &o->argv[1];
	if (o->argc < 2 || bpf->len % sizeof(struct sock_filter) != 0 || bpf->len == 0)
		die("plan: bad seccomp program");
	struct sock_fprog prog = {
		.len = bpf->len / sizeof(struct sock_filter),
		.filter = (struct sock_filter *)bpf->s,
	};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0)
		die("seccomp: load filter");
}

static void sync_with_runtime(const char *tag)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "sync %s", tag);
	if (send(sync_fd, msg, n, MSG_NOSIGNAL) < 0)
		die("sync %s: send", tag);
	size_t cap = 1 << 20;
	char *buf = malloc(cap + 1);
	ssize_t r;
	do {
		r = recv(sync_fd, buf, cap, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		die("sync %s: receive", tag);
	if (r == 0) {
		errno = 0;
		die("sync %s: the runtime went away", tag);
	}
	buf[r] = '\0';
	if (strncmp(buf, "ok", 2) != 0) {
		errno = 0;
		die("sync %s: runtime answered %s", tag, buf);
	}
	if (buf[2] == '\n') {
		free(state_payload);
		state_len = r - 3;
		state_payload = malloc(state_len + 1);
		memcpy(state_payload, buf + 3, state_len + 1);
	}
	free(buf);
}

static int pidfd_wait(pid_t pid, int timeout_s, int *status)
{
	int pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		die("pidfd_open");
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r;
	do {
		r = poll(&p, 1, timeout_s > 0 ? timeout_s * 1000 : -1);
	} while (r < 0 && errno == EINTR);
	close(pfd);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, status, 0);
		return -1;
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid hook");
	}
	return 0;
}

static void op_hook(const struct op *o)
{
	int timeout = num(o, 0);
	const char *path = str(o, 1);
	int nargs = num(o, 2);
	if (nargs < 0 || (uint32_t)(3 + nargs) > o->argc)
		die("plan: bad hook");
	char **argv = calloc(nargs + 2, sizeof(char *));
	for (int i = 0; i < nargs; i++)
		argv[i] = o->argv[3 + i].s;
	if (nargs == 0)
		argv[0] = (char *)path;
	int nenv = o->argc - 3 - nargs;
	char **envp = calloc(nenv + 1, sizeof(char *));
	for (int i = 0; i < nenv; i++)
		envp[i] = o->argv[3 + nargs + i].s;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("hook %s: pipe", path);
	pid_t pid = fork();
	if (pid < 0)
		die("hook %s: fork", path);
	if (pid == 0) {
		dup2(pipefd[0], 0);
		execve(path, argv, envp);
		dprintf(2, "berth-init: hook %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(pipefd[0]);
	signal(SIGPIPE, SIG_IGN);
	if (state_payload && write(pipefd[1], state_payload, state_len) < 0 && errno != EPIPE)
		die("hook %s: write state", path);
	close(pipefd[1]);
	signal(SIGPIPE, SIG_DFL);
	int status;
	if (pidfd_wait(pid, timeout, &status) < 0) {
		errno = 0;
		die("hook %s timed out after %d s", path, timeout);
	}
	errno = 0;
	if (WIFSIGNALED(status))
		die("hook %s killed by signal %d", path, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		die("hook %s exited with status %d", path, WEXITSTATUS(status));
	free(argv);
	free(envp);
}

static void op_console_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		die("console socket %s", path);
	}
	strcpy(addr.sun_path, path);
	console_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (console_sock < 0 || connect(console_sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("connect to console socket %s", path);
}

static void send_fd(int sock, int fd, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		die("send pty master to the console socket");
}

static void op_console(const struct op *o)
{
	int rows = num(o, 0), cols = num(o, 1);
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die("open /dev/ptmx");
	int unlock = 0, ptn;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
		die("unlock pty");
	if (rows > 0 && cols > 0) {
		struct winsize ws = {.ws_row = rows, .ws_col = cols};
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			die("set console size");
	}
	char slave[64];
	snprintf(slave, sizeof(slave), "/dev/pts/%d", ptn);
	if (console_sock < 0) {
		errno = 0;
		die("terminal requested but no console socket");
	}
	send_fd(console_sock, master, slave);
	close(master);
	close(console_sock);
	console_sock = -1;
	if (setsid() < 0)
		die("setsid");
	int fd = open(slave, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s", slave);
	if (ioctl(fd, TIOCSCTTY, 0) < 0)
		die("make %s the controlling terminal", slave);
	for (int i = 0; i < 3; i++) {
		if (dup2(fd, i) < 0)
			die("dup2 pty to %d", i);
	}
	close(fd);
}

static int executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

static void op_find_exec(const char *name, const char *pathvar)
{
	errno = 0;
	if (strchr(name, '/')) {
		if (!executable(name)) {
			struct stat st;
			if (stat(name, &st) < 0)
				die("exec: \"%s\": stat", name);
			errno = EACCES;
			die("exec: \"%s\"", name);
		}
		snprintf(exec_path, sizeof(exec_path), "%s", name);
		return;
	}
	const char *p = pathvar;
	while (p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		char cand[PATH_MAX];
		if (n == 0)
			snprintf(cand, sizeof(cand), "%s", name);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, p, name);
		if (executable(cand)) {
			snprintf(exec_path, sizeof(exec_path), "%s", cand);
			return;
		}
		p = colon ? colon + 1 : NULL;
	}
	errno = 0;
	die("exec: \"%s\": executable file not found in $PATH", name);
}

/* Marks every fd from `first` up close-on-exec; falls back to /proc when close_range is missing. */
static void cloexec_from(int first, int strict)
{
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	int saved = errno;
	int dfd = openat(proc_fd >= 0 ? proc_fd : AT_FDCWD, proc_fd >= 0 ? "self/fd" : "/proc/self/fd",
			 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		if (!strict)
			return;
		errno = saved;
		die("close_range");
	}
	char buf[4096];
	long n;
	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			const char *name = buf + off + 19;
			int fd = atoi(name);
			if (name[0] >= '0' && name[0] <= '9' && fd >= first && fd != dfd)
				fcntl(fd, F_SETFD, FD_CLOEXEC);
			off += reclen;
		}
	}
	close(dfd);
}

static void op_exec(const struct op *o)
{
	int keep = num(o, 0);
	int argc = o->argc - 1;
	char **argv = calloc(argc + 1, sizeof(char *));
	for (int i = 0; i < argc; i++)
		argv[i] = o->argv[1 + i].s;
	if (!exec_path[0])
		op_find_exec(argv[0], "");
	/* Nothing but stdio and the preserved fds may reach the container (CVE-2024-21626).
	 * OP_CLOEXEC_FROM did this before seccomp; again here in case the plan had no filter. */
	cloexec_from(3 + keep, 0);
	char *empty[] = {NULL};
	if (fifo_fd >= 0 && write(fifo_fd, "0", 1) != 1)
		die("write exec fifo");
	execve(exec_path, argv, exec_env ? exec_env : empty);
	die("exec %s", exec_path);
}

static void op_env(const struct op *o)
{
	exec_env = calloc(o->argc + 1, sizeof(char *));
	for (uint32_t i = 0; i < o->argc; i++)
		exec_env[i] = o->argv[i].s;
}

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define BERTH_CLONE_INTO_CGROUP 0x200000000ULL

/* struct clone_args up to CLONE_ARGS_SIZE_VER2, the version that has the cgroup field. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/*
 * The container's cgroup, opened by OP_CGROUP_OPEN in the runtime's namespaces (before any setns
 * could hide the host's cgroup files) and entered by the process itself: clone3 creates it in the
 * cgroup2 directory, and OP_CGROUP_ENTER writes "0" (the calling thread; the process has one) to
 * each v1 hierarchy's tasks file. Neither takes the kernel's global cgroup lock that moving a
 * process from outside takes, whose first taking after a quiet spell waits for an RCU grace
 * period (~15 ms).
 */
#define MAX_CGROUP_TASKS 32
static int cg_dir_fd = -1, cg_procs_fd = -1, cg_ns_fd = -1, cg_fallback;
static const char *cg_dir_path;
static int cg_task_fds[MAX_CGROUP_TASKS];
static const char *cg_task_paths[MAX_CGROUP_TASKS];
static int n_cg_tasks;

static void op_cgroup_open(const struct op *o)
{
	/*
	 * A cgroup namespace to join is joined after the clone, by the child: clone3 refuses a
	 * target cgroup outside the caller's cgroup namespace.
	 */
	const char *ns = str(o, 0);
	if (*ns) {
		cg_ns_fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (cg_ns_fd < 0)
			die("open namespace %s", ns);
	}
	const char *dir = str(o, 1);
	if (*dir) {
		cg_dir_path = dir;
		cg_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg_dir_fd < 0)
			die("open cgroup %s", dir);
		char procs[PATH_MAX];
		if (snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir) >= (int)sizeof(procs))
			die("cgroup path too long: %s", dir);
		cg_procs_fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (cg_procs_fd < 0)
			die("open %s", procs);
	}
	for (uint32_t i = 2; i < o->argc; i++) {
		if (n_cg_tasks == MAX_CGROUP_TASKS)
			die("more than %d cgroup hierarchies", MAX_CGROUP_TASKS);
		int fd = open(str(o, i), O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			die("open %s", str(o, i));
		cg_task_paths[n_cg_tasks] = str(o, i);
		cg_task_fds[n_cg_tasks++] = fd;
	}
}

static void op_cgroup_enter(void)
{
	for (int i = 0; i < n_cg_tasks; i++) {
		if (write(cg_task_fds[i], "0", 1) != 1)
			die("enter cgroup: write %s", cg_task_paths[i]);
		close(cg_task_fds[i]);
	}
	n_cg_tasks = 0;
	/* A kernel without CLONE_INTO_CGROUP: the process moves itself, taking the lock after all. */
	if (cg_fallback && write(cg_procs_fd, "0", 1) != 1)
		die("enter cgroup: write %s/cgroup.procs", cg_dir_path);
	if (cg_procs_fd >= 0)
		close(cg_procs_fd);
	if (cg_dir_fd >= 0)
		close(cg_dir_fd);
	cg_procs_fd = cg_dir_fd = -1;
	if (cg_ns_fd >= 0) {
		if (setns(cg_ns_fd, CLONE_NEWCGROUP) < 0)
			die("join the cgroup namespace");
		close(cg_ns_fd);
		cg_ns_fd = -1;
	}
}

/* clone(2) with the namespace flags; into the opened cgroup2 directory, if any, by clone3. */
static pid_t clone_into_cgroup(unsigned long flags)
{
	if (cg_dir_fd >= 0) {
		struct clone3_args args = {
			.flags = flags | BERTH_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cg_dir_fd};
		pid_t pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
			return pid;
		cg_fallback = 1;
	}
	return syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
}

static void op_clone(const struct op *o)
{
	unsigned long flags = unum(o, 0);
	/* The child waits until its pid is reported, so the runtime hears "pid" before "sync". */
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0)
		die("pipe");
	pid_t pid = clone_into_cgroup(flags);
	if (pid < 0)
		die("clone");
	if (pid > 0) {
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "pid %d", pid);
		if (send(sync_fd, msg, n, MSG_NOSIGNAL) < 0) {
			kill(pid, SIGKILL);
			die("report pid");
		}
		if (write(gate[1], "1", 1) != 1)
			die("release child");
		_exit(0);
	}
	close(gate[1]);
	char c;
	ssize_t r;
	do {
		r = read(gate[0], &c, 1);
	} while (r < 0 && errno == EINTR);
	if (r != 1) {
		errno = 0;
		die("clone: the parent stage exited before reporting the pid");
	}
	close(gate[0]);
}

static void read_last_cap(void)
{
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	char buf[16] = {0};
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		last_cap = atoi(buf);
	close(fd);
}

static void run(const struct op *o)
{
	errno = 0;
	switch (o->code) {
	case OP_SETNS: {
		int fd = open(str(o, 0), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("open namespace %s", str(o, 0));
		if (setns(fd, num(o, 1)) < 0)
			die("join namespace %s", str(o, 0));
		close(fd);
		break;
	}
	case OP_UNSHARE:
		if (unshare(num(o, 0)) < 0)
			die("unshare %#llx", num(o, 0));
		break;
	case OP_WRITE_FILE:
		write_file(str(o, 0), o->argv[1].s, o->argv[1].len);
		break;
	case OP_CLONE:
		op_clone(o);
		break;
	case OP_CGROUP_OPEN:
		op_cgroup_open(o);
		break;
	case OP_CGROUP_ENTER:
		op_cgroup_enter();
		break;
	case OP_SYNC:
		sync_with_runtime(str(o, 0));
		break;
	case OP_SET_ROOT:
		root_path = o->argv[0].s;
		if (root_fd >= 0)
			close(root_fd);
		root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0)
			die("open rootfs %s", root_path);
		break;
	case OP_MOUNT: {
		unsigned long flags = unum(o, 3);
		if ((flags & MS_REMOUNT) && (flags & MS_BIND))
			flags |= locked_flags(str(o, 1));
		if (mount(opt(o, 0), str(o, 1), opt(o, 2), flags, opt(o, 4)) < 0)
			die("mount %s on %s", str(o, 0), str(o, 1));
		break;
	}
	case OP_MOUNT_IN_ROOT:
		op_mount_in_root(o);
		break;
	case OP_MKNOD:
		op_mknod(o);
		break;
	case OP_SYMLINK:
		op_symlink(o);
		break;
	case OP_PIVOT_ROOT:
		op_pivot_root(str(o, 0));
		break;
	case OP_MOVE_ROOT:
		op_move_root(str(o, 0));
		break;
	case OP_MASK:
		op_mask(str(o, 0));
		break;
	case OP_READONLY:
		op_readonly(str(o, 0));
		break;
	case OP_SETHOSTNAME:
		if (sethostname(str(o, 0), o->argv[0].len) < 0)
			die("sethostname");
		break;
	case OP_SETDOMAINNAME:
		if (setdomainname(str(o, 0), o->argv[0].len) < 0)
			die("setdomainname");
		break;
	case OP_RLIMIT: {
		struct rlimit rl = {.rlim_cur = unum(o, 1), .rlim_max = unum(o, 2)};
		const char *name = o->argc > 3 ? str(o, 3) : "rlimit";
		if (setrlimit(num(o, 0), &rl) < 0) {
			if (errno == EPERM)
				die("%s (soft %llu, hard %llu): raising a hard limit needs CAP_SYS_RESOURCE, which"
				    " this runtime does not hold; ask for no more than the current hard limit",
				    name, unum(o, 1), unum(o, 2));
			die("%s (soft %llu, hard %llu)", name, unum(o, 1), unum(o, 2));
		}
		break;
	}
	case OP_CHDIR:
		if (chdir(str(o, 0)) < 0)
			die("chdir to cwd %s", str(o, 0));
		break;
	case OP_SETGROUPS: {
		gid_t *g = calloc(o->argc + 1, sizeof(gid_t));
		for (uint32_t i = 0; i < o->argc; i++)
			g[i] = unum(o, i);
		if (setgroups(o->argc, g) < 0)
			die("setgroups");
		free(g);
		break;
	}
	case OP_SETGID:
		if (syscall(SYS_setresgid, unum(o, 0), unum(o, 0), unum(o, 0)) < 0)
			die("setgid %llu", unum(o, 0));
		break;
	case OP_SETUID:
		if (syscall(SYS_setresuid, unum(o, 0), unum(o, 0), unum(o, 0)) < 0)
			die("setuid %llu", unum(o, 0));
		break;
	case OP_KEEPCAPS:
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			die("keepcaps");
		break;
	case OP_CAPBSET:
		op_capbset(o);
		break;
	case OP_CAPS:
		op_caps(o);
		break;
	case OP_NO_NEW_PRIVS:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			die("no_new_privs");
		break;
	case OP_SECCOMP:
		op_seccomp(o);
		break;
	case OP_UMASK:
		umask(num(o, 0));
		break;
	case OP_OPEN_FIFO:
		fifo_fd = open(str(o, 0), O_PATH | O_CLOEXEC);
		if (fifo_fd < 0)
			die("open exec fifo %s", str(o, 0));
		/* Host /proc, to reopen the fifo later whatever the container mounts at /proc. */
		proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (proc_fd < 0)
			die("open /proc");
		break;
	case OP_WAIT_FIFO: {
		/* Blocks until `start` opens the read end. The byte that tells `start` all went
		 * well is written just before execve, after startContainer hooks and seccomp. */
		char path[64];
		snprintf(path, sizeof(path), "self/fd/%d", fifo_fd);
		int fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			die("open exec fifo for writing");
		close(fifo_fd);
		close(proc_fd);
		proc_fd = -1;
		fifo_fd = fd;
		break;
	}
	case OP_HOOK:
		op_hook(o);
		break;
	case OP_CONSOLE_CONNECT:
		op_console_connect(str(o, 0));
		break;
	case OP_CONSOLE:
		op_console(o);
		break;
	case OP_FIND_EXEC:
		op_find_exec(str(o, 0), str(o, 1));
		break;
	case OP_EXEC:
		op_exec(o);
		break;
	case OP_ENV:
		op_env(o);
		break;
	case OP_SETSID:
		if (setsid() < 0)
			die("setsid");
		break;
	case OP_PERSONALITY:
		if (personality(num(o, 0)) < 0)
			die("personality");
		break;
	case OP_CLOEXEC_FROM:
		cloexec_from(num(o, 0), 1);
		break;
	case OP_CHROOT:
		if (chroot(str(o, 0)) < 0 || chdir("/") < 0)
			die("chroot %s", str(o, 0));
		break;
	case OP_MKDIR_IN_ROOT:
		mkdirs_in_root(str(o, 0), num(o, 1));
		break;
	case OP_MOUNT_PROPAGATION:
		if (mount(NULL, str(o, 0), NULL, unum(o, 1), NULL) < 0)
			die("set mount propagation of %s", str(o, 0));
		break;
	default:
		errno = 0;
		die("plan: unknown op %u", o->code);
	}
}

int main(int argc, char **argv, char **envp)
{
	if (argc != 3) {
		dprintf(2, "usage: berth-init PLAN_FD SYNC_FD (started by the Berth runtime)\n");
		return 2;
	}
	int plan_fd = atoi(argv[1]);
	sync_fd = atoi(argv[2]);
	if (plan_fd < 3 || sync_fd < 3) {
		dprintf(2, "berth-init: bad fds\n");
		return 2;
	}
	ensure_sealed_copy(argv, envp);
	/* Whatever else the spawner left open is not ours to pass on. */
	int top = plan_fd > sync_fd ? plan_fd : sync_fd;
	syscall(SYS_close_range, top + 1, ~0U, 0);
	fcntl(plan_fd, F_SETFD, FD_CLOEXEC);
	fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
	/* Until execve, no other process of the container may ptrace us or open our /proc files. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	read_last_cap();
	size_t len, count;
	char *buf = read_all(plan_fd, &len);
	close(plan_fd);
	struct op *ops = parse_plan(buf, len, &count);
	free(buf);
	for (size_t i = 0; i < count; i++)
		run(&ops[i]);
	errno = 0;
	die("plan ended without exec");
}
