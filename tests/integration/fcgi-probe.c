/* fcgi-probe.c - FastCGI test client: requests, management records and protocol faults.
 * fcgi-lisp, MIT licence.
 *
 * Standalone on purpose (libc only): it is the independent check of the
 * bridge's FastCGI codec, so it shares no code with bridge/. Records are built
 * by hand from the FastCGI 1.0 specification (shared/reference/fastcgi.md §1).
 *
 * Usage: fcgi-probe --connect HOST:PORT|unix:/PATH [options] MODE [ARGS]
 * Modes:
 *   request            one request (or --count K on one --keep-conn connection);
 *                      STDOUT bytes to stdout, STDERR bytes to stderr, then on
 *                      stderr "fcgi-probe: end app_status=N protocol_status=N"
 *   get-values NAME... GET_VALUES; prints NAME=VALUE per pair of the result
 *   unknown-type       management record of type 42; prints "unknown-type type=T"
 *   role N             BEGIN_REQUEST with role N; prints "end protocol_status=P"
 *   mpx K              K interleaved requests (ids 1..K) on one connection
 *   idle SECONDS       connects, sends nothing, holds the connection
 *   bad-version        a record with version 2; prints "closed" or "open" (2 s)
 *   abort              /slow?ms=2000, then ABORT_REQUEST; prints the END_REQUEST
 * Options:
 *   --keep-conn --id N --uri /path?query --param NAME=VALUE (NAME alone: drop it)
 *   --stdin-file F --stdin-string S --no-content-length --split N --count K
 *   --record-size N (max content bytes per PARAMS/STDIN record, default 65535)
 *   --no-padding (default pads records to 8 bytes, as nginx does) --timeout S
 * Exit: 0 done (request: END_REQUEST received), 1 connection closed early,
 * I/O error or timeout, 2 usage. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* FastCGI 1.0 constants (spec §8). */
#define FCGI_VERSION_1          1
#define FCGI_HEADER_LEN         8
#define FCGI_BEGIN_REQUEST      1
#define FCGI_ABORT_REQUEST      2
#define FCGI_END_REQUEST        3
#define FCGI_PARAMS             4
#define FCGI_STDIN              5
#define FCGI_STDOUT             6
#define FCGI_STDERR             7
#define FCGI_GET_VALUES         9
#define FCGI_GET_VALUES_RESULT  10
#define FCGI_UNKNOWN_TYPE       11
#define FCGI_RESPONDER          1
#define FCGI_KEEP_CONN          1
#define FCGI_MAX_CONTENT        65535

#define PROBE_MAX_PARAMS        256

/* ------------------------------------------------------------------ */
/* Options and small helpers                                           */
/* ------------------------------------------------------------------ */

struct probe_opts {
    const char *connect;            /* borrowed from argv */
    bool        keep_conn;
    unsigned    id;                 /* request id, 1..65535 */
    const char *uri;                /* borrowed; REQUEST_URI */
    const char *param_name[PROBE_MAX_PARAMS];  /* borrowed/owned by main: the --param list */
    const char *param_value[PROBE_MAX_PARAMS]; /* NULL = drop the param */
    size_t      nparams;
    char       *stdin_data;         /* owned; NULL when no body */
    size_t      stdin_len;
    bool        stdin_given;
    bool        no_content_length;
    size_t      split;              /* 0 = one write, else pieces of this size */
    unsigned    count;              /* sequential requests on one connection */
    size_t      record_size;        /* max content per stream record */
    bool        padding;            /* pad records to a multiple of 8 */
    unsigned    timeout;            /* seconds */
};

/* Growable byte buffer. */
struct bytes {
    uint8_t *ptr;   /* owned; NULL while empty */
    size_t   len;
    size_t   cap;
};

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *p = realloc(b->ptr, cap);
        if (p == NULL) {
            fprintf(stderr, "fcgi-probe: out of memory\n");
            exit(1);
        }
        b->ptr = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->ptr + b->len, data, n);
    b->len += n;
}

__attribute__((noreturn))
static void usage(void)
{
    fprintf(stderr,
            "usage: fcgi-probe --connect HOST:PORT|unix:/PATH [options] MODE [ARGS]\n"
            "modes: request | get-values NAME... | unknown-type | role N | mpx K |\n"
            "       idle SECONDS | bad-version | abort\n"
            "options: --keep-conn --id N --uri URI --param NAME[=VALUE] --stdin-file F\n"
            "         --stdin-string S --no-content-length --split N --count K\n"
            "         --record-size N --no-padding --timeout SECONDS\n");
    exit(2);
}

/* Parses a decimal number in [min, max] or exits with usage. */
static unsigned long parse_number(const char *s, unsigned long min, unsigned long max)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "fcgi-probe: bad number '%s'\n", s);
        usage();
    }
    return v;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static void on_alarm(int sig)
{
    static const char msg[] = "fcgi-probe: timeout\n";
    ssize_t rc = write(2, msg, sizeof msg - 1);
    (void)rc;
    _exit(1);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fcgi-probe: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    struct bytes b = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        bytes_add(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return (char *)b.ptr;
}

/* ------------------------------------------------------------------ */
/* Socket I/O                                                          */
/* ------------------------------------------------------------------ */

/* Connects to HOST:PORT, [V6]:PORT or unix:/PATH; exits 1 on failure. */
static int probe_connect(const char *spec)
{
    int fd = -1;
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        if (strlen(spec + 5) >= sizeof sun.sun_path) {
            fprintf(stderr, "fcgi-probe: unix path too long\n");
            exit(2);
        }
        strcpy(sun.sun_path, spec + 5);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
            return fd;
    } else {
        const char *colon = strrchr(spec, ':');
        if (colon == NULL)
            usage();
        char *host = strndup(spec, (size_t)(colon - spec));
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
            memmove(host, host + 1, strlen(host));
            host[strlen(host) - 1] = '\0';
        }
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                  .ai_flags = AI_NUMERICSERV };
        struct addrinfo *ai = NULL;
        int grc = getaddrinfo(host, colon + 1, &hints, &ai);
        free(host);
        if (grc != 0) {
            fprintf(stderr, "fcgi-probe: %s: %s\n", spec, gai_strerror(grc));
            exit(1);
        }
        fd = socket(ai->ai_family, SOCK_STREAM, 0);
        int crc = fd >= 0 ? connect(fd, ai->ai_addr, ai->ai_addrlen) : -1;
        freeaddrinfo(ai);
        if (crc == 0)
            return fd;
    }
    fprintf(stderr, "fcgi-probe: connect %s: %s\n", spec, strerror(errno));
    exit(1);
}

/* Writes all bytes, in pieces of split bytes with a 2 ms pause between them
 * when split > 0. Returns 0, or -1 when the peer is gone (EPIPE/ECONNRESET). */
static int send_bytes(int fd, const uint8_t *p, size_t n, size_t split)
{
    while (n > 0) {
        size_t piece = split && split < n ? split : n;
        size_t done = 0;
        while (done < piece) {
            ssize_t w = send(fd, p + done, piece - done, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                fprintf(stderr, "fcgi-probe: write: %s\n", strerror(errno));
                return -1;
            }
            done += (size_t)w;
        }
        p += piece;
        n -= piece;
        if (split && n > 0)
            sleep_ms(2);
    }
    return 0;
}

/* Reads exactly n bytes. Returns 0, or -1 on EOF or error. */
static int recv_exact(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_out(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */
/* ------------------------------------------------------------------ */

/* One received record; content is owned by the caller's buffer. */
struct record {
    unsigned type;
    unsigned id;
    size_t   len;
    uint8_t  content[FCGI_MAX_CONTENT];
};

/* Appends one record: header (spec §3.3), content, padding to 8 when pad. */
static void record_add(struct bytes *out, unsigned version, unsigned type, unsigned id,
                       const void *content, size_t len, bool pad)
{
    size_t padlen = pad ? (8 - len % 8) % 8 : 0;
    uint8_t h[FCGI_HEADER_LEN] = {
        (uint8_t)version, (uint8_t)type, (uint8_t)(id >> 8), (uint8_t)id,
        (uint8_t)(len >> 8), (uint8_t)len, (uint8_t)padlen, 0,
    };
    static const uint8_t zeros[8];
    bytes_add(out, h, sizeof h);
    bytes_add(out, content, len);
    bytes_add(out, zeros, padlen);
}

/* Appends a whole stream: records of at most max bytes, then the empty record
 * that ends the stream (spec §3.3, "Types of Record Types"). */
static void stream_add(struct bytes *out, unsigned type, unsigned id, const uint8_t *data,
                       size_t len, size_t max, bool pad)
{
    for (size_t off = 0; off < len; off += max) {
        size_t n = len - off < max ? len - off : max;
        record_add(out, FCGI_VERSION_1, type, id, data + off, n, pad);
    }
    record_add(out, FCGI_VERSION_1, type, id, NULL, 0, pad);
}

static void begin_add(struct bytes *out, unsigned id, unsigned role, bool keep_conn, bool pad)
{
    uint8_t body[8] = { (uint8_t)(role >> 8), (uint8_t)role,
                        keep_conn ? FCGI_KEEP_CONN : 0, 0, 0, 0, 0, 0 };
    record_add(out, FCGI_VERSION_1, FCGI_BEGIN_REQUEST, id, body, sizeof body, pad);
}

/* Appends a name-value pair length: 1 byte up to 127, else 4 bytes with the
 * high bit set (spec §3.4). */
static void pair_length_add(struct bytes *out, size_t n)
{
    if (n <= 127) {
        uint8_t b = (uint8_t)n;
        bytes_add(out, &b, 1);
    } else {
        uint8_t b[4] = { (uint8_t)(0x80 | (n >> 24)), (uint8_t)(n >> 16),
                         (uint8_t)(n >> 8), (uint8_t)n };
        bytes_add(out, b, 4);
    }
}

static void pair_add(struct bytes *out, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    pair_length_add(out, nl);
    pair_length_add(out, vl);
    bytes_add(out, name, nl);
    bytes_add(out, value, vl);
}

/* Decodes one pair length at *p (bounded by end); returns -1 when truncated. */
static long pair_length_get(const uint8_t **p, const uint8_t *end)
{
    if (*p >= end)
        return -1;
    if (!(**p & 0x80))
        return *(*p)++;
    if (end - *p < 4)
        return -1;
    long n = (long)((*p)[0] & 0x7f) << 24 | (long)(*p)[1] << 16 | (long)(*p)[2] << 8 | (*p)[3];
    *p += 4;
    return n;
}

/* Reads one record, skipping its padding. Returns 0, -1 on EOF or error,
 * -2 on a version other than 1 (both reported on stderr). */
static int record_read(int fd, struct record *rec)
{
    uint8_t h[FCGI_HEADER_LEN], pad[255];
    if (recv_exact(fd, h, sizeof h) < 0)
        return -1;
    if (h[0] != FCGI_VERSION_1) {
        fprintf(stderr, "fcgi-probe: record with version %u\n", h[0]);
        return -2;
    }
    rec->type = h[1];
    rec->id = (unsigned)h[2] << 8 | h[3];
    rec->len = (size_t)h[4] << 8 | h[5];
    if (recv_exact(fd, rec->content, rec->len) < 0 || recv_exact(fd, pad, h[6]) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */
/* ------------------------------------------------------------------ */

/* Appends BEGIN_REQUEST, the PARAMS stream and, when with_stdin, the STDIN
 * stream of one responder request with id. */
static void request_add(struct bytes *out, const struct probe_opts *o, unsigned id,
                        const char *uri, bool with_stdin)
{
    const char *q = strchr(uri, '?');
    char *script = strndup(uri, q ? (size_t)(q - uri) : strlen(uri));
    char clen[32];
    snprintf(clen, sizeof clen, "%zu", o->stdin_len);

    const char *name[PROBE_MAX_PARAMS + 16], *value[PROBE_MAX_PARAMS + 16];
    size_t n = 0;
#define PROBE_DEFAULT(N, V) (name[n] = (N), value[n] = (V), n++)
    PROBE_DEFAULT("REQUEST_METHOD", o->stdin_given ? "POST" : "GET");
    PROBE_DEFAULT("REQUEST_URI", uri);
    PROBE_DEFAULT("SCRIPT_NAME", script);
    PROBE_DEFAULT("QUERY_STRING", q ? q + 1 : "");
    PROBE_DEFAULT("SERVER_PROTOCOL", "HTTP/1.1");
    PROBE_DEFAULT("SERVER_ADDR", "127.0.0.1");
    PROBE_DEFAULT("SERVER_PORT", "80");
    PROBE_DEFAULT("REMOTE_ADDR", "127.0.0.1");
    PROBE_DEFAULT("REMOTE_PORT", "54321");
    PROBE_DEFAULT("SERVER_SOFTWARE", "fcgi-probe");
    if (!o->no_content_length)
        PROBE_DEFAULT("CONTENT_LENGTH", clen);
    PROBE_DEFAULT("HTTP_HOST", "localhost");
#undef PROBE_DEFAULT
    /* --param replaces the first param of that name, or adds one; a NULL
     * value drops it. */
    for (size_t i = 0; i < o->nparams; i++) {
        size_t j = 0;
        while (j < n && (name[j] == NULL || strcmp(name[j], o->param_name[i]) != 0))
            j++;
        if (j == n) {
            name[n] = o->param_name[i];
            n++;
        }
        value[j] = o->param_value[i];
        if (value[j] == NULL)
            name[j] = NULL;
    }
    struct bytes params = {0};
    for (size_t i = 0; i < n; i++)
        if (name[i] != NULL)
            pair_add(&params, name[i], value[i]);

    begin_add(out, id, FCGI_RESPONDER, o->keep_conn, o->padding);
    stream_add(out, FCGI_PARAMS, id, params.ptr, params.len, o->record_size, o->padding);
    if (with_stdin)
        stream_add(out, FCGI_STDIN, id, (const uint8_t *)o->stdin_data, o->stdin_len,
                   o->record_size, o->padding);
    free(params.ptr);
    free(script);
}

/* Result of reading the replies to the requests on a connection. */
struct reply {
    bool          ended;        /* END_REQUEST received */
    unsigned long app_status;
    unsigned      protocol_status;
    struct bytes  out;          /* STDOUT bytes when collected */
};

/* Reads records until every id in [first, first+n) has its END_REQUEST.
 * STDOUT goes to fd 1 when collect is false, else into replies[id-first].out;
 * STDERR goes to fd 2. Returns 0 when all ended, -1 otherwise. */
static int replies_read(int fd, struct reply *replies, unsigned first, unsigned n, bool collect)
{
    static struct record rec;
    unsigned open = n;
    while (open > 0) {
        if (record_read(fd, &rec) < 0) {
            fprintf(stderr, "fcgi-probe: connection closed before END_REQUEST\n");
            return -1;
        }
        struct reply *r = rec.id >= first && rec.id < first + n ? &replies[rec.id - first] : NULL;
        if (r == NULL || r->ended) {
            fprintf(stderr, "fcgi-probe: unexpected record type=%u id=%u len=%zu\n",
                    rec.type, rec.id, rec.len);
            continue;
        }
        if (rec.type == FCGI_STDOUT) {
            if (collect)
                bytes_add(&r->out, rec.content, rec.len);
            else
                write_out(1, rec.content, rec.len);
        } else if (rec.type == FCGI_STDERR) {
            write_out(2, rec.content, rec.len);
        } else if (rec.type == FCGI_END_REQUEST && rec.len >= 8) {
            /* spec §5.5: appStatus (4 bytes, big-endian), then protocolStatus */
            r->app_status = (unsigned long)rec.content[0] << 24 | (unsigned long)rec.content[1] << 16 |
                            (unsigned long)rec.content[2] << 8 | rec.content[3];
            r->protocol_status = rec.content[4];
            r->ended = true;
            open--;
        } else {
            fprintf(stderr, "fcgi-probe: unexpected record type=%u id=%u len=%zu\n",
                    rec.type, rec.id, rec.len);
        }
    }
    return 0;
}

static int mode_request(int fd, const struct probe_opts *o)
{
    for (unsigned i = 0; i < o->count; i++) {
        struct bytes out = {0};
        request_add(&out, o, o->id, o->uri, true);
        send_bytes(fd, out.ptr, out.len, o->split);   /* on EPIPE, still read the reply */
        free(out.ptr);
        struct reply r = {0};
        if (replies_read(fd, &r, o->id, 1, false) < 0)
            return 1;
        fprintf(stderr, "fcgi-probe: end app_status=%lu protocol_status=%u\n",
                r.app_status, r.protocol_status);
    }
    return 0;
}

static int mode_mpx(int fd, const struct probe_opts *o, unsigned k)
{
    struct bytes out = {0};
    for (unsigned id = 1; id <= k; id++)
        request_add(&out, o, id, o->uri, false);
    for (unsigned id = 1; id <= k; id++)
        stream_add(&out, FCGI_STDIN, id, (const uint8_t *)o->stdin_data, o->stdin_len,
                   o->record_size, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(out.ptr);
    struct reply *r = calloc(k, sizeof *r);
    int rc = replies_read(fd, r, 1, k, true);
    for (unsigned id = 1; id <= k; id++) {
        struct reply *x = &r[id - 1];
        if (x->out.len > 0) {
            printf("id=%u ", id);
            fflush(stdout);
            write_out(1, x->out.ptr, x->out.len);
            if (x->out.ptr[x->out.len - 1] != '\n')
                write_out(1, (const uint8_t *)"\n", 1);
        }
        if (x->ended)
            printf("id=%u end app_status=%lu protocol_status=%u\n", id, x->app_status,
                   x->protocol_status);
        else
            printf("id=%u not ended\n", id);
        free(x->out.ptr);
    }
    free(r);
    return rc < 0 ? 1 : 0;
}

static int mode_get_values(int fd, const struct probe_opts *o, char **names, int n)
{
    struct bytes pairs = {0}, out = {0};
    for (int i = 0; i < n; i++)
        pair_add(&pairs, names[i], "");
    record_add(&out, FCGI_VERSION_1, FCGI_GET_VALUES, 0, pairs.ptr, pairs.len, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(pairs.ptr);
    free(out.ptr);
    static struct record rec;
    if (record_read(fd, &rec) < 0) {
        fprintf(stderr, "fcgi-probe: connection closed before GET_VALUES_RESULT\n");
        return 1;
    }
    if (rec.type != FCGI_GET_VALUES_RESULT || rec.id != 0) {
        fprintf(stderr, "fcgi-probe: expected GET_VALUES_RESULT, got type=%u id=%u\n",
                rec.type, rec.id);
        return 1;
    }
    const uint8_t *p = rec.content, *end = rec.content + rec.len;
    while (p < end) {
        long nl = pair_length_get(&p, end);
        long vl = nl < 0 ? -1 : pair_length_get(&p, end);
        if (vl < 0 || end - p < nl || end - p - nl < vl) {
            fprintf(stderr, "fcgi-probe: malformed GET_VALUES_RESULT\n");
            return 1;
        }
        printf("%.*s=%.*s\n", (int)nl, (const char *)p, (int)vl, (const char *)p + nl);
        p += nl + vl;
    }
    return 0;
}

static int mode_unknown_type(int fd, const struct probe_opts *o)
{
    struct bytes out = {0};
    static const uint8_t body[8];
    record_add(&out, FCGI_VERSION_1, 42, 0, body, sizeof body, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(out.ptr);
    static struct record rec;
    if (record_read(fd, &rec) < 0) {
        fprintf(stderr, "fcgi-probe: connection closed before UNKNOWN_TYPE\n");
        return 1;
    }
    if (rec.type != FCGI_UNKNOWN_TYPE || rec.id != 0 || rec.len != 8) {
        fprintf(stderr, "fcgi-probe: expected UNKNOWN_TYPE, got type=%u id=%u len=%zu\n",
                rec.type, rec.id, rec.len);
        return 1;
    }
    printf("unknown-type type=%u\n", rec.content[0]);
    return 0;
}

/* BEGIN_REQUEST with the given role, then empty PARAMS and STDIN so a
 * supported role also completes; STDOUT is discarded. */
static int mode_role(int fd, const struct probe_opts *o, unsigned role)
{
    struct bytes out = {0};
    begin_add(&out, o->id, role, o->keep_conn, o->padding);
    stream_add(&out, FCGI_PARAMS, o->id, NULL, 0, o->record_size, o->padding);
    stream_add(&out, FCGI_STDIN, o->id, NULL, 0, o->record_size, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(out.ptr);
    struct reply r = {0};
    int rc = replies_read(fd, &r, o->id, 1, true);
    free(r.out.ptr);
    if (rc < 0)
        return 1;
    printf("end protocol_status=%u\n", r.protocol_status);
    return 0;
}

/* Holds a silent connection; reports if the peer closes it meanwhile. */
static int mode_idle(int fd, unsigned seconds)
{
    long long start = now_ms(), deadline = start + (long long)seconds * 1000;
    for (long long t = start; t < deadline; t = now_ms()) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, (int)(deadline - t)) > 0) {
            uint8_t buf[4096];
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0) {
                printf("idle: peer closed after %lld ms\n", now_ms() - start);
                break;
            }
        }
    }
    return 0;
}

/* Waits up to ms for the peer to close; drains what it sends. */
static bool peer_closes_within(int fd, long long ms)
{
    long long deadline = now_ms() + ms;
    for (long long t = now_ms(); t < deadline; t = now_ms()) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, (int)(deadline - t)) > 0) {
            uint8_t buf[4096];
            if (read(fd, buf, sizeof buf) <= 0)
                return true;
        }
    }
    return false;
}

static int mode_bad_version(int fd, const struct probe_opts *o)
{
    struct bytes out = {0};
    uint8_t body[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
    record_add(&out, 2, FCGI_BEGIN_REQUEST, 1, body, sizeof body, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(out.ptr);
    printf("%s\n", peer_closes_within(fd, 2000) ? "closed" : "open");
    return 0;
}

/* A complete request for /slow?ms=2000 (unless --uri), then ABORT_REQUEST
 * 100 ms later; elapsed_ms counts from the first byte sent. */
static int mode_abort(int fd, const struct probe_opts *o)
{
    long long start = now_ms();
    struct bytes out = {0};
    request_add(&out, o, o->id, o->uri, true);
    send_bytes(fd, out.ptr, out.len, o->split);
    out.len = 0;
    sleep_ms(100);
    record_add(&out, FCGI_VERSION_1, FCGI_ABORT_REQUEST, o->id, NULL, 0, o->padding);
    send_bytes(fd, out.ptr, out.len, o->split);
    free(out.ptr);
    struct reply r = {0};
    int rc = replies_read(fd, &r, o->id, 1, true);
    free(r.out.ptr);
    if (rc < 0)
        return 1;
    printf("end app_status=%lu protocol_status=%u elapsed_ms=%lld\n", r.app_status,
           r.protocol_status, now_ms() - start);
    return 0;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    struct probe_opts o = { .id = 1, .count = 1, .record_size = FCGI_MAX_CONTENT,
                            .padding = true, .timeout = 30 };
    const char *uri = NULL;
    char **pos = calloc((size_t)argc + 1, sizeof *pos);   /* mode and its arguments */
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            pos[npos++] = argv[i];
            continue;
        }
        bool has_arg = i + 1 < argc;
        if (strcmp(a, "--keep-conn") == 0) {
            o.keep_conn = true;
        } else if (strcmp(a, "--no-content-length") == 0) {
            o.no_content_length = true;
        } else if (strcmp(a, "--no-padding") == 0) {
            o.padding = false;
        } else if (!has_arg) {
            usage();
        } else if (strcmp(a, "--connect") == 0) {
            o.connect = argv[++i];
        } else if (strcmp(a, "--id") == 0) {
            o.id = (unsigned)parse_number(argv[++i], 1, 65535);
        } else if (strcmp(a, "--uri") == 0) {
            uri = argv[++i];
        } else if (strcmp(a, "--param") == 0) {
            if (o.nparams == PROBE_MAX_PARAMS)
                usage();
            char *nv = argv[++i];
            char *eq = strchr(nv, '=');
            if (eq != NULL)
                *eq = '\0';
            o.param_name[o.nparams] = nv;
            o.param_value[o.nparams] = eq ? eq + 1 : NULL;
            o.nparams++;
        } else if (strcmp(a, "--stdin-file") == 0) {
            free(o.stdin_data);
            o.stdin_data = read_file(argv[++i], &o.stdin_len);
            o.stdin_given = true;
        } else if (strcmp(a, "--stdin-string") == 0) {
            free(o.stdin_data);
            o.stdin_data = strdup(argv[++i]);
            o.stdin_len = strlen(o.stdin_data);
            o.stdin_given = true;
        } else if (strcmp(a, "--split") == 0) {
            o.split = parse_number(argv[++i], 1, 1u << 30);
        } else if (strcmp(a, "--count") == 0) {
            o.count = (unsigned)parse_number(argv[++i], 1, 1000000);
        } else if (strcmp(a, "--record-size") == 0) {
            o.record_size = parse_number(argv[++i], 1, FCGI_MAX_CONTENT);
        } else if (strcmp(a, "--timeout") == 0) {
            o.timeout = (unsigned)parse_number(argv[++i], 1, 86400);
        } else {
            usage();
        }
    }
    if (o.connect == NULL || npos == 0)
        usage();
    const char *mode = pos[0];
    char **args = pos + 1;   /* the mode's arguments */
    int nargs = npos - 1;
    if (o.count > 1 && !o.keep_conn) {
        fprintf(stderr, "fcgi-probe: --count needs --keep-conn\n");
        usage();
    }

    bool is_abort = strcmp(mode, "abort") == 0;
    o.uri = uri ? uri : is_abort ? "/slow?ms=2000" : "/hello";
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm(o.timeout);

    int rc;
    if (strcmp(mode, "request") == 0 && nargs == 0) {
        rc = mode_request(probe_connect(o.connect), &o);
    } else if (strcmp(mode, "get-values") == 0 && nargs > 0) {
        rc = mode_get_values(probe_connect(o.connect), &o, args, nargs);
    } else if (strcmp(mode, "unknown-type") == 0 && nargs == 0) {
        rc = mode_unknown_type(probe_connect(o.connect), &o);
    } else if (strcmp(mode, "role") == 0 && nargs == 1) {
        rc = mode_role(probe_connect(o.connect), &o, (unsigned)parse_number(args[0], 0, 65535));
    } else if (strcmp(mode, "mpx") == 0 && nargs == 1) {
        o.keep_conn = true;
        rc = mode_mpx(probe_connect(o.connect), &o, (unsigned)parse_number(args[0], 1, 65535));
    } else if (strcmp(mode, "idle") == 0 && nargs == 1) {
        unsigned secs = (unsigned)parse_number(args[0], 0, 86400);
        alarm(0);   /* the hold time is the limit here */
        rc = mode_idle(probe_connect(o.connect), secs);
    } else if (strcmp(mode, "bad-version") == 0 && nargs == 0) {
        rc = mode_bad_version(probe_connect(o.connect), &o);
    } else if (is_abort && nargs == 0) {
        rc = mode_abort(probe_connect(o.connect), &o);
    } else {
        usage();
    }
    free(o.stdin_data);
    free(pos);
    return rc;
}
