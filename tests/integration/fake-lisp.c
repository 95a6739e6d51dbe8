/* fake-lisp.c - stub mod_lisp backend with canned replies, for fault injection and benchmarks.
 * fcgi-lisp, MIT licence.
 *
 * Usage: fake-lisp --listen HOST:PORT | unix:/PATH | fd:N [--ready-file F]
 *                  [--log-memory]
 *
 * Standalone on purpose (libc only): it is the independent check of the
 * bridge's mod_lisp encoder and parser, so it shares no code with bridge/.
 * One forked child per connection; each child answers requests until EOF or
 * until it sent a reply without "Keep-Socket 1" (shared/reference/modlisp.md
 * §4). Replies are built in memory and written with one write loop, except
 * the bodies of /big and /bigstream, which are generated while they are
 * written; /upload hashes its body as it is read. Those three take constant
 * memory whatever the size, so a 1 GiB transfer measures the bridge, not
 * this stub. --log-memory logs each child's peak resident set (VmHWM) when
 * its connection ends: "fake-lisp: connection done requests=N vmhwm_kb=K".
 * With port 0 the kernel picks a port; the ready file then holds the real
 * address ("127.0.0.1:PORT" or "unix:/PATH", one line), written atomically
 * once the socket listens. fd:N accepts on descriptor N, a listening socket
 * bound by whoever started it (fcgi-lisp's bin-inherit-socket hands over
 * fd 0), and leaves it as it is at exit.
 *
 * Routes, by the "url" value up to '?':
 *   /hello /echo /upload /big?bytes=N /bigstream?bytes=N /cookies
 *   /status/NNN /redirect /log /die-before /die-mid /stall /slow?ms=N
 *   /garbage /crlf-inject /close-after /stats /whoami; anything else 404.
 * /whoami (and /whoami/ANYTHING) answers "whoami=SPEC" with the --listen SPEC,
 * so that a test with several fake-lisps sees which one served a request.
 * /stall sends a head announcing 1000 bytes and 10 of them, then nothing for
 * 3 s before it closes (the bridge's idle I/O timeout must end it first).
 * /big and /bigstream send bytes=N bytes where byte i is i % 251 (/big with
 * Content-Length and Keep-Socket 1, /bigstream without a length, closing);
 * /upload answers "sha256=HEX bytes=N" for the body it read. */
#include "config.h"

#include "sha256.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"

#define FAKE_MAX_LINE   65536           /* bytes per key or value line, LF excluded */
#define FAKE_MAX_PAIRS  1024            /* key/value pairs per request */
#define FAKE_MAX_BODY   (256u << 20)    /* request body bytes kept in memory (all but /upload) */
#define FAKE_MAX_BIG    (8ull << 30)    /* /big and /bigstream reply bytes: a typo guard only,
                                           the body is generated as it is written */
#define FAKE_PATTERN_PERIOD 251         /* /big pattern: byte i is i % 251 */

/* Counters shared by the listener and every connection child (anonymous
 * MAP_SHARED mapping, updated atomically). */
struct fake_stats {
    unsigned long connections; /* accepted by the listener */
    unsigned long requests;    /* complete request blocks read by children */
};

static struct fake_stats *fake_stats;   /* owned: mmap'ed in main */
static volatile sig_atomic_t fake_stop;
static bool fake_log_memory;            /* --log-memory */
static const char *fake_listen_spec;    /* borrowed from argv: --listen */

/* ------------------------------------------------------------------ */
/* Growable byte buffer                                                */
/* ------------------------------------------------------------------ */

struct bytes {
    char  *ptr;   /* owned; NULL while empty */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
};

static void bytes_reserve(struct bytes *b, size_t more)
{
    if (b->cap - b->len >= more)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < more)
        cap *= 2;
    char *p = realloc(b->ptr, cap);
    if (p == NULL) {
        fprintf(stderr, "fake-lisp: out of memory\n");
        _exit(1);
    }
    b->ptr = p;
    b->cap = cap;
}

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
    bytes_reserve(b, n);
    if (n)
        memcpy(b->ptr + b->len, data, n);
    b->len += n;
}

static void bytes_str(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void bytes_printf(struct bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    bytes_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* One mod_lisp pair: "key\nvalue\n" (no escaping exists, modlisp.md §2). */
static void bytes_pair(struct bytes *b, const char *key, const char *value)
{
    bytes_str(b, key);
    bytes_str(b, "\n");
    bytes_str(b, value);
    bytes_str(b, "\n");
}

/* ------------------------------------------------------------------ */
/* Socket I/O                                                          */
/* ------------------------------------------------------------------ */

/* Buffered reader over one connection. */
struct reader {
    int    fd;
    char   buf[65536];
    size_t pos, len;   /* unread bytes are buf[pos..len) */
};

/* Refills an empty buffer; returns false on EOF or error. */
static bool reader_fill(struct reader *r)
{
    if (r->pos < r->len)
        return true;
    ssize_t n;
    do {
        n = read(r->fd, r->buf, sizeof r->buf);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        return false;
    r->pos = 0;
    r->len = (size_t)n;
    return true;
}

/* Returns the next byte, or -1 on EOF or error. */
static int reader_byte(struct reader *r)
{
    if (!reader_fill(r))
        return -1;
    return (unsigned char)r->buf[r->pos++];
}

/* Points *p at the next at most max buffered bytes (valid until the next
 * reader call) and consumes them. Returns their count, 0 on EOF or error. */
static size_t reader_chunk(struct reader *r, const char **p, size_t max)
{
    if (!reader_fill(r))
        return 0;
    size_t n = r->len - r->pos < max ? r->len - r->pos : max;
    *p = r->buf + r->pos;
    r->pos += n;
    return n;
}

/* Reads one line up to LF (LF dropped, every other byte kept, CR included:
 * the echo must show exactly what the bridge sent). Returns a malloc'ed
 * NUL-terminated string, or NULL on EOF, error or a line over FAKE_MAX_LINE. */
static char *reader_line(struct reader *r)
{
    struct bytes line = {0};
    for (;;) {
        int c = reader_byte(r);
        if (c < 0 || line.len >= FAKE_MAX_LINE) {
            free(line.ptr);
            return NULL;
        }
        if (c == '\n')
            break;
        char ch = (char)c;
        bytes_add(&line, &ch, 1);
    }
    bytes_add(&line, "", 1);
    return line.ptr;
}

/* Reads exactly n bytes into dst; returns 0, or -1 on EOF or error. */
static int reader_exact(struct reader *r, char *dst, size_t n)
{
    while (n > 0) {
        const char *p;
        size_t got = reader_chunk(r, &p, n);
        if (got == 0)
            return -1;
        memcpy(dst, p, got);
        dst += got;
        n -= got;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

struct request {
    char    *key[FAKE_MAX_PAIRS];   /* owned, in arrival order */
    char    *value[FAKE_MAX_PAIRS]; /* owned */
    size_t   npairs;
    char    *path;                  /* owned: "url" up to '?' ("" when none) */
    uint64_t content_length;        /* body bytes announced by content-length */
    char    *body;                  /* owned; NULL when empty or only hashed */
    size_t   body_len;              /* bytes in body */
    char     body_sha256[65];       /* /upload: hex digest of the body, hashed as read */
};

static void request_clear(struct request *rq)
{
    for (size_t i = 0; i < rq->npairs; i++) {
        free(rq->key[i]);
        free(rq->value[i]);
    }
    free(rq->path);
    free(rq->body);
    memset(rq, 0, sizeof *rq);
}

/* First value whose key equals name case-insensitively (CLM's assoc), or NULL. */
static const char *request_get(const struct request *rq, const char *name)
{
    for (size_t i = 0; i < rq->npairs; i++)
        if (strcasecmp(rq->key[i], name) == 0)
            return rq->value[i];
    return NULL;
}

/* Reads one request block and its content-length value (not the body).
 * Returns 0, 1 on EOF before the first byte of a request, -1 on malformed
 * input (logged). */
static int request_read(struct reader *r, struct request *rq)
{
    memset(rq, 0, sizeof *rq);
    for (;;) {
        char *key = reader_line(r);
        if (key == NULL)
            return rq->npairs == 0 ? 1 : -1;
        if (strcmp(key, "end") == 0) {
            free(key);
            break;
        }
        char *value = reader_line(r);
        if (value == NULL || rq->npairs == FAKE_MAX_PAIRS) {
            fprintf(stderr, "fake-lisp: truncated request or too many pairs\n");
            free(key);
            free(value);
            return -1;
        }
        rq->key[rq->npairs] = key;
        rq->value[rq->npairs] = value;
        rq->npairs++;
    }
    const char *url = request_get(rq, "url");
    url = url ? url : "";
    rq->path = strndup(url, strcspn(url, "?"));
    if (rq->path == NULL)
        _exit(1);
    const char *cl = request_get(rq, "content-length");
    if (cl == NULL || *cl == '\0')
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno != 0 || *end != '\0' || cl[0] == '-') {
        fprintf(stderr, "fake-lisp: bad content-length '%s'\n", cl);
        return -1;
    }
    rq->content_length = n;
    return 0;
}

/* Reads the content-length body: /upload hashes it while reading it (any
 * size, constant memory), every other route gets it in rq->body (at most
 * FAKE_MAX_BODY). Returns 0, or -1 on a short or oversized body (logged). */
static int request_read_body(struct reader *r, struct request *rq)
{
    uint64_t n = rq->content_length;
    if (strcmp(rq->path, "/upload") == 0) {
        struct sha256 sha;
        sha256_init(&sha);
        uint64_t left = n;
        while (left > 0) {
            const char *p;
            size_t got = reader_chunk(r, &p, left < SIZE_MAX ? (size_t)left : SIZE_MAX);
            if (got == 0)
                break;
            sha256_update(&sha, p, got);
            left -= got;
        }
        if (left > 0) {
            fprintf(stderr, "fake-lisp: body shorter than content-length %" PRIu64
                    " (%" PRIu64 " bytes)\n", n, n - left);
            return -1;
        }
        sha256_final_hex(&sha, rq->body_sha256);
        return 0;
    }
    if (n > FAKE_MAX_BODY) {
        fprintf(stderr, "fake-lisp: bad content-length '%" PRIu64 "'\n", n);
        return -1;
    }
    if (n == 0)
        return 0;
    rq->body = malloc((size_t)n);
    if (rq->body == NULL)
        return -1;
    rq->body_len = (size_t)n;
    if (reader_exact(r, rq->body, rq->body_len) < 0) {
        fprintf(stderr, "fake-lisp: body shorter than content-length %" PRIu64 "\n", n);
        return -1;
    }
    return 0;
}

/* Value of query parameter name in "a=1&b=2" as an unsigned number, or dflt. */
static unsigned long long query_number(const char *query, const char *name,
                                       unsigned long long dflt)
{
    size_t nlen = strlen(name);
    for (const char *p = query; p && *p; ) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=')
            return strtoull(p + nlen + 1, NULL, 10);
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return dflt;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

/* What the connection does after a reply was written. */
enum after {
    AFTER_KEEP,
    AFTER_CLOSE,
    AFTER_STALL, /* hold the connection silent for FAKE_STALL_MS, then close */
};
#define FAKE_STALL_MS 3000

/* Appends a complete reply with a Content-Length (and Keep-Socket 1 when
 * keep) and the body. */
static void reply_simple(struct bytes *out, const char *status, const char *extra_pairs,
                         const char *body, size_t body_len, bool keep)
{
    bytes_pair(out, "Status", status);
    bytes_pair(out, "Content-Type", "text/plain");
    bytes_str(out, extra_pairs);
    bytes_printf(out, "Content-Length\n%zu\n", body_len);
    if (keep)
        bytes_pair(out, "Keep-Socket", "1");
    bytes_str(out, "end\n");
    bytes_add(out, body, body_len);
}

static void reply_text(struct bytes *out, const char *status, const char *body)
{
    reply_simple(out, status, "", body, strlen(body), true);
}

/* Appends n bytes of the /big pattern: byte i is i % 251. */
static void pattern_add(struct bytes *out, unsigned long long n)
{
    bytes_reserve(out, (size_t)n);
    for (unsigned long long i = 0; i < n; i++)
        out->ptr[out->len + i] = (char)(i % FAKE_PATTERN_PERIOD);
    out->len += (size_t)n;
}

/* Writes n bytes of the /big pattern from a fixed block, as slices that
 * start at the right phase: memory stays constant whatever n is. Returns 0,
 * or -1 when the peer is gone. */
static int pattern_write(int fd, unsigned long long n)
{
    enum { PERIODS = 256 };
    static char block[FAKE_PATTERN_PERIOD * (PERIODS + 1)];   /* one phase more than written */
    static bool block_ready;
    if (!block_ready) {
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = (char)(i % FAKE_PATTERN_PERIOD);
        block_ready = true;
    }
    for (unsigned long long off = 0; off < n; ) {
        size_t phase = (size_t)(off % FAKE_PATTERN_PERIOD);
        size_t len = FAKE_PATTERN_PERIOD * PERIODS;
        if (n - off < len)
            len = (size_t)(n - off);
        if (fdio_write_all(fd, block + phase, len) < 0)
            return -1;
        off += len;
    }
    return 0;
}

static void sleep_ms(unsigned long long ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Builds the reply to rq in out; returns whether the socket stays open.
 * Routes that must write in stages (die-mid) or not at all do it here;
 * *pattern is set to the number of /big pattern bytes to write after out. */
static enum after route(const struct request *rq, struct bytes *out, unsigned long long *pattern)
{
    const char *url = request_get(rq, "url");
    if (url == NULL)
        url = "";
    const char *q = strchr(url, '?');
    const char *path = rq->path;
    const char *query = q ? q + 1 : "";
    enum after after = AFTER_KEEP;
    *pattern = 0;

    if (strcmp(path, "/hello") == 0) {
        reply_text(out, "200 OK", "hello from fake-lisp\n");
    } else if (strcmp(path, "/echo") == 0) {
        struct bytes body = {0};
        for (size_t i = 0; i < rq->npairs; i++)
            bytes_printf(&body, "%s: %s\n", rq->key[i], rq->value[i]);
        bytes_add(&body, rq->body, rq->body_len);
        reply_simple(out, "200 OK", "", body.ptr, body.len, true);
        free(body.ptr);
    } else if (strcmp(path, "/upload") == 0) {
        char text[128];
        snprintf(text, sizeof text, "sha256=%s bytes=%" PRIu64 "\n", rq->body_sha256,
                 rq->content_length);
        reply_text(out, "200 OK", text);
    } else if (strcmp(path, "/big") == 0 || strcmp(path, "/bigstream") == 0) {
        unsigned long long n = query_number(query, "bytes", 0);
        if (n > FAKE_MAX_BIG)
            n = FAKE_MAX_BIG;
        bytes_pair(out, "Status", "200 OK");
        bytes_pair(out, "Content-Type", "application/octet-stream");
        if (strcmp(path, "/big") == 0) {
            bytes_printf(out, "Content-Length\n%llu\nKeep-Socket\n1\n", n);
        } else {
            bytes_pair(out, "Keep-Socket", "0");
            after = AFTER_CLOSE;
        }
        bytes_str(out, "end\n");
        *pattern = n;
    } else if (strcmp(path, "/cookies") == 0) {
        reply_simple(out, "200 OK", "Set-Cookie\na=1; Path=/\nSet-Cookie\nb=2; Path=/\n",
                     "cookies\n", 8, true);
    } else if (strncmp(path, "/status/", 8) == 0) {
        char text[256];
        snprintf(text, sizeof text, "status %s\n", path + 8);
        reply_simple(out, path + 8, "", text, strlen(text), true);
    } else if (strcmp(path, "/redirect") == 0) {
        bytes_str(out, "Status\n302 Found\nLocation\n/hello\nContent-Length\n0\n"
                       "Keep-Socket\n1\nend\n");
    } else if (strcmp(path, "/log") == 0) {
        reply_simple(out, "200 OK", "Log-Error\nfake-lisp log line\nNote\nfake-lisp note\n",
                     "logged\n", 7, true);
    } else if (strcmp(path, "/die-before") == 0) {
        after = AFTER_CLOSE;
    } else if (strcmp(path, "/die-mid") == 0) {
        bytes_str(out, "Status\n200 OK\nContent-Type\napplication/octet-stream\n"
                       "Content-Length\n100000\nKeep-Socket\n1\nend\n");
        pattern_add(out, 1000);
        after = AFTER_CLOSE;
    } else if (strcmp(path, "/stall") == 0) {
        bytes_str(out, "Status\n200 OK\nContent-Type\napplication/octet-stream\n"
                       "Content-Length\n1000\nend\n");
        pattern_add(out, 10);
        after = AFTER_STALL;
    } else if (strcmp(path, "/slow") == 0) {
        sleep_ms(query_number(query, "ms", 0));
        reply_text(out, "200 OK", "slow\n");
    } else if (strcmp(path, "/garbage") == 0) {
        bytes_str(out, "this is not mod_lisp\n");
        after = AFTER_CLOSE;
    } else if (strcmp(path, "/crlf-inject") == 0) {
        reply_simple(out, "200 OK", "X-Evil\na\rSet-Cookie: pwned=1\n", "crlf\n", 5, true);
    } else if (strcmp(path, "/close-after") == 0) {
        reply_text(out, "200 OK", "close-after\n");
        after = AFTER_CLOSE;
    } else if (strncmp(path, "/whoami", 7) == 0) {
        char text[256];
        snprintf(text, sizeof text, "whoami=%s\n", fake_listen_spec);
        reply_text(out, "200 OK", text);
    } else if (strcmp(path, "/stats") == 0) {
        char text[128];
        snprintf(text, sizeof text, "connections=%lu requests=%lu\n",
                 __atomic_load_n(&fake_stats->connections, __ATOMIC_SEQ_CST),
                 __atomic_load_n(&fake_stats->requests, __ATOMIC_SEQ_CST));
        reply_text(out, "200 OK", text);
    } else {
        reply_text(out, "404 Not Found", "not found\n");
    }
    return after;
}

/* Logs this process's peak resident set (VmHWM, Linux /proc). */
static void log_memory(unsigned long requests)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    fprintf(stderr, "fake-lisp: connection done requests=%lu vmhwm_kb=%ld\n", requests, kb);
}

/* Serves one connection until EOF, an error or a reply that closes;
 * returns the number of requests read. */
static unsigned long serve_connection(int fd)
{
    unsigned long requests = 0;
    struct reader *r = calloc(1, sizeof *r);
    struct request *rq = calloc(1, sizeof *rq);
    if (r == NULL || rq == NULL)
        _exit(1);
    r->fd = fd;
    for (;;) {
        int rc = request_read(r, rq);
        if (rc == 0)
            rc = request_read_body(r, rq);
        if (rc != 0) {
            request_clear(rq);
            break;
        }
        __atomic_add_fetch(&fake_stats->requests, 1, __ATOMIC_SEQ_CST);
        requests++;
        struct bytes out = {0};
        unsigned long long pattern;
        enum after after = route(rq, &out, &pattern);
        int wrc = fdio_write_all(fd, out.ptr, out.len);
        if (wrc == 0 && pattern > 0)
            wrc = pattern_write(fd, pattern);
        free(out.ptr);
        request_clear(rq);
        if (wrc == 0 && after == AFTER_STALL)
            sleep_ms(FAKE_STALL_MS);
        if (wrc < 0 || after != AFTER_KEEP)
            break;
    }
    free(r);
    free(rq);
    close(fd);
    return requests;
}

/* ------------------------------------------------------------------ */
/* Listener                                                            */
/* ------------------------------------------------------------------ */

static void on_term(int sig)
{
    fake_stop = 1;
}

/* spec "fd:N": descriptor N, which must be a listening socket. */
static int listen_inherited(const char *spec, char *bound, size_t n)
{
    char *end;
    long fd = strtol(spec + 3, &end, 10);
    int listening = 0;
    socklen_t len = sizeof listening;
    if (end == spec + 3 || *end != '\0' || fd < 0 || fd > INT_MAX ||
        getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening) {
        fprintf(stderr, "fake-lisp: %s is not a listening socket\n", spec);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t slen = sizeof ss;
    char h[NI_MAXHOST], p[NI_MAXSERV];
    if (getsockname((int)fd, (struct sockaddr *)&ss, &slen) < 0) {
        fprintf(stderr, "fake-lisp: getsockname: %s\n", strerror(errno));
        return -1;
    }
    if (ss.ss_family == AF_UNIX)
        snprintf(bound, n, "unix:%s", ((struct sockaddr_un *)&ss)->sun_path);
    else if (getnameinfo((struct sockaddr *)&ss, slen, h, sizeof h, p, sizeof p,
                         NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        snprintf(bound, n, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
    else
        snprintf(bound, n, "%s", spec);
    return (int)fd;
}

/* Binds and listens on spec. Writes the bound address in canonical form to
 * bound (size n). Returns the fd, or -1 after printing why. */
static int listen_on(const char *spec, char *bound, size_t n)
{
    if (strncmp(spec, "fd:", 3) == 0)
        return listen_inherited(spec, bound, n);
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        const char *path = spec + 5;
        if (strlen(path) >= sizeof sun.sun_path) {
            fprintf(stderr, "fake-lisp: unix path too long: %s\n", path);
            return -1;
        }
        strcpy(sun.sun_path, path);
        unlink(path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(fd, 128) < 0) {
            fprintf(stderr, "fake-lisp: listen on %s: %s\n", spec, strerror(errno));
            return -1;
        }
        snprintf(bound, n, "%s", spec);
        return fd;
    }
    const char *colon = strrchr(spec, ':');
    if (colon == NULL) {
        fprintf(stderr, "fake-lisp: address must be HOST:PORT or unix:/PATH: %s\n", spec);
        return -1;
    }
    char *host = strndup(spec, (size_t)(colon - spec));
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *ai = NULL;
    int grc = getaddrinfo(host, colon + 1, &hints, &ai);
    free(host);
    if (grc != 0) {
        fprintf(stderr, "fake-lisp: %s: %s\n", spec, gai_strerror(grc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
        fprintf(stderr, "fake-lisp: listen on %s: %s\n", spec, strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t slen = sizeof ss;
    char h[NI_MAXHOST], p[NI_MAXSERV];
    if (getsockname(fd, (struct sockaddr *)&ss, &slen) < 0 ||
        getnameinfo((struct sockaddr *)&ss, slen, h, sizeof h, p, sizeof p,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        fprintf(stderr, "fake-lisp: getsockname: %s\n", strerror(errno));
        return -1;
    }
    snprintf(bound, n, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
    return fd;
}

/* Writes "text\n" to path atomically (temporary file, then rename). */
static int ready_file_write(const char *path, const char *text)
{
    size_t len = strlen(path) + 16;
    char *tmp = malloc(len);
    if (tmp == NULL)
        return -1;
    snprintf(tmp, len, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f != NULL) {
        int prc = fprintf(f, "%s\n", text);
        if (fclose(f) == 0 && prc > 0 && rename(tmp, path) == 0)
            rc = 0;
    }
    if (rc < 0)
        fprintf(stderr, "fake-lisp: cannot write %s: %s\n", path, strerror(errno));
    free(tmp);
    return rc;
}

__attribute__((noreturn))
static void usage(void)
{
    fprintf(stderr, "usage: fake-lisp --listen HOST:PORT|unix:/PATH|fd:N [--ready-file FILE]"
                    " [--log-memory]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *listen_spec = NULL, *ready_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            fake_listen_spec = listen_spec = argv[++i];
        else if (strcmp(argv[i], "--ready-file") == 0 && i + 1 < argc)
            ready_file = argv[++i];
        else if (strcmp(argv[i], "--log-memory") == 0)
            fake_log_memory = true;
        else
            usage();
    }
    if (listen_spec == NULL)
        usage();

    fake_stats = mmap(NULL, sizeof *fake_stats, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fake_stats == MAP_FAILED) {
        fprintf(stderr, "fake-lisp: mmap: %s\n", strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);   /* children are reaped by the kernel */
    struct sigaction sa = { .sa_handler = on_term };   /* no SA_RESTART: accept() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    char bound[512];
    int lfd = listen_on(listen_spec, bound, sizeof bound);
    if (lfd < 0)
        return 1;
    if (ready_file != NULL && ready_file_write(ready_file, bound) < 0)
        return 1;
    fprintf(stderr, "fake-lisp: listening on %s\n", bound);

    pid_t parent = getpid();
    while (!fake_stop) {
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                fprintf(stderr, "fake-lisp: accept: %s\n", strerror(errno));
            continue;
        }
        __atomic_add_fetch(&fake_stats->connections, 1, __ATOMIC_SEQ_CST);
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            prctl(PR_SET_PDEATHSIG, SIGTERM);   /* die with the listener */
            if (getppid() != parent)
                _exit(0);
            close(lfd);
            unsigned long requests = serve_connection(cfd);
            if (fake_log_memory)
                log_memory(requests);
            _exit(0);
        }
        if (pid < 0)
            fprintf(stderr, "fake-lisp: fork: %s\n", strerror(errno));
        close(cfd);
    }
    close(lfd);
    if (strncmp(listen_spec, "unix:", 5) == 0)
        unlink(listen_spec + 5);
    fprintf(stderr, "fake-lisp: stopped\n");
    return 0;
}
