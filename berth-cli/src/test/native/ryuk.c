/*
 * ryuk: the resource reaper that Testcontainers starts beside the containers of a session, built
 * from this file for Berth's tests (the published image cannot be pulled where they run).
 *
 * It speaks the protocol of testcontainers/moby-ryuk as Testcontainers for Java 1.21 uses it:
 *  - it listens on TCP RYUK_PORT (8080; 0 for a port the kernel picks) and says "Started!" with
 *    the port once it does (Testcontainers waits for that line in the container's log);
 *  - each client sends filters, one a line: URL-encoded KEY=VALUE pairs joined by '&'
 *    ("label=org.testcontainers.sessionId%3D...&label=..."), and gets "ACK\n" for each line
 *    (empty lines are ignored; a line that is no filter is logged and acknowledged all the same);
 *  - when every client has gone and none came back within RYUK_RECONNECTION_TIMEOUT (10s), when
 *    no client came at all within RYUK_CONNECTION_TIMEOUT (60s), or at once on SIGTERM/SIGINT,
 *    it removes through Docker's API (HTTP/1.1 on the unix socket of DOCKER_HOST, by default
 *    /var/run/docker.sock) what each filter matches: containers (forced, with their anonymous
 *    volumes; reaper containers, labelled org.testcontainers.ryuk=true, are spared), then
 *    networks, volumes and images, each removal retried RYUK_REMOVE_RETRIES (10) times a second
 *    apart while it fails with anything but 404; and exits: 0, or 1 if something could not be
 *    listed or removed.
 * Durations are Go's ("500ms", "10s", "1m30s"), as moby-ryuk reads them.
 *
 * Single-threaded: one poll loop holds the listener and the clients. No dependencies but libc.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_LINE 65536
#define MAX_FILTERS 256

static struct {
  int port;
  long connection_ms, reconnection_ms, request_ms;
  int remove_retries;
  int verbose;
  char socket_path[108];
} cfg;

static void logf_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ryuk: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A Go duration such as "10s", "500ms", "1m30s"; a bare number is seconds. -1 if malformed. */
static long parse_duration(const char *s) {
  long total = 0;
  if (*s == '\0') {
    return -1;
  }
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) {
      return -1;
    }
    s = end;
    double unit;
    if (*s == '\0') {
      unit = 1000;
    } else if (!strncmp(s, "ms", 2)) {
      unit = 1, s += 2;
    } else if (*s == 's') {
      unit = 1000, s++;
    } else if (*s == 'm') {
      unit = 60000, s++;
    } else if (*s == 'h') {
      unit = 3600000, s++;
    } else {
      return -1;
    }
    total += (long)(v * unit);
  }
  return total;
}

static long env_duration(const char *name, long dflt) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    return dflt;
  }
  long d = parse_duration(v);
  if (d < 0) {
    die("%s=%s is not a duration (such as 10s or 500ms)", name, v);
  }
  return d;
}

static long env_int(const char *name, long dflt) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') {
    return dflt;
  }
  char *end;
  long n = strtol(v, &end, 10);
  if (*end != '\0' || n < 0) {
    die("%s=%s is not a number", name, v);
  }
  return n;
}

/* ---- a growable buffer ---- */

typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
      cap *= 2;
    }
    b->p = realloc(b->p, cap);
    if (b->p == NULL) {
      die("out of memory");
    }
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_str(buf_t *b, const char *s) {
  buf_add(b, s, strlen(s));
}

/* Percent-encodes s for a URL's query (RFC 3986's unreserved characters stay). */
static void buf_query_escape(buf_t *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      buf_add(b, (const char *)&c, 1);
    } else {
      char hex[4];
      snprintf(hex, sizeof hex, "%%%02X", c);
      buf_add(b, hex, 3);
    }
  }
}

static void buf_json_string(buf_t *b, const char *s) {
  buf_str(b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      buf_add(b, e, 2);
    } else if (c < 0x20) {
      char e[8];
      snprintf(e, sizeof e, "\\u%04x", c);
      buf_str(b, e);
    } else {
      buf_add(b, (const char *)&c, 1);
    }
  }
  buf_str(b, "\"");
}

/* ---- filters ---- */

typedef struct {
  char *key, *value;
} pair_t;

typedef struct {
  pair_t *pairs;
  int n;
  char *canonical; /* the sorted pairs, to recognise a filter sent twice */
} filter_t;

static filter_t filters[MAX_FILTERS];
static int nfilters;

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes a query component in place ('+' is a space, %XX a byte); -1 on a bad escape. */
static int url_decode(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (*s == '+') {
      *out++ = ' ';
    } else if (*s == '%') {
      int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
      if (lo < 0) {
        return -1;
      }
      *out++ = (char)(hi * 16 + lo);
      s += 2;
    } else {
      *out++ = *s;
    }
  }
  *out = '\0';
  return 0;
}

static int pair_cmp(const void *a, const void *b) {
  const pair_t *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->value, y->value);
}

static void filter_free(filter_t *f) {
  for (int i = 0; i < f->n; i++) {
    free(f->pairs[i].key);
    free(f->pairs[i].value);
  }
  free(f->pairs);
  free(f->canonical);
}

/* Parses one line of a client into a filter and keeps it unless it is known. 0, or -1 if malformed. */
static int add_filter(const char *line) {
  filter_t f = {0};
  char *copy = strdup(line);
  char *save = NULL;
  int bad = 0;
  for (char *part = strtok_r(copy, "&", &save); part && !bad; part = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(part, '=');
    char *value = eq ? eq + 1 : part + strlen(part);
    if (eq) {
      *eq = '\0';
    }
    if (url_decode(part) < 0 || url_decode(value) < 0 || *part == '\0') {
      bad = 1;
      break;
    }
    f.pairs = realloc(f.pairs, sizeof(pair_t) * (f.n + 1));
    f.pairs[f.n].key = strdup(part);
    f.pairs[f.n].value = strdup(value);
    f.n++;
  }
  free(copy);
  if (bad || f.n == 0) {
    filter_free(&f);
    return -1;
  }
  qsort(f.pairs, f.n, sizeof(pair_t), pair_cmp);
  buf_t canon = {0};
  for (int i = 0; i < f.n; i++) {
    buf_str(&canon, f.pairs[i].key);
    buf_str(&canon, "=");
    buf_str(&canon, f.pairs[i].value);
    buf_str(&canon, "\n");
  }
  f.canonical = canon.p;
  for (int i = 0; i < nfilters; i++) {
    if (!strcmp(filters[i].canonical, f.canonical)) {
      if (cfg.verbose) {
        logf_("filter already known: %s", line);
      }
      filter_free(&f);
      return 0;
    }
  }
  if (nfilters == MAX_FILTERS) {
    logf_("too many filters; ignoring %s", line);
    filter_free(&f);
    return -1;
  }
  filters[nfilters++] = f;
  logf_("Adding %s", line);
  return 0;
}

/* Docker's filters JSON for a filter: {"label":{"a=b":true,"c=d":true}}. Pairs are sorted by key. */
static void filter_json(const filter_t *f, buf_t *out) {
  buf_str(out, "{");
  for (int i = 0; i < f->n; i++) {
    if (i == 0 || strcmp(f->pairs[i].key, f->pairs[i - 1].key)) {
      if (i > 0) {
        buf_str(out, "},");
      }
      buf_json_string(out, f->pairs[i].key);
      buf_str(out, ":{");
    } else {
      buf_str(out, ",");
    }
    buf_json_string(out, f->pairs[i].value);
    buf_str(out, ":true");
  }
  buf_str(out, f->n ? "}}" : "}");
}

/* ---- HTTP/1.1 on the Docker socket ---- */

typedef struct {
  int status;
  buf_t body;
} response_t;

/* The value of header `name` among the headers from head to end, or NULL. */
static const char *header_value(const char *head, const char *end, const char *name) {
  size_t n = strlen(name);
  for (const char *h = strstr(head, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
    if (!strncasecmp(h + 2, name, n) && h[2 + n] == ':') {
      const char *v = h + 3 + n;
      while (*v == ' ') {
        v++;
      }
      return v;
    }
  }
  return NULL;
}

/* The body of a chunked response appended to out: 0 once the last chunk is in, -1 before. */
static int dechunk(const char *in, size_t n, buf_t *out) {
  size_t i = 0;
  while (i < n) {
    char *end;
    unsigned long size = strtoul(in + i, &end, 16);
    const char *crlf = memmem(in + i, n - i, "\r\n", 2);
    if (crlf == NULL || end == in + i) {
      return -1;
    }
    i = (size_t)(crlf - in) + 2;
    if (size == 0) {
      return 0;
    }
    if (i + size + 2 > n) {
      return -1;
    }
    buf_add(out, in + i, size);
    i += size + 2;
  }
  return -1;
}

/* Whether raw holds a whole response (by Content-Length or the last chunk; else at EOF). */
static int response_complete(const buf_t *raw) {
  char *end = raw->p ? memmem(raw->p, raw->len, "\r\n\r\n", 4) : NULL;
  if (end == NULL) {
    return 0;
  }
  size_t body_at = (size_t)(end - raw->p) + 4;
  const char *length = header_value(raw->p, end, "Content-Length");
  if (length) {
    return raw->len - body_at >= strtoul(length, NULL, 10);
  }
  const char *te = header_value(raw->p, end, "Transfer-Encoding");
  if (te && !strncasecmp(te, "chunked", 7)) {
    buf_t scratch = {0};
    int done = dechunk(raw->p + body_at, raw->len - body_at, &scratch) == 0;
    free(scratch.p);
    return done;
  }
  return 0;
}

/* One request; 0 with r filled in, or -1 (and a logged reason) when the daemon cannot be reached. */
static int http(const char *method, const char *target, response_t *r) {
  memset(r, 0, sizeof *r);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  memcpy(sa.sun_path, cfg.socket_path, sizeof sa.sun_path);
  struct timeval tv = {.tv_sec = cfg.request_ms / 1000, .tv_usec = (cfg.request_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    logf_("cannot reach the Docker API at %s: %s", cfg.socket_path, strerror(errno));
    close(fd);
    return -1;
  }
  char head[8192];
  int n = snprintf(head, sizeof head,
                   "%s %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth-test-ryuk\r\nConnection: close\r\n%s\r\n",
                   method, target, strcmp(method, "POST") ? "" : "Content-Length: 0\r\n");
  if (n >= (int)sizeof head || write(fd, head, n) != n) {
    logf_("%s %s: cannot send the request: %s", method, target, strerror(errno));
    close(fd);
    return -1;
  }
  buf_t raw = {0};
  char chunk[16384];
  for (;;) {
    ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      logf_("%s %s: %s", method, target, strerror(errno));
      close(fd);
      free(raw.p);
      return -1;
    }
    if (got == 0) {
      break;
    }
    buf_add(&raw, chunk, (size_t)got);
    if (response_complete(&raw)) {
      break;
    }
  }
  close(fd);
  char *hdr_end = raw.p ? memmem(raw.p, raw.len, "\r\n\r\n", 4) : NULL;
  if (hdr_end == NULL || strncmp(raw.p, "HTTP/1.", 7)) {
    logf_("%s %s: no HTTP response", method, target);
    free(raw.p);
    return -1;
  }
  size_t body_at = (size_t)(hdr_end - raw.p) + 4;
  r->status = atoi(raw.p + 9);
  const char *te = header_value(raw.p, hdr_end, "Transfer-Encoding");
  if (te && !strncasecmp(te, "chunked", 7)) {
    if (dechunk(raw.p + body_at, raw.len - body_at, &r->body) < 0) {
      logf_("%s %s: a chunked body cut short", method, target);
    }
  } else {
    buf_add(&r->body, raw.p + body_at, raw.len - body_at);
  }
  if (r->body.p == NULL) {
    buf_add(&r->body, "", 0);
  }
  free(raw.p);
  return 0;
}

/* ---- just enough JSON: walk arrays of objects for one string member ---- */

typedef struct {
  const char *p;
} json_t;

static void ws(json_t *j) {
  while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') {
    j->p++;
  }
}

/* Reads a string at j->p into out (if not NULL); 0, or -1 if malformed. */
static int json_string(json_t *j, buf_t *out) {
  if (*j->p != '"') {
    return -1;
  }
  for (j->p++; *j->p != '"'; j->p++) {
    char c = *j->p;
    if (c == '\0') {
      return -1;
    }
    if (c == '\\') {
      char e = *++j->p;
      switch (e) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'u':
          for (int k = 0; k < 4; k++) {
            if (hexval(*++j->p) < 0) {
              return -1;
            }
          }
          c = '?'; /* IDs and names are ASCII: any other character only has to be skipped */
          break;
        case '\0': return -1;
        default: c = e;
      }
    }
    if (out) {
      buf_add(out, &c, 1);
    }
  }
  j->p++;
  if (out && out->p == NULL) {
    buf_add(out, "", 0);
  }
  return 0;
}

static int json_skip(json_t *j) {
  ws(j);
  char c = *j->p;
  if (c == '"') {
    return json_string(j, NULL);
  }
  if (c == '{' || c == '[') {
    char close_ = c == '{' ? '}' : ']';
    j->p++;
    ws(j);
    if (*j->p == close_) {
      j->p++;
      return 0;
    }
    for (;;) {
      if (c == '{') {
        ws(j);
        if (json_string(j, NULL) < 0) return -1;
        ws(j);
        if (*j->p++ != ':') return -1;
      }
      if (json_skip(j) < 0) return -1;
      ws(j);
      if (*j->p == ',') {
        j->p++;
        continue;
      }
      if (*j->p++ != close_) return -1;
      return 0;
    }
  }
  if (c == '\0') {
    return -1;
  }
  while (*j->p && !strchr(",}] \t\r\n", *j->p)) {
    j->p++; /* a number, true, false or null */
  }
  return 0;
}

typedef struct {
  char **ids;
  int n;
} idlist_t;

static void ids_add(idlist_t *l, const char *id) {
  for (int i = 0; i < l->n; i++) {
    if (!strcmp(l->ids[i], id)) {
      return;
    }
  }
  l->ids = realloc(l->ids, sizeof(char *) * (l->n + 1));
  l->ids[l->n++] = strdup(id);
}

/* Whether the Labels object at j->p has org.testcontainers.ryuk=true (and skips past it). */
static int labels_mark_reaper(json_t *j, int *reaper) {
  ws(j);
  if (*j->p != '{') {
    return json_skip(j);
  }
  j->p++;
  for (;;) {
    ws(j);
    if (*j->p == '}') {
      j->p++;
      return 0;
    }
    buf_t k = {0}, v = {0};
    if (json_string(j, &k) < 0) return -1;
    ws(j);
    if (*j->p++ != ':') return -1;
    ws(j);
    if (*j->p == '"') {
      if (json_string(j, &v) < 0) return -1;
      if (!strcmp(k.p, "org.testcontainers.ryuk") && !strcmp(v.p, "true")) {
        *reaper = 1;
      }
    } else if (json_skip(j) < 0) {
      return -1;
    }
    free(k.p);
    free(v.p);
    ws(j);
    if (*j->p == ',') j->p++;
  }
}

/* Collects member `field` of each object of the array at j->p (skipping reaper containers). */
static int json_ids(json_t *j, const char *field, idlist_t *out) {
  ws(j);
  if (!strncmp(j->p, "null", 4)) {
    return 0; /* Docker's "Volumes": null when there are none */
  }
  if (*j->p++ != '[') return -1;
  for (;;) {
    ws(j);
    if (*j->p == ']') {
      j->p++;
      return 0;
    }
    if (*j->p++ != '{') return -1;
    buf_t id = {0};
    int reaper = 0;
    for (;;) {
      ws(j);
      if (*j->p == '}') {
        j->p++;
        break;
      }
      buf_t k = {0};
      if (json_string(j, &k) < 0) return -1;
      ws(j);
      if (*j->p++ != ':') return -1;
      ws(j);
      if (!strcmp(k.p, field) && *j->p == '"') {
        free(id.p);
        id = (buf_t){0};
        if (json_string(j, &id) < 0) return -1;
      } else if (!strcmp(k.p, "Labels")) {
        if (labels_mark_reaper(j, &reaper) < 0) return -1;
      } else if (json_skip(j) < 0) {
        return -1;
      }
      free(k.p);
      ws(j);
      if (*j->p == ',') j->p++;
    }
    if (id.p && !reaper) {
      ids_add(out, id.p);
    } else if (id.p && cfg.verbose) {
      logf_("sparing the reaper container %s", id.p);
    }
    free(id.p);
    ws(j);
    if (*j->p == ',') j->p++;
  }
}

/* In an object, moves j->p to the value of member `field`; -1 if absent. */
static int json_member(json_t *j, const char *field) {
  ws(j);
  if (*j->p++ != '{') return -1;
  for (;;) {
    ws(j);
    if (*j->p == '}') return -1;
    buf_t k = {0};
    if (json_string(j, &k) < 0) return -1;
    ws(j);
    if (*j->p++ != ':') return -1;
    int hit = !strcmp(k.p, field);
    free(k.p);
    if (hit) {
      ws(j);
      return 0;
    }
    if (json_skip(j) < 0) return -1;
    ws(j);
    if (*j->p == ',') j->p++;
  }
}

/* ---- the prune ---- */

typedef struct {
  const char *what;       /* for the log */
  const char *list;       /* the list call, ending where ?filters= or &filters= follows */
  const char *wrapper;    /* the member holding the array, or NULL for a top-level array */
  const char *id_field;   /* Id or Name */
  const char *remove;     /* the removal, %s being the ID */
  idlist_t found;
  int removed;
} kind_t;

static kind_t kinds[] = {
    {"container", "/containers/json?all=1&filters=", NULL, "Id", "/containers/%s?force=1&v=1", {0}, 0},
    {"network", "/networks?filters=", NULL, "Id", "/networks/%s", {0}, 0},
    {"volume", "/volumes?filters=", "Volumes", "Name", "/volumes/%s?force=1", {0}, 0},
    {"image", "/images/json?filters=", NULL, "Id", "/images/%s", {0}, 0},
};
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])

/* Adds what one filter matches of one kind to k->found; -1 if the daemon could not tell. */
static int collect(kind_t *k, const filter_t *f) {
  int rc = -1;
  buf_t json = {0}, target = {0};
  filter_json(f, &json);
  buf_str(&target, k->list);
  buf_query_escape(&target, json.p);
  response_t r;
  if (http("GET", target.p, &r) == 0) {
    json_t j = {r.body.p};
    if (r.status != 200) {
      logf_("listing %ss by %s: HTTP %d: %s", k->what, json.p, r.status, r.body.p);
    } else if ((k->wrapper && json_member(&j, k->wrapper) < 0) || json_ids(&j, k->id_field, &k->found) < 0) {
      logf_("listing %ss by %s: an answer not understood: %s", k->what, json.p, r.body.p);
    } else {
      rc = 0;
    }
    free(r.body.p);
  }
  free(json.p);
  free(target.p);
  return rc;
}

/* Removes what was found of one kind; the number left. */
static int remove_all(kind_t *k) {
  int left = k->found.n;
  char *done = calloc(k->found.n + 1, 1);
  for (int attempt = 1; left > 0 && attempt <= cfg.remove_retries; attempt++) {
    if (attempt > 1) {
      sleep(1);
    }
    for (int i = 0; i < k->found.n; i++) {
      if (done[i]) {
        continue;
      }
      buf_t escaped = {0};
      buf_query_escape(&escaped, k->found.ids[i]);
      char target[1024];
      snprintf(target, sizeof target, k->remove, escaped.p);
      free(escaped.p);
      response_t r;
      if (http("DELETE", target, &r) < 0) {
        continue;
      }
      if (r.status / 100 == 2 || r.status == 404) {
        done[i] = 1;
        left--;
        if (r.status != 404) {
          k->removed++;
        }
        if (cfg.verbose) {
          logf_("removed %s %s (HTTP %d)", k->what, k->found.ids[i], r.status);
        }
      } else {
        logf_("removing %s %s (attempt %d): HTTP %d: %s", k->what, k->found.ids[i], attempt, r.status, r.body.p);
      }
      free(r.body.p);
    }
  }
  if (left > 0) {
    logf_("%d %s(s) left after %d attempts", left, k->what, cfg.remove_retries);
  }
  free(done);
  return left;
}

/* Removes what the filters match; 0, or -1 when something could not be listed or removed. */
static int prune(void) {
  int failed = 0;
  for (int i = 0; i < nfilters; i++) {
    for (int k = 0; k < NKINDS; k++) {
      failed |= collect(&kinds[k], &filters[i]) < 0;
    }
  }
  for (int k = 0; k < NKINDS; k++) { /* containers first: they hold networks, volumes, images */
    failed |= remove_all(&kinds[k]) > 0;
  }
  logf_("Removed %d container(s), %d network(s), %d volume(s), %d image(s)", kinds[0].removed, kinds[1].removed,
        kinds[2].removed, kinds[3].removed);
  return failed ? -1 : 0;
}

/* ---- the clients ---- */

typedef struct {
  int fd;
  buf_t line;
} client_t;

static client_t clients[MAX_CLIENTS];
static int nclients;
static volatile sig_atomic_t signalled;

static void on_signal(int sig) {
  signalled = sig;
}

static void drop_client(int i) {
  close(clients[i].fd);
  free(clients[i].line.p);
  clients[i] = clients[--nclients];
}

/* Handles what a client sent; -1 when it is gone. */
static int serve_client(client_t *c) {
  char in[4096];
  ssize_t n = read(c->fd, in, sizeof in);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
    return 0;
  }
  if (n <= 0) {
    return -1;
  }
  for (ssize_t i = 0; i < n; i++) {
    if (in[i] != '\n') {
      if (c->line.len >= MAX_LINE) {
        logf_("a filter line over %d bytes: dropping the client", MAX_LINE);
        return -1;
      }
      buf_add(&c->line, &in[i], 1);
      continue;
    }
    if (c->line.p == NULL) {
      buf_add(&c->line, "", 0);
    }
    char *s = c->line.p;
    while (*s && isspace((unsigned char)*s)) s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) s[--len] = '\0';
    if (len == 0) {
      logf_("empty filter received");
    } else {
      if (add_filter(s) < 0) {
        logf_("cannot use the filter \"%s\"", s);
      }
      if (write(c->fd, "ACK\n", 4) != 4) {
        return -1;
      }
    }
    c->line.len = 0;
    c->line.p[0] = '\0';
  }
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  cfg.port = (int)env_int("RYUK_PORT", 8080);
  cfg.connection_ms = env_duration("RYUK_CONNECTION_TIMEOUT", 60000);
  cfg.reconnection_ms = env_duration("RYUK_RECONNECTION_TIMEOUT", 10000);
  cfg.request_ms = env_duration("RYUK_REQUEST_TIMEOUT", 10000);
  cfg.remove_retries = (int)env_int("RYUK_REMOVE_RETRIES", 10);
  const char *verbose = getenv("RYUK_VERBOSE");
  cfg.verbose = verbose && (!strcmp(verbose, "true") || !strcmp(verbose, "1"));
  const char *host = getenv("DOCKER_HOST");
  const char *path = "/var/run/docker.sock";
  if (host && *host) {
    if (strncmp(host, "unix://", 7)) {
      die("DOCKER_HOST=%s: only unix:// sockets are supported", host);
    }
    path = host + 7;
  }
  if (strlen(path) >= sizeof cfg.socket_path) {
    die("the socket path %s is too long", path);
  }
  strcpy(cfg.socket_path, path);

  logf_("Pinging Docker at %s...", cfg.socket_path);
  response_t ping;
  if (http("GET", "/_ping", &ping) < 0 || ping.status != 200) {
    die("the Docker API at %s does not answer its ping", cfg.socket_path);
  }
  free(ping.body.p);
  logf_("Docker daemon is available!");

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 16) < 0) {
    die("cannot listen on port %d: %s", cfg.port, strerror(errno));
  }
  socklen_t salen = sizeof sa;
  getsockname(lfd, (struct sockaddr *)&sa, &salen); /* RYUK_PORT=0: the port the kernel chose */
  cfg.port = ntohs(sa.sin_port);
  logf_("Started! Listening on port %d (connection timeout %ldms, reconnection timeout %ldms)", cfg.port,
        cfg.connection_ms, cfg.reconnection_ms);

  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sigemptyset(&empty);
  struct sigaction act = {.sa_handler = on_signal};
  sigaction(SIGTERM, &act, NULL);
  sigaction(SIGINT, &act, NULL);

  long deadline = now_ms() + cfg.connection_ms; /* none came yet */
  int ever_connected = 0;
  while (!signalled) {
    struct pollfd pfds[MAX_CLIENTS + 1];
    pfds[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < nclients; i++) {
      pfds[i + 1] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
    }
    struct timespec ts, *tsp = NULL;
    if (nclients == 0) {
      long wait = deadline - now_ms();
      if (wait <= 0) {
        logf_(ever_connected ? "Timed out waiting for re-connection" : "Timed out waiting for the first connection");
        break;
      }
      ts = (struct timespec){.tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000L};
      tsp = &ts;
    }
    int ready = ppoll(pfds, (nfds_t)nclients + 1, tsp, &empty);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      die("poll: %s", strerror(errno));
    }
    /* the clients first: their indexes in pfds shift once one is dropped */
    for (int i = nclients - 1; i >= 0; i--) {
      if (pfds[i + 1].revents && serve_client(&clients[i]) < 0) {
        drop_client(i);
        logf_("Client disconnected (%d left)", nclients);
        if (nclients == 0) {
          deadline = now_ms() + cfg.reconnection_ms;
        }
      }
    }
    if (pfds[0].revents & POLLIN) {
      int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (cfd >= 0 && nclients == MAX_CLIENTS) {
        logf_("too many clients; refusing one");
        close(cfd);
      } else if (cfd >= 0) {
        clients[nclients++] = (client_t){.fd = cfd};
        ever_connected = 1;
        logf_("New client connected (%d)", nclients);
      }
    }
  }
  if (signalled) {
    logf_("Signal %d received", (int)signalled);
  }
  close(lfd);
  while (nclients > 0) {
    drop_client(nclients - 1);
  }
  return prune() < 0 ? 1 : 0;
}
