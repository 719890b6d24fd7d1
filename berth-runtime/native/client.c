/*
 * berth-runtime-client: the fast path of the berth-runtime command.
 *
 * It hands its argv, working directory and stdio to the runtime service (a warm JVM, see
 * io.berth.cli.RuntimeService) and does what only it can: spawn berth-init as its own child, so
 * the container is adopted by this process's subreaper exactly as with runc, and wait for a
 * foreground container while forwarding signals. Without a service it runs the JVM command.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FDS 64
#define MAX_MSG 65536

extern char **environ;

static char **saved_argv;
static volatile pid_t forward_to;

static void direct(void)
{
	/* No service (or it asked us to): the JVM command, told not to come back here. */
	const char *launcher = getenv("BERTH_RUNTIME_LAUNCHER");
	setenv("BERTH_RUNTIME_DIRECT", "1", 1);
	if (launcher) {
		execv(launcher, saved_argv);
		dprintf(2, "berth-runtime: exec %s: %s\n", launcher, strerror(errno));
	} else {
		dprintf(2, "berth-runtime: no runtime service and BERTH_RUNTIME_LAUNCHER unset\n");
	}
	_exit(127);
}

static int send_msg(int sock, const char *data, size_t len, const int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Receives one message; its NUL-separated fields go to fields[], fds to fds[]. */
static int recv_msg(int sock, char *buf, char **fields, int maxfields, int *nfields, int *fds, int *nfds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	struct iovec iov = {.iov_base = buf, .iov_len = MAX_MSG - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			memcpy(fds + *nfds, CMSG_DATA(c), sizeof(int) * k);
			*nfds += k;
		}
	}
	*nfields = 0;
	char *p = buf;
	while (p <= buf + n - 1 && *nfields < maxfields) {
		fields[(*nfields)++] = p;
		p += strlen(p) + 1;
	}
	if (n > 0 && buf[n - 1] == '\0' && *nfields < maxfields)
		fields[(*nfields)++] = buf + n;
	return 0;
}

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static pid_t spawn(char **fields, int nfields, int *fds, int nfds)
{
	/* Sources first move above every target, so no dup2 clobbers another's source. */
	int high[MAX_FDS];
	for (int i = 0; i < nfds; i++)
		high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100 + MAX_FDS);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	for (int i = 0; i < nfds; i++)
		posix_spawn_file_actions_adddup2(&fa, high[i], i);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *argv[MAX_FDS + 8];
	int argc = 0;
	for (int i = 2; i < nfields && argc < MAX_FDS + 6; i++)
		argv[argc++] = fields[i];
	argv[argc] = NULL;
	char *envp[] = {NULL};
	pid_t pid = -1;
	if (posix_spawn(&pid, fields[1], &fa, &attr, argv, envp) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	for (int i = 0; i < nfds; i++) {
		close(high[i]);
		close(fds[i]);
	}
	return pid;
}

int main(int argc, char **argv)
{
	saved_argv = argv;
	const char *path = getenv("BERTH_RUNTIME_SOCKET");
	if (!path)
		path = "/run/berth-runtime.sock";
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		direct();
	strcpy(addr.sun_path, path);
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		direct();

	/* Containers whose first stage we spawn are ours to wait for, as with `runc run`. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	/* The fds to lend: stdio, then --preserve-fds N and LISTEN_FDS more. */
	int preserve = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--preserve-fds") == 0 && i + 1 < argc)
			preserve = atoi(argv[i + 1]);
		else if (strncmp(argv[i], "--preserve-fds=", 15) == 0)
			preserve = atoi(argv[i] + 15);
	}
	const char *listen = getenv("LISTEN_FDS");
	if (listen)
		preserve += atoi(listen);
	if (preserve < 0 || preserve > MAX_FDS - 3)
		direct();
	int lend[MAX_FDS];
	for (int i = 0; i < 3 + preserve; i++) {
		lend[i] = i;
		if (fcntl(i, F_GETFD) < 0) {
			/* A closed stdio fd: lend /dev/null in its place. */
			lend[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		}
	}
	char *req = malloc(MAX_MSG);
	size_t len = 0;
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		direct();
	const char *head[] = {"run", cwd, listen ? listen : ""};
	for (int i = 0; i < 3 + argc - 1; i++) {
		const char *f = i < 3 ? head[i] : argv[i - 2];
		size_t l = strlen(f) + 1;
		if (len + l > MAX_MSG)
			direct();
		memcpy(req + len, f, l);
		len += l;
	}
	if (send_msg(sock, req, len - 1, lend, 3 + preserve) < 0)
		direct();

	char *buf = malloc(MAX_MSG);
	char *fields[MAX_FDS + 16];
	int fds[MAX_FDS];
	pid_t helpers[16];
	int nhelpers = 0;
	for (;;) {
		int nfields, nfds;
		if (recv_msg(sock, buf, fields, MAX_FDS + 16, &nfields, fds, &nfds) < 0) {
			dprintf(2, "berth-runtime: the runtime service went away\n");
			return 1;
		}
		if (strcmp(fields[0], "spawn") == 0 && nfields >= 3) {
			pid_t pid = spawn(fields, nfields, fds, nfds);
			if (pid > 0 && nhelpers < 16)
				helpers[nhelpers++] = pid;
			char reply[64];
			int n = snprintf(reply, sizeof(reply), "spawned%c%d", 0, pid);
			send_msg(sock, reply, n, NULL, 0);
		} else if (strcmp(fields[0], "wait") == 0 && nfields >= 2) {
			forward_to = atoi(fields[1]);
			int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
			for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
				signal(sigs[i], forward);
			int status = 0, code;
			pid_t r;
			do {
				r = waitpid(forward_to, &status, 0);
			} while (r < 0 && errno == EINTR);
			code = r < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			forward_to = 0;
			char reply[64];
			int n = snprintf(reply, sizeof(reply), "exited%c%d", 0, code);
			send_msg(sock, reply, n, NULL, 0);
		} else if (strcmp(fields[0], "fallback") == 0) {
			close(sock);
			direct();
		} else if (strcmp(fields[0], "exit") == 0 && nfields >= 2) {
			for (int i = 0; i < nhelpers; i++)
				waitpid(helpers[i], NULL, 0);
			return atoi(fields[1]);
		} else {
			dprintf(2, "berth-runtime: unexpected message from the runtime service: %s\n", fields[0]);
			return 1;
		}
	}
}
