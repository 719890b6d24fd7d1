/*
 * berth-dns: gives the containers of Berth networks each other's names (the role of podman's
 * aardvark-dns and Docker's embedded DNS) and forwards every other question upstream.
 *
 * DIR holds one NETWORK.net file per network: "listen ADDR[:PORT]", "domain NAME" and
 * "IP NAME..." lines. The daemon reloads DIR when it changes (inotify) and, before each answer,
 * when a loaded file changed (stat), so a container started right after its record was written
 * is answered from it. After each load it writes DIR/.status: "net NAME INODE" per loaded file
 * and "error NAME TEXT" per line it skipped or address it could not bind; that is how a caller
 * knows its change is served. One poll() loop, no threads, libc only.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

#define MAX_LISTEN 64      /* distinct listen addresses over all networks */
#define MAX_NET_LISTEN 8   /* listen lines per network */
#define MAX_UPSTREAM 8
#define MAX_PENDING 128    /* forwarded queries waiting for an upstream */
#define MAX_CONN 16        /* TCP clients */
#define TCP_MAX_QUERY 1024
#define UPSTREAM_MS 2000   /* per upstream, then the next one */
#define CONN_IDLE_MS 10000
#define UDP_MAX 512        /* a UDP message without EDNS (RFC 1035 4.2.1) */
#define MAX_FILE (4 << 20)
#define FORWARD ((size_t)-1)

/* The header (RFC 1035 4.1.1): ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT, 16 bits each. */
enum { F_QR = 0x8000, F_OPCODE = 0x7800, F_AA = 0x0400, F_TC = 0x0200, F_RD = 0x0100, F_RA = 0x0080 };
enum { NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4 };
enum { T_A = 1, T_PTR = 12, T_AAAA = 28, C_IN = 1, C_ANY = 255 };

struct addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct record {
	int af, first, count; /* its names: names[first .. first + count) of its network */
	unsigned char ip[16];
};

struct net {
	char *name, *text, *domain; /* domain and names point into text, lowercased */
	struct stat st;             /* of the file as read */
	struct addr listen[MAX_NET_LISTEN];
	int n_listen, n_recs, n_names;
	struct record *recs;
	char **names;
	char errors[512]; /* "error NAME TEXT" lines for the status */
};

struct listener {
	struct addr a;
	int udp, tcp, seen;
	char error[160];
};

struct pending {
	unsigned char *q; /* the query as sent upstream; NULL when the slot is free */
	size_t len, qend;
	int fd, up;       /* a socket connected to upstreams[up], or -1 */
	int reply_fd;     /* the UDP listener to answer the client from, or -1: TCP client conn */
	int conn;
	struct addr client;
	uint16_t client_id, our_id;
	long long deadline;
};

struct conn {
	int fd;
	struct addr local;
	size_t len;
	long long deadline;
	unsigned char buf[2 + TCP_MAX_QUERY];
};

static struct {
	const char *dir, *resolv_conf, *pid_file, *log;
	int foreground, fixed_upstreams;
} opt = {.resolv_conf = "/etc/resolv.conf"};

static int dir_fd = -1, ino_fd = -1, sig_fd = -1, log_fd = -1;
static unsigned generation; /* of the listeners: each reload counts it up */
static struct net *nets;
static int n_nets, n_listeners, n_upstreams;
static struct listener listeners[MAX_LISTEN];
static struct pending pend[MAX_PENDING];
static struct conn conns[MAX_CONN];
static struct addr upstreams[MAX_UPSTREAM];
static struct stat resolv_st;
static unsigned char buf[65536], out[4096];

/* To stderr, which is the log (or /dev/null) once the daemon runs, and before that to both. */
static void say(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(2, "berth-dns: %s\n", msg);
	if (log_fd >= 0)
		dprintf(log_fd, "berth-dns: %s\n", msg);
}

#define fail(...) (say(__VA_ARGS__), exit(1))

/* Room for element n of an array of n: the capacity is 4, then doubles at each power of two. */
static void *grow(void *p, int n, size_t size)
{
	if (n >= 4 ? n & (n - 1) : n)
		return p;
	if (!(p = realloc(p, (n ? 2 * n : 4) * size)))
		fail("out of memory");
	return p;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static unsigned get16(const unsigned char *p) { return p[0] << 8 | p[1]; }
static void put16(unsigned char *p, unsigned v) { p[0] = v >> 8, p[1] = v; }

static int changed(const struct stat *a, const struct stat *b)
{
	return a->st_ino != b->st_ino || a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
	       a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/* ---- addresses ---------------------------------------------------------------------------- */

/* ADDR, ADDR:PORT, [V6ADDR]:PORT or a bare IPv6 address (resolv.conf); port 53 if none. */
static int parse_addr(const char *s, struct addr *a)
{
	char host[64], *port = NULL, *end;
	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%s", s + (*s == '['));
	if (*s == '[') {
		if (!(end = strchr(host, ']')) || (end[1] && end[1] != ':'))
			return -1;
		*end = 0;
		port = end[1] ? end + 2 : NULL;
	} else if ((end = strchr(host, ':')) && !strchr(end + 1, ':')) { /* one colon: IPv4:PORT */
		*end = 0;
		port = end + 1;
	}
	unsigned long p = port ? strtoul(port, &end, 10) : 53;
	if (port && (*port < '0' || *port > '9' || *end || p == 0 || p > 65535))
		return -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&a->sa;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(p);
		a->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(p);
		a->len = sizeof(*v6);
	}
	return a->len ? 0 : -1;
}

static int addr_eq(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && !memcmp(&a->sa, &b->sa, a->len);
}

static const char *addr_str(const struct addr *a)
{
	static char s[INET6_ADDRSTRLEN + 16];
	char ip[INET6_ADDRSTRLEN];
	const struct sockaddr_in *v4 = (const void *)&a->sa;
	const struct sockaddr_in6 *v6 = (const void *)&a->sa;
	int is4 = a->sa.ss_family == AF_INET;
	inet_ntop(a->sa.ss_family, is4 ? (const void *)&v4->sin_addr : (const void *)&v6->sin6_addr, ip, sizeof(ip));
	snprintf(s, sizeof(s), is4 ? "%s:%u" : "[%s]:%u", ip, ntohs(is4 ? v4->sin_port : v6->sin6_port));
	return s;
}

/* ---- the network files -------------------------------------------------------------------- */

/* Checks a name in place: labels of 1-63 bytes, 253 in all; lowercases it, drops a final dot. */
static int valid_name(char *s)
{
	size_t n = strlen(s), label = 0;
	if (n && s[n - 1] == '.')
		s[--n] = 0;
	if (!n || n > 253)
		return 0;
	for (char *c = s; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c += 'a' - 'A';
		if (*c == '.' ? !label : ++label > 63 || (unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return 0;
		if (*c == '.')
			label = 0;
	}
	return label > 0;
}

static void note(struct net *n, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("%s.net: %s", n->name, msg);
	size_t used = strlen(n->errors);
	snprintf(n->errors + used, sizeof(n->errors) - used, "error %s %s\n", n->name, msg);
}

/* Splits n->text into lines in place; a malformed line is noted and skipped. */
static void parse_net(struct net *n)
{
	int lineno = 0;
	for (char *line = n->text, *next, *save; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		lineno++;
		line[strcspn(line, "#")] = 0;
		char *word = strtok_r(line, " \t\r", &save), *arg = word ? strtok_r(NULL, " \t\r", &save) : NULL;
		int listen = word && !strcmp(word, "listen");
		if (!word)
			continue;
		if (listen || !strcmp(word, "domain")) {
			if (!arg || strtok_r(NULL, " \t\r", &save))
				note(n, "line %d: %s takes one argument", lineno, word);
			else if (listen && n->n_listen == MAX_NET_LISTEN)
				note(n, "line %d: more than %d listen lines", lineno, MAX_NET_LISTEN);
			else if (listen && parse_addr(arg, &n->listen[n->n_listen]) == 0)
				n->n_listen++;
			else if (!listen && valid_name(arg))
				n->domain = arg;
			else
				note(n, "line %d: bad %s %.64s", lineno, listen ? "address" : "domain", arg);
			continue;
		}
		struct record r = {.af = AF_INET, .first = n->n_names};
		if (inet_pton(AF_INET, word, r.ip) != 1 && (r.af = AF_INET6, inet_pton(AF_INET6, word, r.ip) != 1)) {
			note(n, "line %d: not listen, domain or an IP address: %.64s", lineno, word);
			continue;
		}
		for (; arg && valid_name(arg); arg = strtok_r(NULL, " \t\r", &save)) {
			n->names = grow(n->names, n->n_names, sizeof(char *));
			n->names[n->n_names++] = arg;
		}
		if (arg || n->n_names == r.first) {
			note(n, "line %d: %s %.64s", lineno, arg ? "bad name" : "no name for", arg ? arg : word);
			n->n_names = r.first;
			continue;
		}
		r.count = n->n_names - r.first;
		n->recs = grow(n->recs, n->n_recs, sizeof(r));
		n->recs[n->n_recs++] = r;
	}
}

static void free_net(struct net *n)
{
	free(n->name);
	free(n->text);
	free(n->recs);
	free(n->names);
	n->name = NULL;
}

/*
 * Loads DIR/file as a network of the new set. An empty file is one being written in place (Berth
 * renames complete files into place; an empty one is a truncation whose write has not come yet):
 * the network it held before goes on as it was, listeners included, until the write is seen.
 */
static void load_net(const char *file, struct net *old, int n_old)
{
	struct stat st;
	int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		if (fd >= 0 || errno != ENOENT) /* ENOENT: renamed away meanwhile, inotify will tell */
			say("%s: not a readable file of at most %d bytes", file, MAX_FILE);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (st.st_size == 0) {
		for (int i = 0; i < n_old; i++) {
			size_t len = old[i].name ? strlen(old[i].name) : 0;
			if (len && !strncmp(old[i].name, file, len) && !strcmp(file + len, ".net")) {
				close(fd);
				nets = grow(nets, n_nets, sizeof(*nets));
				nets[n_nets] = old[i];
				nets[n_nets++].st = st; /* the write that follows changes it: read again then */
				old[i].name = NULL; /* adopted: not freed with the old set */
				old[i].text = NULL;
				old[i].recs = NULL;
				old[i].names = NULL;
				return;
			}
		}
	}
	nets = grow(nets, n_nets, sizeof(*nets));
	struct net *n = memset(&nets[n_nets++], 0, sizeof(*nets));
	n->name = strndup(file, strlen(file) - 4);
	n->text = malloc(st.st_size + 1);
	if (!n->name || !n->text)
		fail("out of memory");
	n->st = st;
	ssize_t got = 0, r;
	while (got < st.st_size && (r = read(fd, n->text + got, st.st_size - got)) > 0)
		got += r;
	close(fd);
	n->text[got] = 0;
	parse_net(n);
}

static int is_net_file(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".net");
}

/* ---- listening ---------------------------------------------------------------------------- */

static int open_socket(const struct addr *a, int type, char *err, size_t errlen)
{
	int one = 1, fd = socket(a->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		/* FREEBIND: a bridge's gateway address may not exist yet when its network is defined. */
		if (a->sa.ss_family == AF_INET6) {
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		} else {
			setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		}
		if (type == SOCK_STREAM) /* a restart must not wait for old connections' TIME_WAIT */
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (const struct sockaddr *)&a->sa, a->len) == 0 && (type == SOCK_DGRAM || listen(fd, 64) == 0))
			return fd;
		close(fd);
	}
	snprintf(err, errlen, "cannot listen on %s/%s: %s", addr_str(a), type == SOCK_DGRAM ? "udp" : "tcp",
		 strerror(errno));
	say("%s", err);
	return -1;
}

static void drop_pending(struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->q);
	p->fd = -1;
	p->q = NULL;
}

static int find_listener(const struct addr *a)
{
	for (int i = 0; i < n_listeners; i++)
		if (addr_eq(&listeners[i].a, a))
			return i;
	return -1;
}

/* Binds what the networks list now, closes what they no longer do, retries what failed. */
static void sync_listeners(void)
{
	for (int i = 0; i < n_listeners; i++)
		listeners[i].seen = 0;
	for (int i = 0; i < n_nets; i++) {
		for (int j = 0; j < nets[i].n_listen; j++) {
			int k = find_listener(&nets[i].listen[j]);
			if (k < 0 && n_listeners == MAX_LISTEN) {
				note(&nets[i], "more than %d listen addresses in all", MAX_LISTEN);
				continue;
			}
			if (k < 0)
				listeners[k = n_listeners++] = (struct listener){.a = nets[i].listen[j], .udp = -1, .tcp = -1};
			listeners[k].seen = 1;
		}
	}
	for (int i = n_listeners - 1; i >= 0; i--) {
		struct listener *l = &listeners[i];
		if (l->seen)
			continue;
		for (int j = 0; j < MAX_PENDING; j++) /* their clients asked an address that is gone */
			if (pend[j].q && pend[j].reply_fd >= 0 && pend[j].reply_fd == l->udp)
				drop_pending(&pend[j]);
		if (l->udp >= 0)
			close(l->udp);
		if (l->tcp >= 0)
			close(l->tcp);
		*l = listeners[--n_listeners];
	}
	for (int i = 0; i < n_listeners; i++) {
		struct listener *l = &listeners[i];
		l->error[0] = 0;
		if (l->udp < 0)
			l->udp = open_socket(&l->a, SOCK_DGRAM, l->error, sizeof(l->error));
		if (l->tcp < 0)
			l->tcp = open_socket(&l->a, SOCK_STREAM, l->error, sizeof(l->error));
	}
}

static void write_status(void)
{
	int fd = openat(dir_fd, ".status.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f && fd >= 0)
		close(fd);
	if (f) {
		fprintf(f, "pid %d\n", (int)getpid());
		for (int i = 0; i < n_nets; i++) {
			struct net *n = &nets[i];
			fprintf(f, "net %s %llu\n%s", n->name, (unsigned long long)n->st.st_ino, n->errors);
			for (int j = 0, k; j < n->n_listen; j++)
				if ((k = find_listener(&n->listen[j])) >= 0 && listeners[k].error[0])
					fprintf(f, "error %s %s\n", n->name, listeners[k].error);
		}
	}
	if (!f || fclose(f) != 0 || renameat(dir_fd, ".status.tmp", dir_fd, ".status") < 0)
		say("cannot write %s/.status: %s", opt.dir, strerror(errno));
}

static void reload(void)
{
	struct net *old = nets;
	int n_old = n_nets;
	nets = NULL;
	n_nets = 0;
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	for (struct dirent *e; d && (e = readdir(d));)
		if (is_net_file(e->d_name))
			load_net(e->d_name, old, n_old);
	if (d)
		closedir(d);
	else
		say("cannot read %s: %s", opt.dir, strerror(errno));
	for (int i = 0; i < n_old; i++)
		free_net(&old[i]);
	free(old);
	sync_listeners();
	write_status();
	generation++;
}

/* Reloads when inotify reported a .net file or a loaded file is no longer what was read. */
static void refresh(void)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int dirty = 0;
	ssize_t n;
	while ((n = read(ino_fd, ev, sizeof(ev))) > 0) {
		for (char *p = ev; p < ev + n; p += sizeof(struct inotify_event) + ((struct inotify_event *)p)->len) {
			struct inotify_event *e = (struct inotify_event *)p;
			dirty |= (e->mask & IN_Q_OVERFLOW) || (e->len && is_net_file(e->name));
		}
	}
	for (int i = 0; i < n_nets && !dirty; i++) {
		char file[NAME_MAX + 1];
		struct stat st;
		snprintf(file, sizeof(file), "%s.net", nets[i].name);
		dirty = fstatat(dir_fd, file, &st, 0) < 0 || changed(&st, &nets[i].st);
	}
	if (dirty)
		reload();
}

/* The nameservers of resolv.conf, re-read when it changed, unless --upstream named them. */
static void load_upstreams(void)
{
	struct stat st;
	if (opt.fixed_upstreams || stat(opt.resolv_conf, &st) < 0 || !changed(&st, &resolv_st))
		return;
	resolv_st = st;
	n_upstreams = 0;
	FILE *f = fopen(opt.resolv_conf, "re");
	char line[512], word[16], arg[128];
	while (f && fgets(line, sizeof(line), f) && n_upstreams < MAX_UPSTREAM)
		if (sscanf(line, "%15s %127s", word, arg) == 2 && !strcmp(word, "nameserver") &&
		    parse_addr(arg, &upstreams[n_upstreams]) == 0)
			n_upstreams++;
	if (f)
		fclose(f);
}

/* ---- answers ------------------------------------------------------------------------------ */

/*
 * The question's name (at offset 12) as lowercase dotted text in out[256]; returns the offset
 * just after it, or 0 when it is malformed. A query holds no earlier name for a compression
 * pointer to refer to (RFC 1035 4.1.4), so a pointer here is malformed, which also rules out
 * pointer loops. *plain is cleared when a label holds a dot or a byte no local name has.
 */
static size_t read_qname(const unsigned char *p, size_t len, char *out, int *plain)
{
	size_t off = 12, o = 0;
	*plain = 1;
	for (unsigned l;; off += l) {
		if (off >= len)
			return 0;
		if (!(l = p[off++]))
			break;
		/* Length bytes with the top bits 01, 10 or 11 (a pointer) do not start a label. */
		if (l > 63 || off + l > len || o + l + 1 > 254)
			return 0;
		if (o)
			out[o++] = '.';
		for (const unsigned char *c = p + off; c < p + off + l; c++) {
			*plain &= *c != '.' && *c > ' ' && *c < 0x7f;
			out[o++] = *c >= 'A' && *c <= 'Z' ? *c + 'a' - 'A' : *c;
		}
	}
	out[o] = 0;
	return off;
}

/* A reply's start in r: the query's ID, opcode, RD and question; QR, RA, AA if aa, rcode. */
static size_t reply_head(const unsigned char *q, size_t qend, unsigned rcode, int aa, unsigned char *r)
{
	memcpy(r, q, 2);
	put16(r + 2, F_QR | (get16(q + 2) & (F_OPCODE | F_RD)) | (aa ? F_AA : 0) | F_RA | rcode);
	put16(r + 4, qend > 12);
	memset(r + 6, 0, 6);
	memcpy(r + 12, q + 12, qend - 12);
	return qend;
}

struct reply {
	size_t len, max;
	unsigned count, truncated;
};

static void add_answer(struct reply *r, unsigned type, const void *data, size_t len)
{
	unsigned char *p = out + r->len;
	if (r->truncated || r->len + 12 + len > r->max) {
		r->truncated = 1;
		return;
	}
	put16(p, 0xc000 | 12); /* NAME: a compression pointer (top bits 11) to the question's */
	put16(p + 2, type);
	put16(p + 4, C_IN);
	memset(p + 6, 0, 4); /* TTL 0: containers come and go */
	put16(p + 10, len);
	memcpy(p + 12, data, len);
	r->len += 12 + len;
	r->count++;
}

/* The address in a d.c.b.a.in-addr.arpa or 32-nibble ip6.arpa name (RFC 1035 3.5, RFC 3596
 * 2.5): its family, or 0. */
static int reverse_name(const char *s, unsigned char *ip)
{
	unsigned a[4];
	int end = 0;
	if (sscanf(s, "%3u.%3u.%3u.%3u.in-addr.arpa%n", &a[3], &a[2], &a[1], &a[0], &end) == 4 && end && !s[end] &&
	    (a[0] | a[1] | a[2] | a[3]) < 256) {
		for (int i = 0; i < 4; i++)
			ip[i] = a[i];
		return AF_INET;
	}
	if (strlen(s) != 72 || strcmp(s + 64, "ip6.arpa"))
		return 0;
	memset(ip, 0, 16);
	for (int i = 0; i < 32; i++) { /* the lowest nibble first */
		const char *hex = "0123456789abcdef", *h = s[2 * i] ? strchr(hex, s[2 * i]) : NULL;
		if (!h || s[2 * i + 1] != '.')
			return 0;
		ip[15 - i / 2] |= (h - hex) << (i % 2 ? 4 : 0);
	}
	return AF_INET6;
}

static int name_is(const char *q, const char *name, const char *domain)
{
	size_t n = strlen(name);
	return !strcmp(q, name) || (domain && !strncmp(q, name, n) && q[n] == '.' && !strcmp(q + n + 1, domain));
}

static int in_domain(const char *q, const char *domain)
{
	size_t n = strlen(q), d = strlen(domain);
	return n >= d && !strcmp(q + n - d, domain) && (n == d || q[n - d - 1] == '.');
}

/* The one network whose listen address received the query, or -1 to search them all. */
static int network_of(const struct addr *local)
{
	int found = -1;
	for (int i = 0; i < n_nets; i++)
		for (int j = 0; j < nets[i].n_listen; j++)
			if (addr_eq(&nets[i].listen[j], local)) {
				if (found >= 0 && found != i)
					return -1;
				found = i;
			}
	return found;
}

/* The PTR answer for a record: its first name in the network's domain, in wire form. */
static void add_ptr(struct reply *r, const struct net *n, const struct record *rec)
{
	char text[300];
	unsigned char data[256];
	size_t len = 0;
	if (snprintf(text, sizeof(text), "%s%s%s", n->names[rec->first], n->domain ? "." : "",
		     n->domain ? n->domain : "") > 253)
		return;
	for (char *label = text, *dot; label; label = dot ? dot + 1 : NULL) {
		size_t l = (dot = strchr(label, '.')) ? (size_t)(dot - label) : strlen(label);
		data[len++] = l; /* each label after its length, then the root's empty label */
		memcpy(data + len, label, l);
		len += l;
	}
	data[len++] = 0;
	add_answer(r, T_PTR, data, len);
}

/* A reply in out (its length), 0 to drop the query, or FORWARD; *qend: the question's end. */
static size_t answer(const unsigned char *q, size_t len, const struct addr *local, size_t max, size_t *qend)
{
	char name[256];
	unsigned char ip[16];
	int plain;
	if (len < 12 || (get16(q + 2) & F_QR)) /* no header, or a response: never answer those */
		return 0;
	size_t end = get16(q + 4) == 1 ? read_qname(q, len, name, &plain) : 0;
	if (!end || end + 4 > len)
		return reply_head(q, 12, FORMERR, 0, out);
	*qend = end + 4;
	unsigned type = get16(q + end), class = get16(q + end + 2);
	if (get16(q + 2) & F_OPCODE)
		return reply_head(q, *qend, NOTIMP, 0, out);
	if (!plain || (class != C_IN && class != C_ANY))
		return FORWARD;
	struct reply r = {reply_head(q, *qend, NOERROR, 1, out), max, 0, 0};
	int only = network_of(local), known = 0, rev = type == T_PTR ? reverse_name(name, ip) : 0;
	for (int i = 0; i < n_nets; i++) {
		for (int j = 0; j < nets[i].n_recs && (only < 0 || only == i); j++) {
			struct net *n = &nets[i];
			struct record *rec = &n->recs[j];
			if (rev) {
				if (!known && rec->af == rev && !memcmp(rec->ip, ip, rev == AF_INET ? 4 : 16)) {
					known = 1;
					add_ptr(&r, n, rec);
				}
				continue;
			}
			int k = 0;
			while (k < rec->count && !name_is(name, n->names[rec->first + k], n->domain))
				k++;
			if (k == rec->count)
				continue;
			known = 1; /* another type of a known name: NODATA (no answer), never NXDOMAIN */
			if ((type == T_A && rec->af == AF_INET) || (type == T_AAAA && rec->af == AF_INET6))
				add_answer(&r, type, rec->ip, rec->af == AF_INET ? 4 : 16);
		}
	}
	for (int i = 0; i < n_nets && !known; i++) {
		if ((only < 0 || only == i) && nets[i].domain && in_domain(name, nets[i].domain)) {
			known = 1; /* an unknown name in a network's domain: ours to deny */
			out[3] |= NXDOMAIN;
		}
	}
	if (!known)
		return FORWARD;
	put16(out + 6, r.count);
	out[2] |= r.truncated ? F_TC >> 8 : 0;
	return r.len;
}

/* ---- clients and upstreams ---------------------------------------------------------------- */

static void close_conn(int i)
{
	for (int j = 0; j < MAX_PENDING; j++)
		if (pend[j].q && pend[j].reply_fd < 0 && pend[j].conn == i)
			drop_pending(&pend[j]);
	close(conns[i].fd);
	conns[i].fd = -1;
}

static void send_tcp(int ci, const unsigned char *data, size_t len)
{
	unsigned char prefix[2]; /* over TCP, each message follows its 16-bit length */
	put16(prefix, len);
	struct iovec iov[2] = {{prefix, 2}, {(void *)data, len}};
	if (writev(conns[ci].fd, iov, 2) != (ssize_t)len + 2)
		close_conn(ci); /* a client that does not read its answers loses its connection */
}

static void deliver(struct pending *p, unsigned char *data, size_t len)
{
	put16(data, p->client_id);
	if (p->reply_fd >= 0)
		sendto(p->reply_fd, data, len, 0, (const struct sockaddr *)&p->client.sa, p->client.len);
	else
		send_tcp(p->conn, data, len);
}

/* Sends the query to the next upstream; when none is left, answers SERVFAIL and frees it. */
static void next_upstream(struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	while (++p->up < n_upstreams) {
		const struct addr *u = &upstreams[p->up];
		if (find_listener(u) >= 0) /* never forward to ourselves */
			continue;
		/* Connected: only that upstream can answer, and a refusal (ICMP) reads as an error. */
		int fd = socket(u->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (const struct sockaddr *)&u->sa, u->len) == 0 &&
		    send(fd, p->q, p->len, 0) == (ssize_t)p->len) {
			p->fd = fd;
			p->deadline = now_ms() + UPSTREAM_MS;
			return;
		}
		if (fd >= 0)
			close(fd);
	}
	deliver(p, out, reply_head(p->q, p->qend, SERVFAIL, 0, out));
	drop_pending(p);
}

static void forward(const unsigned char *q, size_t len, size_t qend, int reply_fd, const struct addr *client, int conn)
{
	struct pending *p = NULL, query = {.fd = -1, .up = -1, .reply_fd = reply_fd, .conn = conn, .len = len,
					   .qend = qend, .client_id = get16(q)};
	if (client)
		query.client = *client;
	load_upstreams();
	for (int i = 0; i < MAX_PENDING && !p; i++)
		if (!pend[i].q)
			p = &pend[i];
	unsigned char *copy = p ? malloc(len) : NULL;
	if (!copy) { /* no room: SERVFAIL at once */
		deliver(&query, out, reply_head(q, qend, SERVFAIL, 0, out));
		return;
	}
	*p = query;
	p->q = memcpy(copy, q, len);
	/* Upstream sees an ID of our own, which whoever did not see the query cannot guess. */
	if (getrandom(&p->our_id, sizeof(p->our_id), GRND_NONBLOCK) != sizeof(p->our_id))
		p->our_id = now_ms() ^ (p - pend);
	put16(p->q, p->our_id);
	next_upstream(p);
}

static void upstream_reply(struct pending *p)
{
	ssize_t n = recv(p->fd, buf, sizeof(buf), 0);
	if (n < 0 && errno != EAGAIN && errno != EINTR) /* e.g. ECONNREFUSED: nothing listens there */
		next_upstream(p);
	if (n < 12 || get16(buf) != p->our_id || !(get16(buf + 2) & F_QR))
		return; /* not the answer to our query: keep waiting */
	deliver(p, buf, n);
	drop_pending(p);
}

static void udp_query(int li)
{
	struct addr client = {.len = sizeof(client.sa)}, local = listeners[li].a;
	int fd = listeners[li].udp;
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&client.sa, &client.len);
	if (n <= 0)
		return;
	refresh();
	if ((li = find_listener(&local)) < 0 || listeners[li].udp != fd) /* the reload closed it */
		return;
	size_t qend = 12, r = answer(buf, n, &local, UDP_MAX, &qend);
	if (r == FORWARD)
		forward(buf, n, qend, fd, &client, -1);
	else if (r)
		sendto(fd, out, r, 0, (const struct sockaddr *)&client.sa, client.len);
}

static void tcp_accept(int li)
{
	int i = 0, fd = accept4(listeners[li].tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (i < MAX_CONN && conns[i].fd >= 0)
		i++;
	if (fd >= 0 && i == MAX_CONN)
		close(fd);
	else if (fd >= 0)
		conns[i] = (struct conn){.fd = fd, .local = listeners[li].a, .deadline = now_ms() + CONN_IDLE_MS};
}

static void tcp_read(int ci)
{
	struct conn *c = &conns[ci];
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		close_conn(ci);
	if (n <= 0)
		return;
	c->len += n;
	c->deadline = now_ms() + CONN_IDLE_MS;
	for (size_t m; c->fd >= 0 && c->len >= 2 && c->len >= 2 + (m = get16(c->buf));) {
		memcpy(buf, c->buf + 2, m);
		c->len -= 2 + m;
		memmove(c->buf, c->buf + 2 + m, c->len);
		refresh();
		size_t qend = 12, r = answer(buf, m, &c->local, sizeof(out), &qend);
		if (r == FORWARD)
			forward(buf, m, qend, -1, NULL, ci);
		else if (r)
			send_tcp(ci, out, r);
	}
	if (c->fd >= 0 && c->len >= 2 && get16(c->buf) > TCP_MAX_QUERY)
		close_conn(ci);
}

/* ---- the daemon --------------------------------------------------------------------------- */

static void quit(void)
{
	char pid[32];
	int fd = opt.pid_file ? open(opt.pid_file, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t n = fd >= 0 ? read(fd, pid, sizeof(pid) - 1) : -1;
	if (n > 0 && (pid[n] = 0, atoi(pid) == getpid())) /* a successor's pid file is not ours */
		unlink(opt.pid_file);
	unlinkat(dir_fd, ".status", 0);
	exit(0);
}

static void loop(void)
{
	/* Slots: signals, inotify, then UDP and TCP per listener, per connection, per forward. */
	static struct pollfd pfd[2 + 2 * MAX_LISTEN + MAX_CONN + MAX_PENDING];
	for (;;) {
		long long now = now_ms(), next = now + 60000;
		int n = 0, nl = n_listeners;
		for (int i = 0; i < MAX_PENDING; i++)
			if (pend[i].q && pend[i].deadline <= now)
				next_upstream(&pend[i]);
		for (int i = 0; i < MAX_CONN; i++)
			if (conns[i].fd >= 0 && conns[i].deadline <= now)
				close_conn(i);
		pfd[n++] = (struct pollfd){sig_fd, POLLIN, 0};
		pfd[n++] = (struct pollfd){ino_fd, POLLIN, 0};
		for (int i = 0; i < nl; i++) {
			pfd[n++] = (struct pollfd){listeners[i].udp, POLLIN, 0};
			pfd[n++] = (struct pollfd){listeners[i].tcp, POLLIN, 0};
		}
		for (int i = 0; i < MAX_CONN; i++) {
			pfd[n++] = (struct pollfd){conns[i].fd, POLLIN, 0};
			next = conns[i].fd >= 0 && conns[i].deadline < next ? conns[i].deadline : next;
		}
		for (int i = 0; i < MAX_PENDING; i++) {
			pfd[n++] = (struct pollfd){pend[i].fd, POLLIN, 0};
			next = pend[i].q && pend[i].deadline < next ? pend[i].deadline : next;
		}
		if (poll(pfd, n, next - now) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		if (pfd[0].revents)
			quit();
		if (pfd[1].revents) {
			refresh();
			continue; /* the listeners may have changed: poll again */
		}
		/* A query may reload and so reorder the listeners, whose slots are then stale. A slot
		 * of a connection or forward may be reused meanwhile: that costs an EAGAIN. */
		unsigned gen = generation;
		for (int i = 0, k = 2; i < nl && gen == generation; i++, k += 2) {
			if (pfd[k].revents)
				udp_query(i);
			if (pfd[k + 1].revents && gen == generation)
				tcp_accept(i);
		}
		for (int i = 0, k = 2 + 2 * nl; i < MAX_CONN; i++, k++)
			if (pfd[k].revents && conns[i].fd >= 0)
				tcp_read(i);
		for (int i = 0, k = 2 + 2 * nl + MAX_CONN; i < MAX_PENDING; i++, k++)
			if (pfd[k].revents && pend[i].fd >= 0)
				upstream_reply(&pend[i]);
	}
}

/* Returns in the daemon, with the pipe's end on which to tell the launcher that it serves. */
static int daemonize(void)
{
	int ready[2];
	char c = 0;
	if (pipe2(ready, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	pid_t child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child > 0) { /* the launcher: exit 0 once it serves, else the daemon said why */
		close(ready[1]);
		waitpid(child, NULL, 0);
		while (read(ready[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == '1' ? 0 : 1);
	}
	/* A session of its own keeps the caller's terminal and signals to its group away; the
	 * second fork orphans it at once, so a reaper adopts it rather than a short-lived caller. */
	close(ready[0]);
	if (setsid() < 0 || (child = fork()) < 0)
		fail("setsid or fork: %s", strerror(errno));
	if (child > 0)
		_exit(0);
	return ready[1];
}

/* The daemon leaves its working directory (for "/"): relative paths are resolved first. */
static const char *absolute(const char *path)
{
	char cwd[PATH_MAX], *p;
	if (!path || path[0] == '/')
		return path;
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&p, "%s/%s", cwd, path) < 0)
		fail("%s: %s", path, strerror(errno));
	return p;
}

static void parse(int argc, char **argv)
{
	enum { O_RESOLV = 256, O_UPSTREAM, O_PID, O_LOG, O_FG };
	static const struct option longopts[] = {
		{"resolv-conf", required_argument, 0, O_RESOLV}, {"upstream", required_argument, 0, O_UPSTREAM},
		{"pid-file", required_argument, 0, O_PID},       {"log", required_argument, 0, O_LOG},
		{"foreground", no_argument, 0, O_FG},            {0, 0, 0, 0},
	};
	const char *usage = "usage: berth-dns [--resolv-conf FILE] [--upstream ADDR[:PORT]]... [--pid-file FILE] "
			    "[--log FILE] [--foreground] DIR";
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_RESOLV: opt.resolv_conf = optarg; break;
		case O_PID: opt.pid_file = optarg; break;
		case O_LOG: opt.log = optarg; break;
		case O_FG: opt.foreground = 1; break;
		case O_UPSTREAM:
			if (n_upstreams == MAX_UPSTREAM || parse_addr(optarg, &upstreams[n_upstreams++]) < 0)
				fail("--upstream %s: not an address (at most %d)", optarg, MAX_UPSTREAM);
			opt.fixed_upstreams = 1;
			break;
		default: fail("%s: unknown option or no argument; %s", argv[optind - 1], usage);
		}
	}
	if (optind != argc - 1)
		fail("%s", usage);
	opt.dir = absolute(argv[optind]);
	opt.resolv_conf = absolute(opt.resolv_conf);
	opt.pid_file = absolute(opt.pid_file);
	opt.log = absolute(opt.log);
}

int main(int argc, char **argv)
{
	/* What the caller left open is not ours; 0-2 must be open so that no socket lands there. */
	close_range(3, ~0U, 0);
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			fail("open /dev/null: %s", strerror(errno));
	parse(argc, argv);
	for (int i = 0; i < MAX_PENDING; i++)
		pend[i].fd = -1;
	for (int i = 0; i < MAX_CONN; i++)
		conns[i].fd = -1;
	if ((dir_fd = open(opt.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fail("cannot open %s: %s", opt.dir, strerror(errno));
	int fd = open(opt.log ? opt.log : "/dev/null", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		fail("cannot open %s: %s", opt.log, strerror(errno));
	int ready = opt.foreground ? -1 : daemonize();
	log_fd = fd;
	if (chdir("/") < 0)
		fail("chdir /: %s", strerror(errno));
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if ((sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(ino_fd, opt.dir, IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM) < 0)
		fail("cannot watch %s: %s", opt.dir, strerror(errno));
	reload();
	load_upstreams();
	if (opt.pid_file) {
		char pid[32], tmp[PATH_MAX + 8];
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		snprintf(tmp, sizeof(tmp), "%s.tmp", opt.pid_file);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 || write(fd, pid, n) != n ||
		    close(fd) < 0 || rename(tmp, opt.pid_file) < 0)
			fail("cannot write %s: %s", opt.pid_file, strerror(errno));
	}
	/* The daemon's stdin and stdout go to /dev/null, its stderr to the log (or /dev/null). */
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (!opt.foreground && (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)) ||
	    ((!opt.foreground || opt.log) && dup2(log_fd, 2) < 0))
		fail("cannot redirect stdio: %s", strerror(errno));
	close(fd);
	close(log_fd);
	log_fd = -1;
	if (ready >= 0 && (write(ready, "1", 1) != 1 || close(ready) < 0))
		_exit(1);
	loop();
}
