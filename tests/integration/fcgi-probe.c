/* fcgi-probe.c - FastCGI test client: requests, management records and protocol faults.
 * fcgi-lisp, MIT licence.
 *
 * Standalone on purpose (libc and the tests' sha256.c only): it is the
 * independent check of the bridge's FastCGI codec, so it shares no code
 * with bridge/. Records are built
 * by hand from the FastCGI 1.0 specification (shared/reference/fastcgi.md §1).
 *
 * Usage: fcgi-probe --connect HOST:PORT|unix:/PATH [options] MODE [ARGS]
 * Modes:
 *   request            one request (or --count K on one --keep-conn connection);
 *                      STDOUT bytes to stdout, STDERR bytes to stderr, then on
 *                      stderr "fcgi-probe: end app_status=N protocol_status=N".
 *                      The body is produced while it is sent and the replies
 *                      are read meanwhile (poll), so neither side can stall the
 *                      other; memory stays constant whatever the sizes (mpx
 *                      and abort still build the whole body in memory)
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
 *   --stdin-file F     a regular file is read as it is sent, never held in
 *                      memory (CONTENT_LENGTH is its size); other files (pipes)
 *                      are read whole first
 *   --stdin-pattern N  a generated body of N bytes, byte i = i % 251 (the
 *                      pattern of fake-lisp's /big)
 *   --count-body       request mode: STDOUT after the CGI head (up to its blank
 *                      line) is not written; the head is, then one line per
 *                      request on stdout: "body_bytes=N sha256=HEX"
 *   --check-pattern    with --count-body: checks that body byte i is i % 251 and
 *                      prints "body_bytes=N pattern=ok" (or "pattern=bad at=I",
 *                      I the first wrong offset) instead of the digest
 *   --after-end        request mode: after the last END_REQUEST, prints on
 *                      stderr "fcgi-probe: after-end closed" when the peer
 *                      closes within 1 s, else "fcgi-probe: after-end open"
 * Exit: 0 done (request: END_REQUEST received), 1 connection closed early,
 * I/O error or timeout, 2 usage. */
#include "config.h"

#include "sha256.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
#define PROBE_PATTERN_PERIOD    251          /* --stdin-pattern, --check-pattern: byte i is i % 251 */
#define PROBE_TX_HIGH           (256 * 1024) /* request bytes queued before the body is read on */
#define PROBE_HEAD_MAX          (1 << 20)    /* --count-body: CGI head bytes searched for its end */
#define PROBE_MAX_RECORD        (FCGI_HEADER_LEN + FCGI_MAX_CONTENT + 255)

/* ------------------------------------------------------------------ */
/* Options and small helpers                                           */
/* ------------------------------------------------------------------ */

/* Where the STDIN bytes come from. */
enum probe_body {
    PROBE_BODY_NONE,                /* no --stdin-*: an empty STDIN stream, GET */
    PROBE_BODY_MEM,                 /* stdin_data */
    PROBE_BODY_FILE,                /* stdin_fd, read with pread as it is sent */
    PROBE_BODY_PATTERN,             /* generated: byte i is i % 251 */
};

struct probe_opts {
    const char *connect;            /* borrowed from argv */
    bool        keep_conn;
    unsigned    id;                 /* request id, 1..65535 */
    const char *uri;                /* borrowed; REQUEST_URI */
    const char *param_name[PROBE_MAX_PARAMS];  /* borrowed/owned by main: the --param list */
    const char *param_value[PROBE_MAX_PARAMS]; /* NULL = drop the param */
    size_t      nparams;
    enum probe_body body;
    char       *stdin_data;         /* owned: PROBE_BODY_MEM bytes, else NULL */
    int         stdin_fd;           /* owned: PROBE_BODY_FILE, else -1 */
    uint64_t    stdin_len;          /* body bytes, whatever their source */
    bool        no_content_length;
    bool        count_body;         /* --count-body */
    bool        check_pattern;      /* --check-pattern */
    bool        after_end;          /* --after-end */
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
            "         --stdin-string S --stdin-pattern BYTES --no-content-length --split N\n"
            "         --count K --record-size N --no-padding --timeout SECONDS\n"
            "         --after-end\n"
            "         --count-body (request: print the CGI head, then body_bytes=N sha256=HEX)\n"
            "         --check-pattern (with --count-body: check byte i is i %% 251, print\n"
            "                          pattern=ok or pattern=bad at=I instead of sha256=)\n");
    exit(2);
}

/* Parses a decimal number in [min, max] or exits with usage. */
static unsigned long long parse_number(const char *s, unsigned long long min,
                                       unsigned long long max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
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

static char *read_file(FILE *f, uint64_t *len)
{
    struct bytes b = {0};
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        bytes_add(&b, chunk, n);
    fclose(f);
    *len = b.len;
    return (char *)b.ptr;
}

/* --stdin-file: a regular file is kept open and read as it is sent; anything
 * else (a pipe, a terminal) is read whole now. Exits 2 when it cannot be opened. */
static void body_from_file(struct probe_opts *o, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f == NULL || fstat(fileno(f), &st) < 0) {
        fprintf(stderr, "fcgi-probe: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    if (S_ISREG(st.st_mode)) {
        o->stdin_fd = dup(fileno(f));
        fclose(f);
        if (o->stdin_fd < 0) {
            fprintf(stderr, "fcgi-probe: %s: %s\n", path, strerror(errno));
            exit(2);
        }
        o->body = PROBE_BODY_FILE;
        o->stdin_len = (uint64_t)st.st_size;
    } else {
        o->body = PROBE_BODY_MEM;
        o->stdin_data = read_file(f, &o->stdin_len);
    }
}

/* Forgets the body given so far (a later --stdin-* wins). */
static void body_clear(struct probe_opts *o)
{
    free(o->stdin_data);
    o->stdin_data = NULL;
    if (o->stdin_fd >= 0)
        close(o->stdin_fd);
    o->stdin_fd = -1;
    o->stdin_len = 0;
    o->body = PROBE_BODY_NONE;
}

/* The pattern from offset off on is block[off % 251 ...]; a slice is at
 * most PROBE_PATTERN_PERIOD * 256 bytes long. */
static const uint8_t *pattern_block(void)
{
    static uint8_t block[PROBE_PATTERN_PERIOD * 257];
    static bool ready;
    if (!ready) {
        for (size_t i = 0; i < sizeof block; i++)
            block[i] = (uint8_t)(i % PROBE_PATTERN_PERIOD);
        ready = true;
    }
    return block;
}

#define PROBE_PATTERN_SLICE ((size_t)PROBE_PATTERN_PERIOD * 256)

/* Copies body bytes [off, off + n) into dst; exits 1 when the file cannot
 * be read or shrank while it was sent. */
static void body_read(const struct probe_opts *o, uint64_t off, uint8_t *dst, size_t n)
{
    switch (o->body) {
    case PROBE_BODY_NONE:
        break;
    case PROBE_BODY_MEM:
        memcpy(dst, o->stdin_data + off, n);
        break;
    case PROBE_BODY_PATTERN:
        while (n > 0) {
            size_t take = n < PROBE_PATTERN_SLICE ? n : PROBE_PATTERN_SLICE;
            memcpy(dst, pattern_block() + off % PROBE_PATTERN_PERIOD, take);
            dst += take;
            off += take;
            n -= take;
        }
        break;
    case PROBE_BODY_FILE:
        while (n > 0) {
            ssize_t r = pread(o->stdin_fd, dst, n, (off_t)off);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                fprintf(stderr, "fcgi-probe: --stdin-file: %s\n",
                        r < 0 ? strerror(errno) : "the file shrank while it was sent");
                exit(1);
            }
            dst += r;
            off += (uint64_t)r;
            n -= (size_t)r;
        }
        break;
    }
}

/* Turns a file or pattern body into PROBE_BODY_MEM, for the modes that
 * build every record in memory before sending (mpx, abort). */
static void body_materialize(struct probe_opts *o)
{
    if (o->body != PROBE_BODY_FILE && o->body != PROBE_BODY_PATTERN)
        return;
    if (o->stdin_len > SIZE_MAX - 1) {
        fprintf(stderr, "fcgi-probe: body too large for this mode\n");
        exit(2);
    }
    char *data = malloc((size_t)o->stdin_len + 1);
    if (data == NULL) {
        fprintf(stderr, "fcgi-probe: out of memory\n");
        exit(1);
    }
    body_read(o, 0, (uint8_t *)data, (size_t)o->stdin_len);
    uint64_t len = o->stdin_len;
    body_clear(o);
    o->body = PROBE_BODY_MEM;
    o->stdin_data = data;
    o->stdin_len = len;
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
 * stream of one responder request with id (with_stdin needs the body in
 * memory: body_materialize). */
static void request_add(struct bytes *out, const struct probe_opts *o, unsigned id,
                        const char *uri, bool with_stdin)
{
    const char *q = strchr(uri, '?');
    char *script = strndup(uri, q ? (size_t)(q - uri) : strlen(uri));
    char clen[32];
    snprintf(clen, sizeof clen, "%" PRIu64, o->stdin_len);

    const char *name[PROBE_MAX_PARAMS + 16], *value[PROBE_MAX_PARAMS + 16];
    size_t n = 0;
#define PROBE_DEFAULT(N, V) (name[n] = (N), value[n] = (V), n++)
    PROBE_DEFAULT("REQUEST_METHOD", o->body != PROBE_BODY_NONE ? "POST" : "GET");
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
        stream_add(out, FCGI_STDIN, id, (const uint8_t *)o->stdin_data, (size_t)o->stdin_len,
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

/* ------------------------------------------------------------------ */
/* request mode: sending and reading at once                           */
/* ------------------------------------------------------------------ */

/* The bytes of the request in flight, produced as the socket takes them. */
struct tx {
    struct bytes q;         /* owned: q.ptr[off..len) is not sent yet */
    size_t   off;
    uint64_t body_off;      /* body bytes already put into STDIN records */
    bool     body_done;     /* the empty STDIN record is queued */
    size_t   piece_left;    /* --split: bytes before the next 2 ms pause */
    bool     failed;        /* the peer takes no more bytes (EPIPE, ECONNRESET) */
};

/* Tops the queue up to PROBE_TX_HIGH with STDIN records read from the body
 * source, then the empty record that ends the stream (spec §3.3). */
static void tx_refill(struct tx *t, const struct probe_opts *o, unsigned id)
{
    static uint8_t chunk[FCGI_MAX_CONTENT];
    if (t->off > 0) {
        memmove(t->q.ptr, t->q.ptr + t->off, t->q.len - t->off);
        t->q.len -= t->off;
        t->off = 0;
    }
    while (!t->body_done && t->q.len < PROBE_TX_HIGH) {
        uint64_t left = o->stdin_len - t->body_off;
        size_t n = left < o->record_size ? (size_t)left : o->record_size;
        body_read(o, t->body_off, chunk, n);
        record_add(&t->q, FCGI_VERSION_1, FCGI_STDIN, id, chunk, n, o->padding);
        t->body_off += n;
        t->body_done = n == 0;
    }
}

/* Sends what the socket takes now, at most up to the next --split pause. */
static void tx_send(struct tx *t, int fd, size_t split)
{
    size_t n = t->q.len - t->off;
    if (split && n > t->piece_left)
        n = t->piece_left;
    ssize_t w = send(fd, t->q.ptr + t->off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (w <= 0) {
        fprintf(stderr, "fcgi-probe: write: %s\n", strerror(errno));
        t->failed = true;
        return;
    }
    t->off += (size_t)w;
    if (split) {
        t->piece_left -= (size_t)w;
        if (t->piece_left == 0) {
            t->piece_left = split;
            if (t->off < t->q.len || !t->body_done)
                sleep_ms(2);
        }
    }
}

/* Received bytes, parsed into records in place. */
struct rx {
    uint8_t buf[2 * PROBE_MAX_RECORD];
    size_t  pos, len;       /* unparsed bytes are buf[pos..len) */
    bool    eof;            /* read returned 0 or failed */
};

/* One record inside rx->buf, valid until the next rx_read. */
struct rec_view {
    unsigned       type, id;
    const uint8_t *content;
    size_t         len;
};

/* Reads what is there (after poll said so). */
static void rx_read(struct rx *rx, int fd)
{
    if (rx->pos > 0) {
        memmove(rx->buf, rx->buf + rx->pos, rx->len - rx->pos);
        rx->len -= rx->pos;
        rx->pos = 0;
    }
    ssize_t n = read(fd, rx->buf + rx->len, sizeof rx->buf - rx->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0)
        rx->eof = true;
    else
        rx->len += (size_t)n;
}

/* Takes the next complete record: 1, 0 when more bytes are needed, -2 on a
 * version other than 1 (reported on stderr). */
static int rx_next(struct rx *rx, struct rec_view *rec)
{
    const uint8_t *h = rx->buf + rx->pos;
    size_t avail = rx->len - rx->pos;
    if (avail < FCGI_HEADER_LEN)
        return 0;
    if (h[0] != FCGI_VERSION_1) {
        fprintf(stderr, "fcgi-probe: record with version %u\n", h[0]);
        return -2;
    }
    size_t len = (size_t)h[4] << 8 | h[5];
    size_t total = FCGI_HEADER_LEN + len + h[6];
    if (avail < total)
        return 0;
    rec->type = h[1];
    rec->id = (unsigned)h[2] << 8 | h[3];
    rec->content = h + FCGI_HEADER_LEN;
    rec->len = len;
    rx->pos += total;
    return 1;
}

/* Where one request's STDOUT goes: to fd 1, or (--count-body) the CGI head
 * to fd 1 and the body counted and digested or pattern-checked. */
struct sink {
    bool         counting;      /* --count-body */
    bool         pattern;       /* --check-pattern */
    bool         head_done;     /* the head's blank line was seen */
    struct bytes head;          /* owned: STDOUT bytes until then */
    uint64_t     body_bytes;
    struct sha256 sha;
    bool         bad;           /* a byte broke the pattern ... */
    uint64_t     bad_at;        /* ... first at this body offset */
};

static void sink_body(struct sink *s, const uint8_t *p, size_t n)
{
    if (!s->pattern) {
        sha256_update(&s->sha, p, n);
    } else if (!s->bad) {
        uint64_t off = s->body_bytes;
        for (size_t done = 0; done < n && !s->bad; ) {
            size_t take = n - done < PROBE_PATTERN_SLICE ? n - done : PROBE_PATTERN_SLICE;
            const uint8_t *want = pattern_block() + (off + done) % PROBE_PATTERN_PERIOD;
            if (memcmp(p + done, want, take) != 0) {
                size_t i = 0;
                while (p[done + i] == want[i])
                    i++;
                s->bad = true;
                s->bad_at = off + done + i;
            }
            done += take;
        }
    }
    s->body_bytes += n;
}

static void sink_stdout(struct sink *s, const uint8_t *p, size_t n)
{
    if (!s->counting) {
        write_out(1, p, n);
        return;
    }
    if (s->head_done) {
        sink_body(s, p, n);
        return;
    }
    size_t from = s->head.len >= 2 ? s->head.len - 2 : 0;
    bytes_add(&s->head, p, n);
    const uint8_t *h = s->head.ptr;
    for (size_t i = from; i < s->head.len; i++) {
        if (h[i] != '\n')
            continue;
        size_t end = 0;   /* just past "\n\n" or "\n\r\n" */
        if (i + 1 < s->head.len && h[i + 1] == '\n')
            end = i + 2;
        else if (i + 2 < s->head.len && h[i + 1] == '\r' && h[i + 2] == '\n')
            end = i + 3;
        if (end) {
            s->head_done = true;
            write_out(1, h, end);
            sink_body(s, h + end, s->head.len - end);
            free(s->head.ptr);
            s->head = (struct bytes){0};
            return;
        }
    }
    if (s->head.len > PROBE_HEAD_MAX) {
        fprintf(stderr, "fcgi-probe: no end of the CGI head in the first %d bytes of STDOUT\n",
                PROBE_HEAD_MAX);
        exit(1);
    }
}

/* --count-body: the head, if its end never came, and the summary line. */
static void sink_finish(struct sink *s)
{
    if (!s->counting)
        return;
    if (!s->head_done)
        write_out(1, s->head.ptr, s->head.len);
    free(s->head.ptr);
    s->head = (struct bytes){0};
    char line[160];
    if (!s->pattern) {
        char hex[65];
        sha256_final_hex(&s->sha, hex);
        snprintf(line, sizeof line, "body_bytes=%" PRIu64 " sha256=%s\n", s->body_bytes, hex);
    } else if (s->bad) {
        snprintf(line, sizeof line, "body_bytes=%" PRIu64 " pattern=bad at=%" PRIu64 "\n",
                 s->body_bytes, s->bad_at);
    } else {
        snprintf(line, sizeof line, "body_bytes=%" PRIu64 " pattern=ok\n", s->body_bytes);
    }
    write_out(1, (const uint8_t *)line, strlen(line));
}

/* One request on fd: sends it while reading the replies until its
 * END_REQUEST came and every byte of it is sent (or the peer stopped taking
 * them). Returns 0, or 1 when the connection closed before END_REQUEST. */
static int request_stream(int fd, const struct probe_opts *o, struct rx *rx)
{
    struct tx t = { .piece_left = o->split };
    struct sink s = { .counting = o->count_body, .pattern = o->check_pattern };
    sha256_init(&s.sha);
    request_add(&t.q, o, o->id, o->uri, false);
    bool ended = false;
    unsigned long app_status = 0;
    unsigned protocol_status = 0;
    int rc = 0;
    for (;;) {
        /* Records already read (a read can bring several) come first. */
        struct rec_view rec;
        int nrc = 0;
        while (!ended && (nrc = rx_next(rx, &rec)) == 1) {
            if (rec.id != o->id) {
                fprintf(stderr, "fcgi-probe: unexpected record type=%u id=%u len=%zu\n",
                        rec.type, rec.id, rec.len);
            } else if (rec.type == FCGI_STDOUT) {
                sink_stdout(&s, rec.content, rec.len);
            } else if (rec.type == FCGI_STDERR) {
                write_out(2, rec.content, rec.len);
            } else if (rec.type == FCGI_END_REQUEST && rec.len >= 8) {
                /* spec §5.5: appStatus (4 bytes, big-endian), then protocolStatus */
                const uint8_t *c = rec.content;
                app_status = (unsigned long)c[0] << 24 | (unsigned long)c[1] << 16 |
                             (unsigned long)c[2] << 8 | c[3];
                protocol_status = c[4];
                ended = true;
            } else {
                fprintf(stderr, "fcgi-probe: unexpected record type=%u id=%u len=%zu\n",
                        rec.type, rec.id, rec.len);
            }
        }
        if (!ended && (nrc == -2 || rx->eof)) {
            fprintf(stderr, "fcgi-probe: connection closed before END_REQUEST\n");
            rc = 1;
            break;
        }
        if (!t.failed && !t.body_done)
            tx_refill(&t, o, o->id);
        bool sending = !t.failed && t.off < t.q.len;
        if (ended && !sending)
            break;
        struct pollfd pfd = { .fd = fd, .events = (short)((ended ? 0 : POLLIN) |
                                                          (sending ? POLLOUT : 0)) };
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "fcgi-probe: poll: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (sending && (pfd.revents & (POLLOUT | POLLERR | POLLHUP)))
            tx_send(&t, fd, o->split);
        if (!ended && (pfd.revents & (POLLIN | POLLERR | POLLHUP)))
            rx_read(rx, fd);
    }
    free(t.q.ptr);
    if (ended) {
        sink_finish(&s);
        fprintf(stderr, "fcgi-probe: end app_status=%lu protocol_status=%u\n",
                app_status, protocol_status);
    } else {
        free(s.head.ptr);
    }
    return rc;
}

static bool peer_closes_within(int fd, long long ms);

static int mode_request(int fd, const struct probe_opts *o)
{
    static struct rx rx;   /* kept across --count requests: bytes read ahead stay */
    for (unsigned i = 0; i < o->count; i++)
        if (request_stream(fd, o, &rx) != 0)
            return 1;
    if (o->after_end)
        fprintf(stderr, "fcgi-probe: after-end %s\n",
                peer_closes_within(fd, 1000) ? "closed" : "open");
    return 0;
}

/* ------------------------------------------------------------------ */
/* The other modes                                                     */
/* ------------------------------------------------------------------ */

static int mode_mpx(int fd, const struct probe_opts *o, unsigned k)
{
    struct bytes out = {0};
    for (unsigned id = 1; id <= k; id++)
        request_add(&out, o, id, o->uri, false);
    for (unsigned id = 1; id <= k; id++)
        stream_add(&out, FCGI_STDIN, id, (const uint8_t *)o->stdin_data, (size_t)o->stdin_len,
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
                            .padding = true, .timeout = 30, .stdin_fd = -1 };
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
        } else if (strcmp(a, "--count-body") == 0) {
            o.count_body = true;
        } else if (strcmp(a, "--check-pattern") == 0) {
            o.check_pattern = true;
        } else if (strcmp(a, "--after-end") == 0) {
            o.after_end = true;
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
            body_clear(&o);
            body_from_file(&o, argv[++i]);
        } else if (strcmp(a, "--stdin-string") == 0) {
            body_clear(&o);
            o.body = PROBE_BODY_MEM;
            o.stdin_data = strdup(argv[++i]);
            o.stdin_len = strlen(o.stdin_data);
        } else if (strcmp(a, "--stdin-pattern") == 0) {
            body_clear(&o);
            o.body = PROBE_BODY_PATTERN;
            o.stdin_len = parse_number(argv[++i], 0, INT64_MAX);
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
    if (o.check_pattern && !o.count_body) {
        fprintf(stderr, "fcgi-probe: --check-pattern needs --count-body\n");
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
        body_materialize(&o);
        rc = mode_mpx(probe_connect(o.connect), &o, (unsigned)parse_number(args[0], 1, 65535));
    } else if (strcmp(mode, "idle") == 0 && nargs == 1) {
        unsigned secs = (unsigned)parse_number(args[0], 0, 86400);
        alarm(0);   /* the hold time is the limit here */
        rc = mode_idle(probe_connect(o.connect), secs);
    } else if (strcmp(mode, "bad-version") == 0 && nargs == 0) {
        rc = mode_bad_version(probe_connect(o.connect), &o);
    } else if (is_abort && nargs == 0) {
        body_materialize(&o);
        rc = mode_abort(probe_connect(o.connect), &o);
    } else {
        usage();
    }
    body_clear(&o);
    free(pos);
    return rc;
}
