/*
 * berth-shim: the monitor of one container (conmon's role).
 *
 * It outlives whoever started the container: it holds the container's stdio (pipes or the pty
 * master), writes it to a CRI-format log and to attach clients, reaps the container as its
 * subreaper and records how it ended in exit.json, so that an engine that restarts finds the
 * truth on disk. One poll() loop, no threads, libc only: it must stay small in memory because
 * there is one per running container.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define MAX_CLIENTS 64
#define MAX_INHERITED 256
#define MSG_MAX (32 * 1024)

/* Attach protocol type bytes. */
enum { OUT_STDOUT = 1, OUT_STDERR = 2, OUT_EXIT = 3 };
enum { IN_STDIN = 0, IN_CLOSE_STDIN = 1, IN_RESIZE = 2 };

static struct {
	const char *id, *dir, *log, *oom_file, *exit_cmd;
	long long log_max_size;
	long long log_max_files;
	int tty, want_stdin, foreground, ctl_fd;
	char **exit_args;
	int n_exit_args;
	char **cmd;
} opt = {.log_max_files = 1, .ctl_fd = -1};

static int inherited[MAX_INHERITED];
static int n_inherited;

static int sig_fd = -1, attach_fd = -1, console_fd = -1, console_conn = -1;
static int out_fd = -1, err_fd = -1, stdin_fd = -1, master_fd = -1, slave_fd = -1;
static int clients[MAX_CLIENTS];
static int n_clients;

/* One pending write to the container's stdin; clients are not read while it is non-empty. */
static char stdin_buf[MSG_MAX];
static size_t stdin_len, stdin_off;
static int stdin_close_after;

static pid_t first_pid = -1, main_pid = -1;
static int first_done, first_status, main_done, main_status, start_failed;
static struct timespec finished_at;
static char ctl_buf[64];
static size_t ctl_len;

/* Children reaped before the ctl message named one of them as the main process. */
static struct {
	pid_t pid;
	int status;
	struct timespec at;
} early[32];
static unsigned n_early;

static int log_fd = -1;
static long long log_size;
static time_t log_retry_at;

static char io_buf[MSG_MAX];
static char msg_buf[MSG_MAX + 1];

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	dprintf(2, "berth-shim: ");
	vdprintf(2, fmt, ap);
	dprintf(2, "\n");
	va_end(ap);
	exit(1);
}

static long long number(const char *name, const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		fail("--%s: not a number: %s", name, s);
	return v;
}

static void parse(int argc, char **argv)
{
	enum { O_ID = 256, O_DIR, O_LOG, O_MAXSIZE, O_MAXFILES, O_TTY, O_STDIN, O_CTL, O_OOM, O_EXIT, O_EXITARG, O_FG };
	static const struct option longopts[] = {
		{"id", required_argument, 0, O_ID},
		{"dir", required_argument, 0, O_DIR},
		{"log", required_argument, 0, O_LOG},
		{"log-max-size", required_argument, 0, O_MAXSIZE},
		{"log-max-files", required_argument, 0, O_MAXFILES},
		{"tty", no_argument, 0, O_TTY},
		{"stdin", no_argument, 0, O_STDIN},
		{"ctl-fd", required_argument, 0, O_CTL},
		{"oom-file", required_argument, 0, O_OOM},
		{"exit-command", required_argument, 0, O_EXIT},
		{"exit-arg", required_argument, 0, O_EXITARG},
		{"foreground", no_argument, 0, O_FG},
		{0, 0, 0, 0},
	};
	opt.exit_args = calloc(argc + 1, sizeof(char *));
	if (!opt.exit_args)
		fail("out of memory");
	int c;
	/* '+': the first non-option starts COMMAND, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case O_ID: opt.id = optarg; break;
		case O_DIR: opt.dir = optarg; break;
		case O_LOG: opt.log = optarg; break;
		case O_MAXSIZE: opt.log_max_size = number("log-max-size", optarg); break;
		case O_MAXFILES: opt.log_max_files = number("log-max-files", optarg); break;
		case O_TTY: opt.tty = 1; break;
		case O_STDIN: opt.want_stdin = 1; break;
		case O_CTL: opt.ctl_fd = (int)number("ctl-fd", optarg); break;
		case O_OOM: opt.oom_file = optarg; break;
		case O_EXIT: opt.exit_cmd = optarg; break;
		case O_EXITARG: opt.exit_args[opt.n_exit_args++] = optarg; break;
		case O_FG: opt.foreground = 1; break;
		default: exit(1); /* getopt has said what was wrong */
		}
	}
	if (!opt.dir)
		fail("--dir is required");
	if (optind >= argc)
		fail("no command: berth-shim [options] -- COMMAND [ARGS...]");
	if (opt.log_max_files < 1 || opt.log_max_files > 1000)
		fail("--log-max-files: must be 1 to 1000");
	struct stat st;
	if (stat(opt.dir, &st) < 0 || !S_ISDIR(st.st_mode))
		fail("--dir %s: not a directory", opt.dir);
	if (strlen(opt.dir) + sizeof("/console.sock") > sizeof(((struct sockaddr_un *)0)->sun_path))
		fail("--dir %s: too long for a socket path", opt.dir);
	if (opt.ctl_fd >= 0 && (opt.ctl_fd < 3 || fcntl(opt.ctl_fd, F_GETFD) < 0))
		fail("--ctl-fd %d: not an open fd above 2", opt.ctl_fd);
	if (!opt.id)
		opt.id = "?";
	opt.cmd = argv + optind;
}

/* Must run before the shim opens anything: what is open now is the caller's, for COMMAND. */
static void scan_inherited(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		fail("open /proc/self/fd: %s", strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] == '.' || fd < 3 || fd == dirfd(d) || fd == opt.ctl_fd)
			continue;
		if (n_inherited == MAX_INHERITED)
			fail("more than %d inherited fds", MAX_INHERITED);
		inherited[n_inherited++] = fd;
	}
	closedir(d);
}

static void path_in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", opt.dir, name);
}

static int listen_on(const char *name, int type)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	path_in_dir(a.sun_path, sizeof(a.sun_path), name);
	unlink(a.sun_path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0)
		fail("listen on %s: %s", a.sun_path, strerror(errno));
	/* Whoever can attach can type into the container. */
	chmod(a.sun_path, 0600);
	return fd;
}

static void timestamp(char *buf, size_t size, const struct timespec *ts)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts->tv_nsec);
}

static void write_file_atomically(const char *name, const char *data, size_t len)
{
	char path[4096], tmp[4096];
	path_in_dir(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", opt.dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	ssize_t w = write(fd, data, len);
	fsync(fd);
	close(fd);
	if (w == (ssize_t)len)
		rename(tmp, path);
	else
		unlink(tmp);
}

static void restore_signals(const sigset_t *mask)
{
	int sigs[] = {SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

/* ---- the log ---------------------------------------------------------------------------- */

static void log_open(void)
{
	log_fd = open(opt.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	struct stat st;
	if (log_fd >= 0 && fstat(log_fd, &st) == 0) {
		log_size = st.st_size;
		return;
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_retry_at = time(NULL) + 1;
}

/* A full disk must cost log lines, never the container: drop the file and try again later. */
static void log_broken(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	log_retry_at = time(NULL) + 1;
}

static void log_rotate(void)
{
	if (opt.log_max_files <= 1) {
		if (ftruncate(log_fd, 0) < 0)
			log_broken();
		else
			log_size = 0;
		return;
	}
	char from[4096], to[4096];
	for (long long i = opt.log_max_files - 1; i >= 1; i--) {
		snprintf(to, sizeof(to), "%s.%lld", opt.log, i);
		if (i == 1)
			snprintf(from, sizeof(from), "%s", opt.log);
		else
			snprintf(from, sizeof(from), "%s.%lld", opt.log, i - 1);
		rename(from, to);
	}
	close(log_fd);
	log_open();
}

static void log_record(const char *ts, const char *stream, char tag, const char *text, size_t len)
{
	char head[96];
	int hlen = snprintf(head, sizeof(head), "%s %s %c ", ts, stream, tag);
	long long total = hlen + (long long)len + 1;
	if (opt.log_max_size > 0 && log_size > 0 && log_size + total > opt.log_max_size)
		log_rotate();
	if (log_fd < 0)
		return;
	struct iovec iov[3] = {{head, hlen}, {(void *)text, len}, {"\n", 1}};
	ssize_t w;
	do
		w = writev(log_fd, iov, 3);
	while (w < 0 && errno == EINTR);
	if (w != total) {
		log_broken();
		return;
	}
	log_size += total;
}

/* Complete lines as F, a trailing piece as P; a line too long for one file is cut into P pieces. */
static void log_output(const char *stream, const char *data, size_t len, const struct timespec *now)
{
	if (!opt.log)
		return;
	if (log_fd < 0) {
		if (time(NULL) < log_retry_at)
			return;
		log_open();
		if (log_fd < 0)
			return;
	}
	char ts[64];
	timestamp(ts, sizeof(ts), now);
	size_t room = 0;
	if (opt.log_max_size > 0) {
		long long r = opt.log_max_size - (long long)strlen(ts) - (long long)strlen(stream) - 5;
		room = r > 0 ? (size_t)r : 0;
	}
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t line = nl ? (size_t)(nl - data) : len;
		char tag = nl ? 'F' : 'P';
		const char *p = data;
		size_t left = line;
		while (room > 0 && left > room) {
			log_record(ts, stream, 'P', p, room);
			p += room;
			left -= room;
		}
		log_record(ts, stream, tag, p, left);
		size_t used = nl ? line + 1 : line;
		data += used;
		len -= used;
	}
}

/* ---- attach clients ------------------------------------------------------------------------ */

static void drop_client(int i)
{
	close(clients[i]);
	clients[i] = clients[--n_clients];
}

static void broadcast(char type, const char *data, size_t len)
{
	for (int i = 0; i < n_clients;) {
		struct iovec iov[2] = {{&type, 1}, {(void *)data, len}};
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
		/* A client that cannot keep up loses its seat rather than stall the container. */
		if (sendmsg(clients[i], &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EINTR)
			drop_client(i);
		else
			i++;
	}
}

static void output(int type, const char *data, size_t len)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	log_output(type == OUT_STDERR ? "stderr" : "stdout", data, len, &now);
	broadcast(type, data, len);
}

/* Reads once from an output fd; returns 1 when data came, 0 when there is none for now. */
static int pump(int *fd, int type)
{
	ssize_t n = read(*fd, io_buf, sizeof(io_buf));
	if (n > 0) {
		output(type, io_buf, n);
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EOF, or EIO from a master whose slave side is gone: nothing more will come. */
	close(*fd);
	*fd = -1;
	return 0;
}

static int stdin_target(void)
{
	return opt.tty ? master_fd : stdin_fd;
}

static void stdin_flush(void)
{
	int fd = stdin_target();
	while (stdin_off < stdin_len && fd >= 0) {
		ssize_t w = write(fd, stdin_buf + stdin_off, stdin_len - stdin_off);
		if (w > 0) {
			stdin_off += w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return;
		} else {
			/* The container closed its stdin: what it would not read is dropped. */
			stdin_off = stdin_len;
			if (!opt.tty) {
				close(stdin_fd);
				stdin_fd = -1;
			}
		}
	}
	stdin_len = stdin_off = 0;
	if (stdin_close_after && !opt.tty && stdin_fd >= 0) {
		close(stdin_fd);
		stdin_fd = -1;
	}
	stdin_close_after = 0;
}

static void stdin_write(const char *data, size_t len)
{
	if (!opt.want_stdin || stdin_target() < 0 || len == 0)
		return;
	memcpy(stdin_buf, data, len);
	stdin_len = len;
	stdin_off = 0;
	stdin_flush();
}

static void client_message(int i)
{
	ssize_t n = recv(clients[i], msg_buf, sizeof(msg_buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		drop_client(i);
		return;
	}
	switch (msg_buf[0]) {
	case IN_STDIN:
		stdin_write(msg_buf + 1, n - 1);
		break;
	case IN_CLOSE_STDIN:
		if (opt.tty) {
			stdin_write("\x04", 1); /* the terminal's EOF, VEOF in canonical mode */
		} else if (stdin_len > stdin_off) {
			stdin_close_after = 1;
		} else if (stdin_fd >= 0) {
			close(stdin_fd);
			stdin_fd = -1;
		}
		break;
	case IN_RESIZE: {
		msg_buf[n] = '\0';
		unsigned rows, cols;
		if (master_fd >= 0 && sscanf(msg_buf + 1, "%u %u", &rows, &cols) == 2) {
			struct winsize ws = {.ws_row = rows, .ws_col = cols};
			ioctl(master_fd, TIOCSWINSZ, &ws);
		}
		break;
	}
	default:
		break;
	}
}

static void accept_clients(void)
{
	for (;;) {
		int fd = accept4(attach_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		if (n_clients == MAX_CLIENTS)
			close(fd);
		else
			clients[n_clients++] = fd;
	}
}

/* ---- the console socket (runc's --console-socket protocol) -------------------------------- */

static void console_accept(void)
{
	int fd = accept4(console_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (console_conn >= 0)
		close(console_conn);
	console_conn = fd;
}

static void console_receive(void)
{
	char data[256], cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {data, sizeof(data)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(console_conn, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	int got = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *fds = (int *)CMSG_DATA(c);
		for (int k = 0; k < cnt; k++) {
			if (got < 0)
				got = fds[k];
			else
				close(fds[k]);
		}
	}
	close(console_conn);
	console_conn = -1;
	if (got < 0)
		return; /* a connection that brought nothing; keep listening */
	master_fd = got;
	fcntl(master_fd, F_SETFL, fcntl(master_fd, F_GETFL) | O_NONBLOCK);
	/*
	 * Holding our own slave fd means the master never reports EIO while the container is
	 * between the send and opening the slave itself, and output the container wrote just
	 * before exiting stays readable until we drain it.
	 */
	slave_fd = ioctl(master_fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	close(console_fd);
	console_fd = -1;
	char path[4096];
	path_in_dir(path, sizeof(path), "console.sock");
	unlink(path);
}

/* ---- processes ------------------------------------------------------------------------------ */

static void main_exited(int status, const struct timespec *at)
{
	main_done = 1;
	main_status = status;
	finished_at = *at;
}

static void ctl_read(void)
{
	ssize_t n = read(opt.ctl_fd, ctl_buf + ctl_len, sizeof(ctl_buf) - 1 - ctl_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		ctl_len += n;
		ctl_buf[ctl_len] = '\0';
		int pid;
		if (main_pid < 0 && strchr(ctl_buf, '\n') && sscanf(ctl_buf, "pid %d", &pid) == 1 && pid > 0) {
			main_pid = pid;
			for (unsigned i = 0; i < n_early && i < 32; i++)
				if (early[i].pid == pid)
					main_exited(early[i].status, &early[i].at);
		}
		if (ctl_len < sizeof(ctl_buf) - 1)
			return;
	}
	close(opt.ctl_fd);
	opt.ctl_fd = -1;
	if (main_pid < 0) {
		/* The caller gave up before the container existed: the first stage's end is the end. */
		start_failed = 1;
		if (first_done) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			main_exited(first_status, &now);
		}
	}
}

static void reap(void)
{
	struct signalfd_siginfo si;
	while (read(sig_fd, &si, sizeof(si)) > 0)
		;
	int status;
	pid_t p;
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (p == main_pid) {
			main_exited(status, &now);
		} else if (p == first_pid) {
			first_done = 1;
			first_status = status;
			if (start_failed)
				main_exited(status, &now);
		} else if (main_pid < 0) {
			unsigned k = n_early++ % 32;
			early[k].pid = p;
			early[k].status = status;
			early[k].at = now;
		}
	}
}

static pid_t start_command(const sigset_t *old_mask)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
	if (!opt.tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0))
		fail("pipe: %s", strerror(errno));
	if (!opt.tty && opt.want_stdin && pipe2(in, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int fds[3] = {in[0] >= 0 ? in[0] : null, out[1] >= 0 ? out[1] : null, err[1] >= 0 ? err[1] : null};
		for (int i = 0; i < 3; i++)
			if (fds[i] < 0 || dup2(fds[i], i) < 0)
				_exit(127);
		restore_signals(old_mask);
		execvp(opt.cmd[0], opt.cmd);
		dprintf(2, "berth-shim: exec %s: %s\n", opt.cmd[0], strerror(errno));
		_exit(127);
	}
	/* The caller watches for EOF on what it passed through us: our copies must not hold it open. */
	for (int i = 0; i < n_inherited; i++)
		close(inherited[i]);
	n_inherited = 0;
	if (!opt.tty) {
		close(out[1]);
		close(err[1]);
		out_fd = out[0];
		err_fd = err[0];
		fcntl(out_fd, F_SETFL, O_NONBLOCK);
		fcntl(err_fd, F_SETFL, O_NONBLOCK);
	}
	if (in[0] >= 0) {
		close(in[0]);
		stdin_fd = in[1];
		fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
	}
	return pid;
}

static int read_oom(void)
{
	if (!opt.oom_file)
		return 0;
	FILE *f = fopen(opt.oom_file, "re");
	if (!f)
		return 0;
	char line[128];
	long long n = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %lld", &n) == 1)
			break;
	fclose(f);
	return n > 0;
}

static void run_exit_command(const sigset_t *old_mask)
{
	if (!opt.exit_cmd)
		return;
	pid_t p = fork();
	if (p != 0)
		return; /* not waited for: the shim is about to end, whatever the command does */
	setsid();
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	restore_signals(old_mask);
	char **argv = calloc(opt.n_exit_args + 2, sizeof(char *));
	if (!argv)
		_exit(127);
	argv[0] = (char *)opt.exit_cmd;
	for (int i = 0; i < opt.n_exit_args; i++)
		argv[i + 1] = opt.exit_args[i];
	execv(opt.exit_cmd, argv);
	_exit(127);
}

static void drain(void)
{
	while (out_fd >= 0 && pump(&out_fd, OUT_STDOUT))
		;
	while (err_fd >= 0 && pump(&err_fd, OUT_STDERR))
		;
	/* A pty moves data to the master asynchronously: wait for a short quiet spell. */
	while (master_fd >= 0) {
		struct pollfd p = {master_fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0 || !pump(&master_fd, OUT_STDOUT))
			break;
	}
}

static void finish(const sigset_t *old_mask)
{
	if (attach_fd >= 0)
		accept_clients();
	drain();
	int oom = read_oom();
	int code, sig = 0;
	if (WIFSIGNALED(main_status)) {
		sig = WTERMSIG(main_status);
		code = 128 + sig;
	} else {
		code = WEXITSTATUS(main_status);
	}
	char ts[64], json[256];
	timestamp(ts, sizeof(ts), &finished_at);
	int len = snprintf(json, sizeof(json), "{\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n",
			   code, sig, oom ? "true" : "false", ts);
	write_file_atomically("exit.json", json, len);
	char msg[16];
	int mlen = snprintf(msg, sizeof(msg), "%c%d", OUT_EXIT, code);
	for (int i = 0; i < n_clients; i++) {
		/* Give a slow client a moment for the one message it is waiting for. */
		struct pollfd p = {clients[i], POLLOUT, 0};
		if (send(clients[i], msg, mlen, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == EAGAIN &&
		    poll(&p, 1, 500) > 0)
			send(clients[i], msg, mlen, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(clients[i]);
	}
	n_clients = 0;
	char path[4096];
	path_in_dir(path, sizeof(path), "attach.sock");
	unlink(path);
	if (console_fd >= 0) {
		path_in_dir(path, sizeof(path), "console.sock");
		unlink(path);
	}
	run_exit_command(old_mask);
	exit(0);
}

/* ---- the loop -------------------------------------------------------------------------------- */

enum { K_SIG, K_OUT, K_ERR, K_MASTER, K_ATTACH, K_CONSOLE, K_CONSOLE_CONN, K_CTL, K_STDIN, K_CLIENT };

static void loop(const sigset_t *old_mask)
{
	struct pollfd pfd[16 + MAX_CLIENTS];
	int kind[16 + MAX_CLIENTS];
	for (;;) {
		if (main_done)
			finish(old_mask);
		int n = 0;
#define ADD(fd_, ev_, k_) do { pfd[n] = (struct pollfd){(fd_), (ev_), 0}; kind[n++] = (k_); } while (0)
		ADD(sig_fd, POLLIN, K_SIG);
		if (out_fd >= 0)
			ADD(out_fd, POLLIN, K_OUT);
		if (err_fd >= 0)
			ADD(err_fd, POLLIN, K_ERR);
		if (master_fd >= 0)
			ADD(master_fd, POLLIN, K_MASTER);
		if (attach_fd >= 0)
			ADD(attach_fd, POLLIN, K_ATTACH);
		if (console_fd >= 0)
			ADD(console_fd, POLLIN, K_CONSOLE);
		if (console_conn >= 0)
			ADD(console_conn, POLLIN, K_CONSOLE_CONN);
		if (opt.ctl_fd >= 0)
			ADD(opt.ctl_fd, POLLIN, K_CTL);
		int base = n;
		if (stdin_len > stdin_off && stdin_target() < 0)
			stdin_len = stdin_off = 0;
		if (stdin_len > stdin_off) {
			ADD(stdin_target(), POLLOUT, K_STDIN);
		} else {
			for (int i = 0; i < n_clients; i++)
				ADD(clients[i], POLLIN, K_CLIENT);
		}
#undef ADD
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", strerror(errno));
		}
		/*
		 * Clients that connected first: a run's client connects before the process starts,
		 * and output (or the exit) handled ahead of its accept in this same round would
		 * never reach it.
		 */
		if (attach_fd >= 0)
			accept_clients();
		for (int i = 0; i < base; i++) {
			if (!pfd[i].revents)
				continue;
			switch (kind[i]) {
			case K_SIG: reap(); break;
			case K_OUT: pump(&out_fd, OUT_STDOUT); break;
			case K_ERR: pump(&err_fd, OUT_STDERR); break;
			case K_MASTER: pump(&master_fd, OUT_STDOUT); break;
			case K_ATTACH: accept_clients(); break;
			case K_CONSOLE: console_accept(); break;
			case K_CONSOLE_CONN: console_receive(); break;
			case K_CTL: ctl_read(); break;
			}
		}
		/*
		 * Clients last, so that a new client is accepted and the master is received before
		 * the messages that came with them are read; by fd, since accepting and dropping
		 * renumber the array.
		 */
		for (int i = n - 1; i >= base; i--) {
			if (!pfd[i].revents)
				continue;
			if (kind[i] == K_STDIN) {
				stdin_flush();
				continue;
			}
			for (int c = 0; c < n_clients; c++)
				if (clients[c] == pfd[i].fd && !(stdin_len > stdin_off)) {
					client_message(c);
					break;
				}
		}
	}
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	scan_inherited();
	if (opt.ctl_fd >= 0) {
		fcntl(opt.ctl_fd, F_SETFD, FD_CLOEXEC);
		fcntl(opt.ctl_fd, F_SETFL, O_NONBLOCK);
	}
	/* Our own sockets must not land on 0-2 if the caller left them closed. */
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			fail("open /dev/null: %s", strerror(errno));

	attach_fd = listen_on("attach.sock", SOCK_SEQPACKET);
	if (opt.tty)
		console_fd = listen_on("console.sock", SOCK_STREAM);

	int ready[2] = {-1, -1};
	if (!opt.foreground) {
		if (pipe2(ready, O_CLOEXEC) < 0)
			fail("pipe: %s", strerror(errno));
		pid_t p = fork();
		if (p < 0)
			fail("fork: %s", strerror(errno));
		if (p > 0) {
			/* Returning once shim.pid is there lets the caller read it right after waitpid. */
			close(ready[1]);
			char c;
			ssize_t n;
			do
				n = read(ready[0], &c, 1);
			while (n < 0 && errno == EINTR);
			_exit(n == 1 ? 0 : 1);
		}
		close(ready[0]);
		setsid();
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		fail("prctl PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	/* The container's lifetime decides ours; a closed terminal or a stray signal must not. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sigset_t chld, old_mask;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old_mask);
	sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		fail("signalfd: %s", strerror(errno));

	char pid[32];
	int plen = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	write_file_atomically("shim.pid", pid, plen);

	first_pid = start_command(&old_mask);
	if (opt.ctl_fd < 0)
		main_pid = first_pid;
	if (opt.log)
		log_open();
	if (!opt.foreground) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		if (null > 2)
			close(null);
		if (write(ready[1], "1", 1) < 0)
			_exit(1);
		close(ready[1]);
	}
	loop(&old_mask);
	return 0;
}
