/*
 * demo-app: the small web service Flotilla's examples and tests deploy (the seed's myapp).
 *
 * HTTP/1.1 on $PORT (default 8080), all addresses, one process, poll(2) over non-blocking sockets:
 *   GET /         200 "hello from <$VERSION> (<hostname>)"
 *   GET /health   200 "ok"; 500 once the file /tmp/unhealthy exists, or once
 *                 $FAIL_HEALTH_AFTER_SECONDS have passed since start (liveness probe target)
 *   GET /ready    200 "ready"; 503 while /tmp/unready exists or before $READY_AFTER_SECONDS
 *                 have passed since start (readiness probe target)
 *   GET /metrics  Prometheus text exposition (0.0.4): http_requests_total{method,path,status},
 *                 http_request_duration_seconds{path} histogram, demo_app_info{version},
 *                 process_start_time_seconds
 * HEAD is served like GET without a body; other methods get 405, unknown paths 404.
 * Keep-alive follows HTTP/1.1 (persistent unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive"); every response carries Content-Length; pipelined requests are
 * answered in order. SIGTERM/SIGINT: stop accepting, finish responses in flight, close idle
 * connections, exit 0 (at most 5 s later). Orphans re-parented to it (PID 1) are reaped.
 * Requests other than probes and scrapes are logged to stdout, one line each.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 512
#define IN_CAP 16384
#define IDLE_TIMEOUT_S 60.0
#define DRAIN_TIMEOUT_S 5.0

/* ---------- time ---------- */

static double now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------- configuration ---------- */

static const char *g_version = "unknown";
static char g_hostname[256] = "unknown";
static double g_fail_health_after = -1; /* seconds; < 0: never */
static double g_ready_after = 0;
static double g_start_mono;
static double g_start_wall;

/* ---------- metrics ---------- */

static const char *const PATHS[] = {"/", "/health", "/ready", "/metrics", "other"};
#define NPATHS 5
static const double BUCKETS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBUCKETS 11

struct hist {
  unsigned long long bucket[NBUCKETS]; /* non-cumulative counts per bucket */
  unsigned long long count;
  double sum;
};
static struct hist g_hist[NPATHS];

struct counter {
  char method[8];
  int path;
  int status;
  unsigned long long value;
};
#define MAX_COUNTERS 128
static struct counter g_counters[MAX_COUNTERS];
static int g_ncounters;

static int path_index(const char *path) {
  for (int i = 0; i < NPATHS - 1; i++)
    if (strcmp(path, PATHS[i]) == 0) return i;
  return NPATHS - 1;
}

static const char *method_label(const char *m) {
  static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(m, known[i]) == 0) return known[i];
  return "other";
}

static void record(const char *method, int path, int status, double seconds) {
  const char *m = method_label(method);
  struct counter *c = NULL;
  for (int i = 0; i < g_ncounters; i++)
    if (g_counters[i].path == path && g_counters[i].status == status && strcmp(g_counters[i].method, m) == 0) c = &g_counters[i];
  if (!c && g_ncounters < MAX_COUNTERS) {
    c = &g_counters[g_ncounters++];
    snprintf(c->method, sizeof c->method, "%s", m);
    c->path = path;
    c->status = status;
    c->value = 0;
  }
  if (c) c->value++;
  struct hist *h = &g_hist[path];
  int b = 0;
  while (b < NBUCKETS && seconds > BUCKETS[b]) b++;
  if (b < NBUCKETS) h->bucket[b]++;
  h->count++;
  h->sum += seconds;
}

/* ---------- growable text buffer ---------- */

struct buf {
  char *data;
  size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) return -1;
  b->data = d;
  b->cap = cap;
  return 0;
}

static void buf_add(struct buf *b, const char *s, size_t n) {
  if (buf_reserve(b, n) < 0) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0 && buf_reserve(b, (size_t)n + 1) == 0) {
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

/* Label value escaping of the text exposition format: backslash, double quote, newline. */
static void buf_label_value(struct buf *b, const char *v) {
  for (; *v; v++) {
    if (*v == '\\') buf_add(b, "\\\\", 2);
    else if (*v == '"') buf_add(b, "\\\"", 2);
    else if (*v == '\n') buf_add(b, "\\n", 2);
    else buf_add(b, v, 1);
  }
}

static void render_metrics(struct buf *b) {
  buf_printf(b, "# HELP http_requests_total Total HTTP requests served, by method, path and status code.\n");
  buf_printf(b, "# TYPE http_requests_total counter\n");
  for (int i = 0; i < g_ncounters; i++) {
    struct counter *c = &g_counters[i];
    buf_printf(b, "http_requests_total{method=\"%s\",path=\"%s\",status=\"%d\"} %llu\n", c->method, PATHS[c->path], c->status, c->value);
  }
  buf_printf(b, "# HELP http_request_duration_seconds Time to handle an HTTP request, by path.\n");
  buf_printf(b, "# TYPE http_request_duration_seconds histogram\n");
  for (int p = 0; p < NPATHS; p++) {
    struct hist *h = &g_hist[p];
    unsigned long long cum = 0;
    for (int i = 0; i < NBUCKETS; i++) {
      cum += h->bucket[i];
      buf_printf(b, "http_request_duration_seconds_bucket{path=\"%s\",le=\"%g\"} %llu\n", PATHS[p], BUCKETS[i], cum);
    }
    buf_printf(b, "http_request_duration_seconds_bucket{path=\"%s\",le=\"+Inf\"} %llu\n", PATHS[p], h->count);
    buf_printf(b, "http_request_duration_seconds_sum{path=\"%s\"} %.9f\n", PATHS[p], h->sum);
    buf_printf(b, "http_request_duration_seconds_count{path=\"%s\"} %llu\n", PATHS[p], h->count);
  }
  buf_printf(b, "# HELP demo_app_info Version of the running demo app.\n");
  buf_printf(b, "# TYPE demo_app_info gauge\n");
  buf_printf(b, "demo_app_info{version=\"");
  buf_label_value(b, g_version);
  buf_printf(b, "\"} 1\n");
  buf_printf(b, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n");
  buf_printf(b, "# TYPE process_start_time_seconds gauge\n");
  buf_printf(b, "process_start_time_seconds %.3f\n", g_start_wall);
}

/* ---------- connections ---------- */

struct conn {
  int fd;
  char in[IN_CAP];
  size_t inlen;
  struct buf out;
  size_t outoff;
  int close_after; /* close once `out` is flushed */
  int read_closed; /* peer sent EOF */
  double last_active;
  double req_start; /* when the first byte of the pending request arrived; 0: none */
};

static struct conn *g_conns[MAX_CONNS];
static int g_nconns;
static int g_listen_fd = -1;
static int g_sigpipe[2] = {-1, -1};
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_child;

static const char *reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

static void respond(struct conn *c, int status, const char *ctype, const char *body, size_t blen, int head_only, int keep) {
  buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n", status, reason(status), ctype,
             blen, keep ? "keep-alive" : "close");
  if (!head_only) buf_add(&c->out, body, blen);
  if (!keep) c->close_after = 1;
}

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* Finds the value of header `name` in the header block [h, end); copies it (trimmed) into out. */
static int header_value(const char *h, const char *end, const char *name, char *out, size_t outsz) {
  size_t nlen = strlen(name);
  const char *line = h;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol) eol = end;
    if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
      const char *v = line + nlen + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      const char *ve = eol;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      size_t n = (size_t)(ve - v);
      if (n >= outsz) n = outsz - 1;
      memcpy(out, v, n);
      out[n] = 0;
      return 1;
    }
    line = eol + 1;
  }
  return 0;
}

static int has_token(const char *v, const char *tok) {
  size_t n = strlen(tok);
  for (const char *p = v; *p;) {
    while (*p == ' ' || *p == ',') p++;
    const char *e = p;
    while (*e && *e != ',') e++;
    const char *t = e;
    while (t > p && t[-1] == ' ') t--;
    if ((size_t)(t - p) == n && strncasecmp(p, tok, n) == 0) return 1;
    p = e;
  }
  return 0;
}

/*
 * Handles one complete request at the start of c->in, if there is one. Returns the number of bytes
 * consumed, 0 when the request is still incomplete, -1 when the connection must close after the
 * error response queued.
 */
static long handle_one(struct conn *c) {
  char *hend = memmem(c->in, c->inlen, "\r\n\r\n", 4);
  if (!hend) {
    if (c->inlen >= IN_CAP) {
      respond(c, 431, "text/plain", "request header too large\n", 25, 0, 0);
      return -1;
    }
    return 0;
  }
  size_t hlen = (size_t)(hend - c->in) + 4;
  char *eol = memchr(c->in, '\n', hlen);
  char line[1024];
  size_t llen = (size_t)(eol - c->in);
  if (llen > 0 && c->in[llen - 1] == '\r') llen--;
  if (llen >= sizeof line) llen = sizeof line - 1;
  memcpy(line, c->in, llen);
  line[llen] = 0;

  char method[16] = "", target[1024] = "", proto[16] = "";
  if (sscanf(line, "%15s %1023s %15s", method, target, proto) != 3 || strncmp(proto, "HTTP/1.", 7) != 0) {
    respond(c, 400, "text/plain", "bad request\n", 12, 0, 0);
    return -1;
  }
  const char *hstart = eol + 1;
  char val[256];
  int http10 = strcmp(proto, "HTTP/1.0") == 0;
  int keep = !http10;
  if (header_value(hstart, hend + 2, "Connection", val, sizeof val)) {
    if (has_token(val, "close")) keep = 0;
    else if (has_token(val, "keep-alive")) keep = 1;
  }
  if (header_value(hstart, hend + 2, "Transfer-Encoding", val, sizeof val)) {
    respond(c, 501, "text/plain", "request bodies with transfer-encoding are not supported\n", 56, 0, 0);
    return -1;
  }
  size_t clen = 0;
  if (header_value(hstart, hend + 2, "Content-Length", val, sizeof val)) {
    char *endp;
    unsigned long long v = strtoull(val, &endp, 10);
    if (*endp || v > IN_CAP) {
      respond(c, 413, "text/plain", "request body too large\n", 23, 0, 0);
      return -1;
    }
    clen = (size_t)v;
  }
  if (c->inlen < hlen + clen) {
    if (hlen + clen > IN_CAP) {
      respond(c, 413, "text/plain", "request too large\n", 18, 0, 0);
      return -1;
    }
    return 0;
  }
  if (g_stop) keep = 0; /* draining: answer, then close */

  char *q = strchr(target, '?');
  if (q) *q = 0;
  int pidx = path_index(target);
  int head = strcmp(method, "HEAD") == 0;
  int status;
  double up = now_mono() - g_start_mono;
  if (pidx == NPATHS - 1) {
    status = 404;
    respond(c, status, "text/plain", "not found\n", 10, head, keep);
  } else if (!head && strcmp(method, "GET") != 0) {
    status = 405;
    respond(c, status, "text/plain", "method not allowed\n", 19, 0, keep);
  } else if (pidx == 0) {
    char body[512];
    int n = snprintf(body, sizeof body, "hello from %s (%s)\n", g_version, g_hostname);
    status = 200;
    respond(c, status, "text/plain; charset=utf-8", body, (size_t)n, head, keep);
  } else if (pidx == 1) {
    if (file_exists("/tmp/unhealthy") || (g_fail_health_after >= 0 && up >= g_fail_health_after)) {
      status = 500;
      respond(c, status, "text/plain", "unhealthy\n", 10, head, keep);
    } else {
      status = 200;
      respond(c, status, "text/plain", "ok\n", 3, head, keep);
    }
  } else if (pidx == 2) {
    if (file_exists("/tmp/unready") || up < g_ready_after) {
      status = 503;
      respond(c, status, "text/plain", "not ready\n", 10, head, keep);
    } else {
      status = 200;
      respond(c, status, "text/plain", "ready\n", 6, head, keep);
    }
  } else {
    struct buf m = {0};
    render_metrics(&m);
    status = 200;
    respond(c, status, "text/plain; version=0.0.4; charset=utf-8", m.data ? m.data : "", m.len, head, keep);
    free(m.data);
  }
  double took = now_mono() - (c->req_start > 0 ? c->req_start : now_mono());
  record(method, pidx, status, took < 0 ? 0 : took);
  if (pidx == 0 || pidx == NPATHS - 1) { /* probes and scrapes are not logged */
    printf("%s %s %d %.6fs\n", method, target, status, took);
  }
  c->req_start = 0;
  return (long)(hlen + clen);
}

static void conn_close(int i) {
  struct conn *c = g_conns[i];
  close(c->fd);
  free(c->out.data);
  free(c);
  g_conns[i] = g_conns[--g_nconns];
}

/* Writes what is pending; returns -1 if the connection failed. */
static int conn_flush(struct conn *c) {
  while (c->outoff < c->out.len) {
    ssize_t n = write(c->fd, c->out.data + c->outoff, c->out.len - c->outoff);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -1;
    }
    c->outoff += (size_t)n;
  }
  c->out.len = 0;
  c->outoff = 0;
  return 0;
}

/* Reads what is available and answers every complete request; returns -1 to close now. */
static int conn_read(struct conn *c) {
  for (;;) {
    if (c->inlen >= IN_CAP) break;
    ssize_t n = read(c->fd, c->in + c->inlen, IN_CAP - c->inlen);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return -1;
    }
    if (n == 0) {
      c->read_closed = 1;
      break;
    }
    if (c->req_start == 0) c->req_start = now_mono();
    c->inlen += (size_t)n;
  }
  c->last_active = now_mono();
  while (c->inlen > 0 && !c->close_after) {
    long used = handle_one(c);
    if (used == 0) break;
    if (used < 0) {
      c->inlen = 0;
      break;
    }
    memmove(c->in, c->in + used, c->inlen - (size_t)used);
    c->inlen -= (size_t)used;
    if (c->inlen > 0) c->req_start = now_mono();
  }
  if (c->read_closed && c->out.len == 0) return -1;
  if (c->read_closed) c->close_after = 1;
  return 0;
}

/* ---------- signals ---------- */

static void on_signal(int signo) {
  int saved = errno;
  if (signo == SIGCHLD) g_child = 1;
  else g_stop = 1;
  ssize_t r = write(g_sigpipe[1], "x", 1);
  (void)r;
  errno = saved;
}

static int nonblocking(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_listener(int port) {
  int one = 1, zero = 0;
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_port = htons((unsigned short)port);
    a6.sin6_addr = in6addr_any;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0) goto bound;
    close(fd);
  }
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a4;
  memset(&a4, 0, sizeof a4);
  a4.sin_family = AF_INET;
  a4.sin_port = htons((unsigned short)port);
  a4.sin_addr.s_addr = htonl(INADDR_ANY);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a4, sizeof a4) < 0) {
    close(fd);
    return -1;
  }
bound:
  if (listen(fd, 512) < 0 || nonblocking(fd) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static double env_seconds(const char *name, double dflt) {
  const char *v = getenv(name);
  if (!v || !*v) return dflt;
  char *end;
  double d = strtod(v, &end);
  if (*end || d < 0) {
    fprintf(stderr, "demo-app: ignoring %s=%s (not a number of seconds)\n", name, v);
    return dflt;
  }
  return d;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *v = getenv("VERSION");
  if (v && *v) g_version = v;
  gethostname(g_hostname, sizeof g_hostname - 1);
  g_fail_health_after = env_seconds("FAIL_HEALTH_AFTER_SECONDS", -1);
  g_ready_after = env_seconds("READY_AFTER_SECONDS", 0);
  int port = 8080;
  const char *ps = getenv("PORT");
  if (ps && *ps) {
    char *end;
    long p = strtol(ps, &end, 10);
    if (*end || p < 1 || p > 65535) {
      fprintf(stderr, "demo-app: invalid PORT %s\n", ps);
      return 1;
    }
    port = (int)p;
  }
  g_start_mono = now_mono();
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  g_start_wall = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9;

  if (pipe2(g_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
    perror("demo-app: pipe");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  g_listen_fd = open_listener(port);
  if (g_listen_fd < 0) {
    fprintf(stderr, "demo-app: cannot listen on port %d: %s\n", port, strerror(errno));
    return 1;
  }
  printf("demo-app %s listening on :%d (host %s)\n", g_version, port, g_hostname);

  double drain_deadline = 0;
  struct pollfd pfds[MAX_CONNS + 2];
  for (;;) {
    if (g_child) {
      g_child = 0;
      while (waitpid(-1, NULL, WNOHANG) > 0) {
      }
    }
    double now = now_mono();
    if (g_stop && drain_deadline == 0) {
      printf("demo-app: signal received, draining %d connection(s)\n", g_nconns);
      drain_deadline = now + DRAIN_TIMEOUT_S;
      if (g_listen_fd >= 0) close(g_listen_fd);
      g_listen_fd = -1;
      /* Idle keep-alive connections are closed now; busy ones after their response. */
      for (int i = g_nconns - 1; i >= 0; i--) {
        struct conn *c = g_conns[i];
        if (c->inlen == 0 && c->out.len == 0) conn_close(i);
        else c->close_after = 1;
      }
    }
    if (g_stop && (g_nconns == 0 || now >= drain_deadline)) break;
    for (int i = g_nconns - 1; i >= 0; i--)
      if (now - g_conns[i]->last_active > IDLE_TIMEOUT_S) conn_close(i);

    int n = 0;
    pfds[n++] = (struct pollfd){.fd = g_sigpipe[0], .events = POLLIN};
    int lidx = -1;
    if (g_listen_fd >= 0 && g_nconns < MAX_CONNS) {
      lidx = n;
      pfds[n++] = (struct pollfd){.fd = g_listen_fd, .events = POLLIN};
    }
    int base = n;
    for (int i = 0; i < g_nconns; i++) {
      struct conn *c = g_conns[i];
      short ev = 0;
      if (c->out.len > c->outoff) ev |= POLLOUT;
      else if (!c->close_after) ev |= POLLIN;
      pfds[n++] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    int r = poll(pfds, (nfds_t)n, 1000);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("demo-app: poll");
      return 1;
    }
    if (pfds[0].revents) {
      char drain[64];
      while (read(g_sigpipe[0], drain, sizeof drain) > 0) {
      }
    }
    /* Connections first (indices shift when one closes, so walk them by fd snapshot). */
    int count = g_nconns;
    int fds[MAX_CONNS];
    short rev[MAX_CONNS];
    for (int i = 0; i < count; i++) {
      fds[i] = pfds[base + i].fd;
      rev[i] = pfds[base + i].revents;
    }
    for (int k = 0; k < count; k++) {
      if (!rev[k]) continue;
      int i = -1;
      for (int j = 0; j < g_nconns; j++)
        if (g_conns[j]->fd == fds[k]) i = j;
      if (i < 0) continue;
      struct conn *c = g_conns[i];
      int bad = 0;
      if (rev[k] & (POLLIN | POLLHUP | POLLERR)) bad = conn_read(c) < 0;
      if (!bad) bad = conn_flush(c) < 0;
      if (!bad && c->close_after && c->out.len == 0) bad = 1;
      if (bad) conn_close(i);
    }
    if (lidx >= 0 && (pfds[lidx].revents & POLLIN)) {
      for (int k = 0; k < 64 && g_nconns < MAX_CONNS; k++) {
        int fd = accept4(g_listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
          close(fd);
          break;
        }
        c->fd = fd;
        c->last_active = now_mono();
        g_conns[g_nconns++] = c;
      }
    }
  }
  printf("demo-app: stopped\n");
  return 0;
}
