/* fcgi-load.c - FastCGI client for bench/run.sh: start-up time, idle
 * connections, and a load generator with many requests in flight.
 * fcgi-lisp, MIT licence.
 *
 * Standalone (libc only), like tests/integration/fcgi-probe.c, so that it
 * measures fcgi-lisp with nothing of fcgi-lisp's own code. Records are built
 * from the FastCGI 1.0 specification; every request carries the params nginx
 * sends for GET /URI with Debian's fastcgi_params (about 600 bytes).
 *
 * Usage:
 *   fcgi-load startup [--fd0] [--repeat K] [--uri /hello] --socket PATH -- CMD ARGS...
 *       K times: unlinks PATH, takes the time, forks and execs CMD, connects
 *       to PATH as soon as it accepts (retrying every 20 us), sends one
 *       request and reads it to END_REQUEST. With --fd0 this program binds
 *       and listens on PATH itself and passes the socket to CMD as fd 0, as
 *       mod_fcgid and lighttpd's bin-path do (CMD must not be told to
 *       --listen then). Prints per run "startup_us=N vmrss_kb=R vmhwm_kb=H"
 *       (RSS read right after the answer, CMD idle), then SIGTERMs CMD.
 *       Summary: "startup median_us=N min_us=N max_us=N vmrss_kb=MEDIAN".
 *   fcgi-load idle --connect ADDR -n N [--request] [--pid PID] [--hold S]
 *       Opens N connections to ADDR (unix:/PATH or HOST:PORT). With
 *       --request each then does one request with FCGI_KEEP_CONN, one after
 *       the other, and stays open (an idle kept-alive connection, as a web
 *       server leaves it); without, it sends nothing. Prints PID's VmRSS
 *       before and after ("idle n=N rss_before_kb=B rss_after_kb=A
 *       per_conn_bytes=X open=O"), holds them S seconds (default 0), closes.
 *   fcgi-load load --connect ADDR -c N -d SECONDS [--uri /hello] [--close]
 *       N connections with FCGI_KEEP_CONN, each sends its next request as
 *       soon as the previous one ended: N requests in flight. With --close,
 *       no FCGI_KEEP_CONN and a new connection for every request (what
 *       mod_fcgid does). Prints
 *       "load conns=N requests=R errors=E non200=X seconds=S rps=Q
 *        p50_us=A p99_us=B" (latency from the first byte written to the
 *       END_REQUEST read).
 *   fcgi-load get --connect ADDR --uri /big?bytes=N
 *       One request; reads the reply as fast as it comes and throws it away.
 *       Prints "get stdout_bytes=N seconds=S gbps=G status_ok=0|1".
 *   fcgi-load post --connect ADDR --uri /upload --bytes N
 *       One POST with CONTENT_LENGTH N; the body (zeros) goes out in STDIN
 *       records of 65528 bytes, 16 records per writev, while the reply is
 *       read. Prints "post bytes=N seconds=S gbps=G reply=LAST_LINE".
 *   Neither touches the bytes it moves (tests/integration/fcgi-probe
 *   hashes them, which is slower than the bridge).
 * Exit: 0 done, 1 failure (message on stderr), 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* FastCGI 1.0 (spec §8) */
enum {
    FCGI_VERSION_1 = 1,
    FCGI_BEGIN_REQUEST = 1,
    FCGI_END_REQUEST = 3,
    FCGI_PARAMS = 4,
    FCGI_STDIN = 5,
    FCGI_STDOUT = 6,
    FCGI_STDERR = 7,
    FCGI_RESPONDER = 1,
    FCGI_KEEP_CONN = 1,
};

#define LAT_BUCKETS 100000   /* latency histogram: 10 us buckets up to 1 s, then one */
#define LAT_STEP_US 10

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
    fprintf(stderr, "fcgi-load: %s: %s\n", what, strerror(errno));
    exit(1);
}

__attribute__((noreturn)) static void usage(void)
{
    fputs("usage: fcgi-load startup [--fd0] [--repeat K] [--uri U] --socket PATH -- CMD ARGS...\n"
          "       fcgi-load idle --connect ADDR -n N [--request] [--pid PID] [--hold S]\n"
          "       fcgi-load load --connect ADDR -c N -d SECONDS [--uri U] [--close]\n"
          "       fcgi-load get --connect ADDR --uri U\n"
          "       fcgi-load post --connect ADDR --uri U --bytes N\n",
          stderr);
    exit(2);
}

/* ---------------------------------------------------------------- */
/* Request bytes                                                     */
/* ---------------------------------------------------------------- */

struct bytes {
    unsigned char *p;
    size_t len, cap;
};

static void add(struct bytes *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            die("realloc");
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void add_header(struct bytes *b, int type, size_t clen)
{
    unsigned char h[8] = {FCGI_VERSION_1, (unsigned char)type, 0, 1,
                          (unsigned char)(clen >> 8), (unsigned char)clen,
                          (unsigned char)((8 - clen % 8) % 8), 0};
    add(b, h, 8);
}

static void add_len(struct bytes *b, size_t n)
{
    if (n < 128) {
        unsigned char c = (unsigned char)n;
        add(b, &c, 1);
    } else {
        unsigned char c[4] = {(unsigned char)(0x80 | (n >> 24)), (unsigned char)(n >> 16),
                              (unsigned char)(n >> 8), (unsigned char)n};
        add(b, c, 4);
    }
}

static void add_pair(struct bytes *b, const char *name, const char *value)
{
    add_len(b, strlen(name));
    add_len(b, strlen(value));
    add(b, name, strlen(name));
    add(b, value, strlen(value));
}

/* The whole request: BEGIN_REQUEST, one PARAMS record, empty PARAMS, empty STDIN. */
static struct bytes build_request_full(const char *uri, bool keep, const char *method,
                                       unsigned long long content_length, bool with_stdin_end);

static struct bytes build_request(const char *uri, bool keep)
{
    return build_request_full(uri, keep, "GET", 0, true);
}

static struct bytes build_request_full(const char *uri, bool keep, const char *method,
                                       unsigned long long content_length, bool with_stdin_end)
{
    char clen[32] = "";
    if (content_length > 0)
        snprintf(clen, sizeof clen, "%llu", content_length);
    struct bytes params = {0}, req = {0};
    const char *q = strchr(uri, '?');
    char script[512];
    snprintf(script, sizeof script, "%.*s", (int)(q ? (size_t)(q - uri) : strlen(uri)), uri);
    add_pair(&params, "QUERY_STRING", q ? q + 1 : "");
    add_pair(&params, "REQUEST_METHOD", method);
    add_pair(&params, "CONTENT_TYPE", content_length > 0 ? "application/octet-stream" : "");
    add_pair(&params, "CONTENT_LENGTH", clen);
    add_pair(&params, "SCRIPT_NAME", script);
    add_pair(&params, "REQUEST_URI", uri);
    add_pair(&params, "DOCUMENT_URI", script);
    add_pair(&params, "DOCUMENT_ROOT", "/usr/share/nginx/html");
    add_pair(&params, "SERVER_PROTOCOL", "HTTP/1.1");
    add_pair(&params, "REQUEST_SCHEME", "http");
    add_pair(&params, "GATEWAY_INTERFACE", "CGI/1.1");
    add_pair(&params, "SERVER_SOFTWARE", "nginx/1.22.1");
    add_pair(&params, "REMOTE_ADDR", "127.0.0.1");
    add_pair(&params, "REMOTE_PORT", "41234");
    add_pair(&params, "SERVER_ADDR", "127.0.0.1");
    add_pair(&params, "SERVER_PORT", "8080");
    add_pair(&params, "SERVER_NAME", "localhost");
    add_pair(&params, "REDIRECT_STATUS", "200");
    add_pair(&params, "HTTP_HOST", "127.0.0.1:8080");
    add_pair(&params, "HTTP_USER_AGENT", "fcgi-load");
    add_pair(&params, "HTTP_ACCEPT", "*/*");

    unsigned char begin[8] = {0, FCGI_RESPONDER, keep ? FCGI_KEEP_CONN : 0, 0, 0, 0, 0, 0};
    static const unsigned char pad[8];
    add_header(&req, FCGI_BEGIN_REQUEST, 8);
    add(&req, begin, 8);
    add_header(&req, FCGI_PARAMS, params.len);
    add(&req, params.p, params.len);
    add(&req, pad, (8 - params.len % 8) % 8);
    add_header(&req, FCGI_PARAMS, 0);
    if (with_stdin_end)
        add_header(&req, FCGI_STDIN, 0);
    free(params.p);
    return req;
}

/* ---------------------------------------------------------------- */
/* Reply parsing: a small incremental record reader                  */
/* ---------------------------------------------------------------- */

struct reply {
    unsigned char hdr[8];
    size_t hdr_have;
    size_t content_left, padding_left;
    int type;
    bool saw_stdout;
    bool status_ok;        /* first STDOUT bytes were "Status: 200" */
    char first[16];
    size_t first_len;
    unsigned char end[8];
    size_t end_have;
};

/* Feeds n bytes; returns 1 when END_REQUEST was read completely (and sets
 * *used to the bytes consumed), 0 when more is needed, -1 on a bad record. */
static int reply_feed(struct reply *r, const unsigned char *p, size_t n, size_t *used)
{
    size_t i = 0;
    while (i < n) {
        if (r->hdr_have < 8) {
            r->hdr[r->hdr_have++] = p[i++];
            if (r->hdr_have == 8) {
                if (r->hdr[0] != FCGI_VERSION_1)
                    return -1;
                r->type = r->hdr[1];
                r->content_left = ((size_t)r->hdr[4] << 8) | r->hdr[5];
                r->padding_left = r->hdr[6];
                if (r->type == FCGI_END_REQUEST && r->content_left != 8)
                    return -1;
                if (r->type == FCGI_END_REQUEST)
                    r->end_have = 0;
            }
            continue;
        }
        if (r->content_left > 0) {
            size_t take = n - i < r->content_left ? n - i : r->content_left;
            if (r->type == FCGI_STDOUT) {
                r->saw_stdout = true;
                while (r->first_len < sizeof r->first - 1 && take > 0 &&
                       r->first_len < 11) {
                    r->first[r->first_len++] = (char)p[i];
                    i++;
                    take--;
                    r->content_left--;
                }
            } else if (r->type == FCGI_END_REQUEST) {
                memcpy(r->end + r->end_have, p + i, take);
                r->end_have += take;
            }
            i += take;
            r->content_left -= take;
            continue;
        }
        if (r->padding_left > 0) {
            size_t take = n - i < r->padding_left ? n - i : r->padding_left;
            i += take;
            r->padding_left -= take;
            continue;
        }
        /* record complete */
        r->hdr_have = 0;
        if (r->type == FCGI_END_REQUEST) {
            r->first[r->first_len] = '\0';
            r->status_ok = strncmp(r->first, "Status: 200", 11) == 0;
            *used = i;
            return 1;
        }
    }
    /* a record may end exactly at the end of the buffer */
    if (r->hdr_have == 8 && r->content_left == 0 && r->padding_left == 0) {
        r->hdr_have = 0;
        if (r->type == FCGI_END_REQUEST) {
            r->first[r->first_len] = '\0';
            r->status_ok = strncmp(r->first, "Status: 200", 11) == 0;
            *used = i;
            return 1;
        }
    }
    *used = i;
    return 0;
}

static int app_status(const struct reply *r)
{
    return (r->end[0] << 24) | (r->end[1] << 16) | (r->end[2] << 8) | r->end[3];
}

/* ---------------------------------------------------------------- */
/* Sockets                                                           */
/* ---------------------------------------------------------------- */

static struct sockaddr_storage target;
static socklen_t target_len;

static void parse_addr(const char *spec)
{
    memset(&target, 0, sizeof target);
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un *sun = (struct sockaddr_un *)&target;
        sun->sun_family = AF_UNIX;
        if (strlen(spec + 5) >= sizeof sun->sun_path) {
            fprintf(stderr, "fcgi-load: path too long: %s\n", spec);
            exit(2);
        }
        strcpy(sun->sun_path, spec + 5);
        target_len = sizeof *sun;
        return;
    }
    const char *colon = strrchr(spec, ':');
    if (colon == NULL)
        usage();
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
    struct addrinfo *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        fprintf(stderr, "fcgi-load: bad address %s\n", spec);
        exit(2);
    }
    memcpy(&target, ai->ai_addr, ai->ai_addrlen);
    target_len = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static int connect_target(bool nonblock)
{
    int fd = socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&target, target_len) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One blocking request on fd; returns 0 if answered 200 with app status 0. */
static int do_request(int fd, const struct bytes *req, int timeout_ms)
{
    if (write_all(fd, req->p, req->len) < 0)
        return -1;
    struct reply r = {0};
    unsigned char buf[16384];
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return -1;
        size_t used;
        int rc = reply_feed(&r, buf, (size_t)n, &used);
        if (rc < 0)
            return -1;
        if (rc == 1)
            return (r.status_ok && app_status(&r) == 0) ? 0 : -1;
    }
}

static long proc_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t flen = strlen(field);
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
            kb = strtol(line + flen + 1, NULL, 10);
            break;
        }
    if (f != NULL)
        fclose(f);
    return kb;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------- */
/* startup                                                           */
/* ---------------------------------------------------------------- */

static int cmd_startup(int argc, char **argv)
{
    const char *sock = NULL, *uri = "/hello";
    bool fd0 = false;
    int repeat = 10, i;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--fd0") == 0)
            fd0 = true;
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc)
            uri = argv[++i];
        else if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            sock = argv[++i];
        else if (strcmp(argv[i], "--") == 0)
            break;
        else
            usage();
    }
    if (sock == NULL || i + 1 >= argc || repeat < 1)
        usage();
    char **cmd = argv + i + 1;
    char spec[600];
    snprintf(spec, sizeof spec, "unix:%s", sock);
    parse_addr(spec);
    struct bytes req = build_request(uri, false);
    double *us = calloc((size_t)repeat, sizeof *us);
    long *rss = calloc((size_t)repeat, sizeof *rss);
    if (us == NULL || rss == NULL)
        die("calloc");

    for (int run = 0; run < repeat; run++) {
        unlink(sock);
        int lfd = -1;
        if (fd0) {
            lfd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (lfd < 0 || bind(lfd, (struct sockaddr *)&target, target_len) < 0 ||
                listen(lfd, 128) < 0)
                die("listen");
        }
        double t0 = now_us();
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            if (fd0) {
                dup2(lfd, 0);
                if (lfd != 0)
                    close(lfd);
            }
            execv(cmd[0], cmd);
            _exit(127);
        }
        if (fd0)
            close(lfd);
        int fd = -1, rc = -1;
        for (;;) {
            fd = connect_target(false);
            if (fd >= 0)
                break;
            if (errno != ENOENT && errno != ECONNREFUSED)
                die("connect");
            if (now_us() - t0 > 5e6) {
                fprintf(stderr, "fcgi-load: %s did not listen within 5 s\n", cmd[0]);
                kill(pid, SIGKILL);
                return 1;
            }
            int st;
            if (waitpid(pid, &st, WNOHANG) == pid) {
                fprintf(stderr, "fcgi-load: %s exited before listening\n", cmd[0]);
                return 1;
            }
            struct timespec ts = {0, 20000};
            nanosleep(&ts, NULL);
        }
        rc = do_request(fd, &req, 5000);
        double t1 = now_us();
        close(fd);
        if (rc != 0) {
            fprintf(stderr, "fcgi-load: the first request failed\n");
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return 1;
        }
        us[run] = t1 - t0;
        rss[run] = proc_kb(pid, "VmRSS");
        printf("startup_us=%.0f vmrss_kb=%ld vmhwm_kb=%ld\n", us[run], rss[run],
               proc_kb(pid, "VmHWM"));
        fflush(stdout);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    unlink(sock);
    double *sorted = malloc((size_t)repeat * sizeof *sorted);
    memcpy(sorted, us, (size_t)repeat * sizeof *sorted);
    qsort(sorted, (size_t)repeat, sizeof *sorted, cmp_double);
    qsort(rss, (size_t)repeat, sizeof *rss, cmp_long);
    printf("startup median_us=%.0f min_us=%.0f max_us=%.0f vmrss_kb=%ld runs=%d\n",
           sorted[repeat / 2], sorted[0], sorted[repeat - 1], rss[repeat / 2], repeat);
    free(sorted);
    free(us);
    free(rss);
    free(req.p);
    return 0;
}

/* ---------------------------------------------------------------- */
/* idle                                                              */
/* ---------------------------------------------------------------- */

static int cmd_idle(int argc, char **argv)
{
    const char *addr = NULL;
    long n = 0, hold = 0;
    pid_t pid = 0;
    bool request = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc)
            addr = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = atol(argv[++i]);
        else if (strcmp(argv[i], "--pid") == 0 && i + 1 < argc)
            pid = (pid_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--hold") == 0 && i + 1 < argc)
            hold = atol(argv[++i]);
        else if (strcmp(argv[i], "--request") == 0)
            request = true;
        else
            usage();
    }
    if (addr == NULL || n < 1)
        usage();
    raise_nofile();
    parse_addr(addr);
    struct bytes req = build_request("/hello", true);
    int *fds = calloc((size_t)n, sizeof *fds);
    if (fds == NULL)
        die("calloc");
    long before = pid ? proc_kb(pid, "VmRSS") : -1;
    long open_ok = 0, failed = 0;
    for (long i = 0; i < n; i++) {
        fds[i] = connect_target(false);
        if (fds[i] < 0) {
            fprintf(stderr, "fcgi-load: connection %ld: %s\n", i, strerror(errno));
            break;
        }
        open_ok++;
    }
    if (request)
        for (long i = 0; i < open_ok; i++)
            if (do_request(fds[i], &req, 10000) != 0)
                failed++;
    /* let the server settle (accept everything, free per-request state) */
    usleep(500000);
    /* check the connections are still open: no EOF pending */
    long alive = 0;
    for (long i = 0; i < open_ok; i++) {
        struct pollfd pfd = {.fd = fds[i], .events = POLLIN};
        if (poll(&pfd, 1, 0) == 0)
            alive++;
    }
    long after = pid ? proc_kb(pid, "VmRSS") : -1;
    long hwm = pid ? proc_kb(pid, "VmHWM") : -1;
    printf("idle n=%ld request=%d opened=%ld alive=%ld failed_requests=%ld rss_before_kb=%ld "
           "rss_after_kb=%ld vmhwm_kb=%ld per_conn_bytes=%.0f\n",
           n, request, open_ok, alive, failed, before, after, hwm,
           open_ok > 0 ? (double)(after - before) * 1024.0 / (double)open_ok : 0.0);
    fflush(stdout);
    if (hold > 0)
        sleep((unsigned)hold);
    for (long i = 0; i < open_ok; i++)
        close(fds[i]);
    free(fds);
    free(req.p);
    return (open_ok == n && alive == n && failed == 0) ? 0 : 1;
}

/* ---------------------------------------------------------------- */
/* load                                                              */
/* ---------------------------------------------------------------- */

struct lconn {
    int fd;
    size_t sent;           /* bytes of the request written */
    double start;          /* when the request's first byte went out */
    struct reply r;
    bool connected;
};

static int cmd_load(int argc, char **argv)
{
    const char *addr = NULL, *uri = "/hello";
    long conns = 0;
    double seconds = 0;
    bool reconnect = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc)
            addr = argv[++i];
        else if (strcmp(argv[i], "--close") == 0)
            reconnect = true;
        else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
            conns = atol(argv[++i]);
        else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc)
            uri = argv[++i];
        else
            usage();
    }
    if (addr == NULL || conns < 1 || seconds <= 0)
        usage();
    raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    parse_addr(addr);
    struct bytes req = build_request(uri, !reconnect);
    struct lconn *c = calloc((size_t)conns, sizeof *c);
    unsigned long *hist = calloc(LAT_BUCKETS + 1, sizeof *hist);
    if (c == NULL || hist == NULL)
        die("calloc");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    unsigned long requests = 0, errors = 0, non200 = 0;
    long live = 0;
    double t0 = now_us();
    for (long i = 0; i < conns; i++) {
        c[i].fd = connect_target(true);
        if (c[i].fd < 0) {
            errors++;
            continue;
        }
        c[i].start = now_us();
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = (uint64_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) < 0)
            die("epoll_ctl");
        live++;
    }
    double end = t0 + seconds * 1e6;
    struct epoll_event evs[256];
    unsigned char buf[16384];
    while (live > 0) {
        double now = now_us();
        if (now >= end)
            break;
        int k = epoll_wait(ep, evs, 256, (int)((end - now) / 1000) + 1);
        if (k < 0 && errno != EINTR)
            die("epoll_wait");
        for (int e = 0; e < k; e++) {
            struct lconn *x = &c[evs[e].data.u64];
            if (x->fd < 0)
                continue;
            bool dead = false;
            if ((evs[e].events & EPOLLOUT) && x->sent < req.len) {
                ssize_t w = write(x->fd, req.p + x->sent, req.len - x->sent);
                if (w > 0)
                    x->sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN)
                    dead = true;
                if (x->sent == req.len) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = evs[e].data.u64};
                    epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                }
            }
            if (!dead && (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
                ssize_t n = read(x->fd, buf, sizeof buf);
                if (n == 0 || (n < 0 && errno != EAGAIN)) {
                    dead = true;
                } else if (n > 0) {
                    size_t off = 0;
                    while (off < (size_t)n) {
                        size_t used;
                        int rc = reply_feed(&x->r, buf + off, (size_t)n - off, &used);
                        off += used;
                        if (rc < 0) {
                            dead = true;
                            break;
                        }
                        if (rc == 0)
                            break;
                        double t = now_us();
                        size_t b = (size_t)((t - x->start) / LAT_STEP_US);
                        hist[b > LAT_BUCKETS ? LAT_BUCKETS : b]++;
                        requests++;
                        if (!x->r.status_ok || app_status(&x->r) != 0)
                            non200++;
                        memset(&x->r, 0, sizeof x->r);
                        x->sent = 0;
                        x->start = t;
                        if (reconnect) {
                            /* as mod_fcgid: a new connection per request */
                            close(x->fd);
                            x->fd = connect_target(true);
                            if (x->fd < 0) {
                                dead = true;
                                break;
                            }
                            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
                                                     .data.u64 = evs[e].data.u64};
                            epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &ev);
                            break;
                        }
                        /* next request on the kept connection */
                        ssize_t w = write(x->fd, req.p, req.len);
                        if (w > 0)
                            x->sent = (size_t)w;
                        if (x->sent < req.len) {
                            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
                                                     .data.u64 = evs[e].data.u64};
                            epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                        }
                    }
                }
            }
            if (dead) {
                errors++;
                if (x->fd >= 0)
                    close(x->fd);
                x->fd = -1;
                live--;
            }
        }
    }
    double elapsed = (now_us() - t0) / 1e6;
    unsigned long p50 = 0, p99 = 0, acc = 0;
    bool got50 = false;
    for (size_t b = 0; b <= LAT_BUCKETS; b++) {
        acc += hist[b];
        if (!got50 && acc * 2 >= requests) {
            p50 = (unsigned long)(b * LAT_STEP_US + LAT_STEP_US / 2);
            got50 = true;
        }
        if (acc * 100 >= requests * 99) {
            p99 = (unsigned long)(b * LAT_STEP_US + LAT_STEP_US / 2);
            break;
        }
    }
    printf("load conns=%ld live=%ld requests=%lu errors=%lu non200=%lu seconds=%.2f rps=%.0f "
           "p50_us=%lu p99_us=%lu\n",
           conns, live, requests, errors, non200, elapsed, (double)requests / elapsed, p50, p99);
    for (long i = 0; i < conns; i++)
        if (c[i].fd >= 0)
            close(c[i].fd);
    close(ep);
    free(c);
    free(hist);
    free(req.p);
    return 0;
}

/* ---------------------------------------------------------------- */
/* get / post: one big transfer                                      */
/* ---------------------------------------------------------------- */

/* Reads records from fd until END_REQUEST; counts STDOUT content bytes and
 * keeps the last 63 of them in tail. Returns 0 or -1. */
struct sink {
    unsigned char hdr[8];
    size_t hdr_have, content_left, padding_left;
    int type;
    unsigned long long stdout_bytes;
    char first[16];
    size_t first_len;
    char tail[64];
    size_t tail_len;
    bool done;
};

static void sink_feed(struct sink *k, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && !k->done) {
        if (k->hdr_have < 8) {
            k->hdr[k->hdr_have++] = p[i++];
            if (k->hdr_have == 8) {
                k->type = k->hdr[1];
                k->content_left = ((size_t)k->hdr[4] << 8) | k->hdr[5];
                k->padding_left = k->hdr[6];
            }
        } else if (k->content_left > 0) {
            size_t take = n - i < k->content_left ? n - i : k->content_left;
            if (k->type == FCGI_STDOUT) {
                k->stdout_bytes += take;
                for (size_t j = 0; j < take && k->first_len < 11; j++)
                    k->first[k->first_len++] = (char)p[i + j];
                size_t keep = take < sizeof k->tail - 1 ? take : sizeof k->tail - 1;
                if (k->tail_len + keep > sizeof k->tail - 1) {
                    size_t drop = k->tail_len + keep - (sizeof k->tail - 1);
                    memmove(k->tail, k->tail + drop, k->tail_len - drop);
                    k->tail_len -= drop;
                }
                memcpy(k->tail + k->tail_len, p + i + take - keep, keep);
                k->tail_len += keep;
            }
            i += take;
            k->content_left -= take;
        } else if (k->padding_left > 0) {
            size_t take = n - i < k->padding_left ? n - i : k->padding_left;
            i += take;
            k->padding_left -= take;
        }
        if (k->hdr_have == 8 && k->content_left == 0 && k->padding_left == 0) {
            k->hdr_have = 0;
            if (k->type == FCGI_END_REQUEST)
                k->done = true;
        }
    }
}

static int cmd_transfer(int argc, char **argv, bool post)
{
    const char *addr = NULL, *uri = post ? "/upload" : "/hello";
    unsigned long long bytes = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc)
            addr = argv[++i];
        else if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc)
            uri = argv[++i];
        else if (post && strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
            bytes = strtoull(argv[++i], NULL, 10);
        else
            usage();
    }
    if (addr == NULL || (post && bytes == 0))
        usage();
    signal(SIGPIPE, SIG_IGN);
    parse_addr(addr);
    struct bytes req = build_request_full(uri, false, post ? "POST" : "GET", bytes, !post);
    enum { REC = 65528, BATCH = 16 };
    static unsigned char zero[REC];
    unsigned char hdrs[BATCH][8];
    size_t buf_size = 1u << 20;
    unsigned char *buf = malloc(buf_size);
    if (buf == NULL)
        die("malloc");
    double t0 = now_us();
    int fd = connect_target(false);
    if (fd < 0)
        die("connect");
    if (write_all(fd, req.p, req.len) < 0)
        die("write");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct sink k = {0};
    unsigned long long sent = 0;
    bool stdin_done = !post, end_queued = false;
    /* the iovec batch in flight and how much of it is written */
    struct iovec iov[2 * BATCH];
    int iovcnt = 0, iovpos = 0;
    while (!k.done) {
        if (!stdin_done && iovpos == iovcnt) {
            iovcnt = iovpos = 0;
            for (int b = 0; b < BATCH && !end_queued; b++) {
                size_t n = bytes - sent < REC ? (size_t)(bytes - sent) : REC;
                unsigned char h[8] = {FCGI_VERSION_1, FCGI_STDIN, 0, 1, (unsigned char)(n >> 8),
                                      (unsigned char)n, 0, 0};
                memcpy(hdrs[b], h, 8);
                iov[iovcnt++] = (struct iovec){hdrs[b], 8};
                if (n > 0)
                    iov[iovcnt++] = (struct iovec){zero, n};
                else
                    end_queued = true;   /* the empty STDIN record */
                sent += n;
            }
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN | (iovpos < iovcnt ? POLLOUT : 0)};
        if (poll(&pfd, 1, 60000) <= 0) {
            fprintf(stderr, "fcgi-load: transfer stalled for 60 s\n");
            return 1;
        }
        if (pfd.revents & POLLOUT) {
            ssize_t w = writev(fd, iov + iovpos, iovcnt - iovpos);
            if (w < 0 && errno != EAGAIN)
                die("writev");
            while (w > 0) {
                if ((size_t)w >= iov[iovpos].iov_len) {
                    w -= (ssize_t)iov[iovpos].iov_len;
                    iovpos++;
                } else {
                    iov[iovpos].iov_base = (char *)iov[iovpos].iov_base + w;
                    iov[iovpos].iov_len -= (size_t)w;
                    w = 0;
                }
            }
            if (iovpos == iovcnt && end_queued)
                stdin_done = true;
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(fd, buf, buf_size);
            if (n == 0) {
                fprintf(stderr, "fcgi-load: connection closed before END_REQUEST\n");
                return 1;
            }
            if (n < 0 && errno != EAGAIN)
                die("read");
            if (n > 0)
                sink_feed(&k, buf, (size_t)n);
        }
    }
    double secs = (now_us() - t0) / 1e6;
    close(fd);
    free(buf);
    free(req.p);
    k.tail[k.tail_len] = '\0';
    k.first[k.first_len] = '\0';
    while (k.tail_len > 0 && k.tail[k.tail_len - 1] == '\n')
        k.tail[--k.tail_len] = '\0';
    char *last = strrchr(k.tail, '\n');
    unsigned long long moved = post ? bytes : k.stdout_bytes;
    if (post)
        printf("post bytes=%llu seconds=%.3f gbps=%.2f status_ok=%d reply=%s\n", bytes, secs,
               (double)moved / secs / 1e9, strncmp(k.first, "Status: 200", 11) == 0,
               last ? last + 1 : k.tail);
    else
        printf("get stdout_bytes=%llu seconds=%.3f gbps=%.2f status_ok=%d\n", k.stdout_bytes, secs,
               (double)moved / secs / 1e9, strncmp(k.first, "Status: 200", 11) == 0);
    return strncmp(k.first, "Status: 200", 11) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(argv[1], "startup") == 0)
        return cmd_startup(argc - 2, argv + 2);
    if (strcmp(argv[1], "idle") == 0)
        return cmd_idle(argc - 2, argv + 2);
    if (strcmp(argv[1], "load") == 0)
        return cmd_load(argc - 2, argv + 2);
    if (strcmp(argv[1], "get") == 0)
        return cmd_transfer(argc - 2, argv + 2, false);
    if (strcmp(argv[1], "post") == 0)
        return cmd_transfer(argc - 2, argv + 2, true);
    usage();
}
