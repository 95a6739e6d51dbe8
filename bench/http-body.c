/* http-body.c - minimal HTTP/1.1 client for bench/run.sh section e: one
 * 256 KiB read() or write() per loop, no file to read and no work per body
 * byte beyond the chunked framing, so that a transfer measures the servers,
 * not the client. fcgi-lisp, MIT licence.
 *
 *   http-body get  --connect HOST:PORT --uri URI [--timeout S]
 *     prints "status=C body_bytes=N seconds=S gbps=G"
 *   http-body post --connect HOST:PORT --uri URI --bytes N [--content-type T] [--timeout S]
 *     sends N zero bytes (stops if the server answers first, e.g. 413);
 *     prints "status=C sent=N seconds=S gbps=G", then the reply body's last line
 * Both send Host and Connection: close and read a Content-Length, chunked or
 * up-to-EOF reply. seconds: connect to the end of the reply; gbps: 10^9 body
 * bytes a second (as bench/fcgi-load). --timeout (600): SO_RCVTIMEO, SO_SNDTIMEO.
 * Exit: 0 a complete 2xx reply (post: to all N bytes); 1 not (why on stderr); 2 usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HB_BUF      (256u << 10)   /* bytes per read() and per write() */
#define HB_HEAD_MAX (64u << 10)    /* longest response head accepted */
#define HB_TAIL     512            /* last body bytes kept, for post's last line */

/* ---- response parser: bytes in, state out; no I/O ---- */

enum http_rc { HTTP_AGAIN, HTTP_DONE, HTTP_ERROR };

enum http_state {
    ST_HEAD,        /* status line and fields, up to the empty line */
    ST_LENGTH,      /* Content-Length body: left bytes still due */
    ST_UNTIL_EOF,   /* neither length nor chunked: the body ends at EOF (RFC 9112 §6.3) */
    ST_CHUNK_SIZE,  /* hex digits of a chunk-size line, accumulated in left */
    ST_CHUNK_EXT,   /* the rest of that line (extensions, CR), up to LF */
    ST_CHUNK_DATA,  /* left bytes of chunk data still due */
    ST_CHUNK_CR,    /* the CRLF after chunk data */
    ST_CHUNK_LF,
    ST_TRAILER,     /* trailer fields after the last chunk, up to an empty line */
    ST_DONE,
};

/* All zero is the initial state (ST_HEAD). */
struct http_parser {
    enum http_state state;
    int status;                    /* the final response's code; 0 until its head is parsed */
    unsigned long long body_bytes; /* body bytes so far, chunk framing excluded */
    unsigned long long left;       /* see the states */
    unsigned digits;               /* ST_CHUNK_SIZE: hex digits read */
    size_t line_len;               /* ST_TRAILER: bytes in the current line */
    size_t head_len, tail_len;
    char head[HB_HEAD_MAX];        /* ST_HEAD: the head so far */
    char tail[HB_TAIL];            /* the last tail_len body bytes */
    const char *err;               /* after HTTP_ERROR: why (a static string) */
};

static enum http_rc http_fail(struct http_parser *p, const char *why)
{
    p->err = why;
    return HTTP_ERROR;
}

/* Keeps the last HB_TAIL body bytes: at most that much copying per call. */
static void tail_keep(struct http_parser *p, const char *b, size_t n)
{
    if (n >= HB_TAIL) {
        memcpy(p->tail, b + n - HB_TAIL, HB_TAIL);
        p->tail_len = HB_TAIL;
        return;
    }
    size_t keep = p->tail_len + n > HB_TAIL ? HB_TAIL - n : p->tail_len;
    memmove(p->tail, p->tail + p->tail_len - keep, keep);
    memcpy(p->tail + keep, b, n);
    p->tail_len = keep + n;
}

/* True if s[0, n) is a decimal number that fits *out (no sign, no space). */
static bool parse_decimal(const char *s, size_t n, unsigned long long *out)
{
    unsigned long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (ULLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return n > 0;
}

/* True if line[0, len) is the field NAME; *v, *vlen: its trimmed value. */
static bool field_value(const char *line, size_t len, const char *name, const char **v, size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return false;
    const char *s = line + nl + 1, *e = line + len;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *v = s;
    *vlen = (size_t)(e - s);
    return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* p->head holds a whole head (it ends in an empty line): reads the status
 * and the framing fields and picks the body state. A 1xx head is dropped. */
static enum http_rc head_done(struct http_parser *p)
{
    const char *h = p->head, *end = h + p->head_len, *v;
    unsigned long long len = 0, n;
    bool chunked = false, have_len = false;
    size_t vl;
    if (p->head_len < 14 || memcmp(h, "HTTP/1.", 7) != 0 || !is_digit(h[7]) || h[8] != ' ' ||
        h[9] < '1' || h[9] > '5' || !is_digit(h[10]) || !is_digit(h[11]) ||
        (h[12] != ' ' && h[12] != '\r' && h[12] != '\n'))
        return http_fail(p, "malformed status line");
    int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    for (const char *line = (const char *)memchr(h, '\n', p->head_len) + 1, *nl; line < end; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(end - line));
        size_t ll = (size_t)(nl - line) - (nl > line && nl[-1] == '\r');
        if (field_value(line, ll, "content-length", &v, &vl)) {
            if (!parse_decimal(v, vl, &n) || (have_len && n != len))
                return http_fail(p, "bad Content-Length");
            len = n;
            have_len = true;
        } else if (field_value(line, ll, "transfer-encoding", &v, &vl)) {
            chunked = vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0;
        }
    }
    p->head_len = 0;
    if (status < 200)
        return HTTP_AGAIN;   /* 100 Continue and the like: the final head follows */
    p->status = status;
    p->left = chunked ? 0 : len;
    if (status == 204 || status == 304 || (!chunked && have_len && len == 0))
        p->state = ST_DONE;
    else   /* chunked overrides Content-Length (RFC 9112 §6.3) */
        p->state = chunked ? ST_CHUNK_SIZE : have_len ? ST_LENGTH : ST_UNTIL_EOF;
    return p->state == ST_DONE ? HTTP_DONE : HTTP_AGAIN;
}

/* One byte of chunked framing (any chunk state but the data). A bare LF
 * ends a line as CRLF does (RFC 9112 §2.2). */
static enum http_rc chunk_byte(struct http_parser *p, char c)
{
    int d = is_digit(c) ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
    switch (p->state) {
    case ST_CHUNK_SIZE:
        if (d < 0 && p->digits == 0)
            return http_fail(p, "malformed chunk size");
        if (d >= 0 && p->left > (ULLONG_MAX >> 4))
            return http_fail(p, "chunk size overflows");
        if (d >= 0) {
            p->left = p->left << 4 | (unsigned)d;
            p->digits++;
            return HTTP_AGAIN;
        }
        p->state = ST_CHUNK_EXT;
        return chunk_byte(p, c);
    case ST_CHUNK_EXT:
        if (c == '\n')
            p->state = p->left > 0 ? ST_CHUNK_DATA : ST_TRAILER;
        return HTTP_AGAIN;
    case ST_CHUNK_CR:
    case ST_CHUNK_LF:
        if (c == '\r' && p->state == ST_CHUNK_CR) {
            p->state = ST_CHUNK_LF;
            return HTTP_AGAIN;
        }
        if (c != '\n')
            return http_fail(p, "no CRLF after chunk data");
        p->state = ST_CHUNK_SIZE;
        p->digits = 0;
        return HTTP_AGAIN;
    case ST_TRAILER:
        if (c == '\n' && p->line_len == 0)
            p->state = ST_DONE;
        p->line_len = c == '\n' ? 0 : p->line_len + (c != '\r');
        return p->state == ST_DONE ? HTTP_DONE : HTTP_AGAIN;
    default:
        return http_fail(p, "internal: not a framing state");
    }
}

/* Feeds b[0, n) to p, in any split. Returns HTTP_DONE once the response is
 * complete (bytes after it are ignored), HTTP_AGAIN when more is needed,
 * HTTP_ERROR with p->err set. */
static enum http_rc http_feed(struct http_parser *p, const char *b, size_t n)
{
    enum http_rc rc = p->state == ST_DONE ? HTTP_DONE : HTTP_AGAIN;
    for (size_t i = 0; i < n && rc == HTTP_AGAIN;) {
        if (p->state == ST_HEAD) {
            if (p->head_len == sizeof p->head)
                return http_fail(p, "response head over 64 KiB");
            char *h = p->head;
            size_t k = p->head_len++;
            h[k] = b[i++];
            if (h[k] == '\n' && k >= 1 && (h[k - 1] == '\n' || (k >= 2 && h[k - 1] == '\r' && h[k - 2] == '\n')))
                rc = head_done(p);
        } else if (p->state == ST_LENGTH || p->state == ST_CHUNK_DATA || p->state == ST_UNTIL_EOF) {
            size_t take = p->state != ST_UNTIL_EOF && p->left < n - i ? (size_t)p->left : n - i;
            p->body_bytes += take;
            tail_keep(p, b + i, take);
            i += take;
            if (p->state == ST_UNTIL_EOF)
                continue;
            p->left -= take;
            if (p->left > 0)
                continue;
            p->state = p->state == ST_LENGTH ? ST_DONE : ST_CHUNK_CR;
            rc = p->state == ST_DONE ? HTTP_DONE : HTTP_AGAIN;
        } else {
            rc = chunk_byte(p, b[i++]);
        }
    }
    return rc;
}

/* The server closed the connection: HTTP_DONE if that ends the response,
 * else HTTP_ERROR with p->err set. */
static enum http_rc http_eof(struct http_parser *p)
{
    if (p->state == ST_UNTIL_EOF || p->state == ST_DONE) {
        p->state = ST_DONE;
        return HTTP_DONE;
    }
    return http_fail(p, p->state == ST_HEAD ? "connection closed before a whole response head"
                        : p->state == ST_LENGTH ? "connection closed before Content-Length body bytes"
                        : "connection closed before the last chunk");
}

/* ---- client ---- */

struct opts {
    bool post, have_bytes;
    const char *connect, *uri, *ctype;   /* borrowed from argv */
    unsigned long long bytes;            /* post: body length */
    double timeout;                      /* seconds, > 0 */
};

static char zeros[HB_BUF];   /* never written: the post body */

__attribute__((noreturn)) static void usage(const char *why)
{
    fprintf(stderr, "http-body: %s\nusage: http-body get  --connect HOST:PORT --uri URI [--timeout S]\n"
            "       http-body post --connect HOST:PORT --uri URI --bytes N [--content-type T] [--timeout S]\n",
            why);
    exit(2);
}

__attribute__((noreturn, format(printf, 1, 2))) static void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("http-body: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills *o from argv, or exits 2 with the reason. */
static void parse_args(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.ctype = "application/octet-stream", .timeout = 600};
    if (argc < 2 || (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "post") != 0))
        usage("the first argument is get or post");
    o->post = strcmp(argv[1], "post") == 0;
    for (int i = 2; i < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];   /* argv[argc] is NULL */
        char *e;
        if (v == NULL)
            usage("an option lacks its value");
        if (strcmp(a, "--connect") == 0) {
            o->connect = v;
        } else if (strcmp(a, "--uri") == 0) {
            o->uri = v;
        } else if (strcmp(a, "--timeout") == 0) {
            o->timeout = strtod(v, &e);
            if (*e != '\0' || !(o->timeout > 0 && o->timeout <= 1e6))
                usage("--timeout is seconds, > 0");
        } else if (o->post && strcmp(a, "--bytes") == 0) {
            o->have_bytes = parse_decimal(v, strlen(v), &o->bytes);
            if (!o->have_bytes)
                usage("--bytes is a decimal number");
        } else if (o->post && strcmp(a, "--content-type") == 0) {
            o->ctype = v;
        } else {
            usage("unknown option");
        }
    }
    if (o->connect == NULL || o->uri == NULL || (o->post && !o->have_bytes))
        usage(o->post ? "post needs --connect, --uri and --bytes" : "get needs --connect and --uri");
    if (strpbrk(o->connect, " \r\n") || strpbrk(o->uri, " \r\n") || strpbrk(o->ctype, "\r\n") ||
        strlen(o->connect) > 1024 || strlen(o->uri) > 8192 || strlen(o->ctype) > 1024)
        usage("--connect, --uri or --content-type is not fit for a request head");
}

/* Connects to o->connect (HOST:PORT) with the timeouts set, or exits 1. */
static int net_connect(const struct opts *o)
{
    const char *colon = strrchr(o->connect, ':');
    char host[1025];
    if (colon == NULL || colon[1] == '\0')
        usage("--connect is HOST:PORT");
    snprintf(host, sizeof host, "%.*s", (int)(colon - o->connect), o->connect);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai, *a;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai), fd = -1, err = 0;
    if (rc != 0)
        fatal("connect %s: %s", o->connect, gai_strerror(rc));
    struct timeval tv = {.tv_sec = (time_t)o->timeout,
                         .tv_usec = (suseconds_t)((o->timeout - (double)(time_t)o->timeout) * 1e6)};
    for (a = ai; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
            connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            err = errno == EINPROGRESS ? ETIMEDOUT : errno;   /* SO_SNDTIMEO ran out */
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        fatal("connect %s: %s", o->connect, strerror(err));
    return fd;
}

/* Sends n bytes (MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE).
 * Returns the bytes sent; *err is 0 if all went, else the errno. */
static size_t send_all(int fd, const char *p, size_t n, int *err)
{
    size_t done = 0;
    for (*err = 0; done < n && *err == 0;) {
        ssize_t w = send(fd, p + done, n - done, MSG_NOSIGNAL);
        if (w >= 0)
            done += (size_t)w;
        else if (errno != EINTR)
            *err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
    }
    return done;
}

/* Sends n zero bytes, and stops early when the server has answered (the
 * socket turns readable first). Returns the bytes sent; *err as send_all
 * (an early answer is not an error). */
static unsigned long long send_zeros(int fd, unsigned long long n, double timeout, int *err)
{
    unsigned long long sent = 0;
    for (*err = 0; sent < n && *err == 0;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLOUT};
        int r = poll(&pfd, 1, (int)(timeout * 1000));
        if (r == 0 || (r < 0 && errno != EINTR))
            *err = r == 0 ? ETIMEDOUT : errno;
        else if (r > 0 && (pfd.revents & POLLIN))
            break;
        else if (r > 0)
            sent += send_all(fd, zeros, n - sent < HB_BUF ? (size_t)(n - sent) : HB_BUF, err);
    }
    return sent;
}

/* Reads the response into p until it is complete. Returns NULL then, else
 * why not (a static string). */
static const char *read_response(int fd, struct http_parser *p, char *buf)
{
    static char msg[128];
    for (;;) {
        ssize_t n = read(fd, buf, HB_BUF);
        enum http_rc rc = n > 0 ? http_feed(p, buf, (size_t)n) : n == 0 ? http_eof(p) : HTTP_AGAIN;
        if (rc != HTTP_AGAIN)
            return rc == HTTP_DONE ? NULL : p->err;
        if (n < 0 && errno != EINTR) {
            snprintf(msg, sizeof msg, "read: %s",
                     errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : strerror(errno));
            return msg;
        }
    }
}

/* The last line of the body kept in p->tail: *s, *len, without its line end. */
static void last_line(const struct http_parser *p, const char **s, int *len)
{
    size_t e = p->tail_len, b;
    while (e > 0 && (p->tail[e - 1] == '\n' || p->tail[e - 1] == '\r'))
        e--;
    for (b = e; b > 0 && p->tail[b - 1] != '\n'; b--)
        ;
    *s = p->tail + b;
    *len = (int)(e - b);
}

int main(int argc, char **argv)
{
    static struct http_parser p;   /* zero: ST_HEAD */
    static char buf[HB_BUF], head[16384];
    struct opts o;
    unsigned long long sent = 0;
    int werr;
    parse_args(argc, argv, &o);
    int hl = o.post ? snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %llu\r\n"
                               "Content-Type: %s\r\nConnection: close\r\n\r\n", o.uri, o.connect, o.bytes, o.ctype)
                    : snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                               o.uri, o.connect);
    double t0 = now_s();
    int fd = net_connect(&o);
    if (send_all(fd, head, (size_t)hl, &werr) == (size_t)hl && o.post)
        sent = send_zeros(fd, o.bytes, o.timeout, &werr);
    const char *why = read_response(fd, &p, buf);
    double secs = now_s() - t0, moved = (double)(o.post ? sent : p.body_bytes);
    close(fd);
    if (werr != 0)
        fprintf(stderr, "http-body: send, after %llu of %llu body bytes: %s\n", sent, o.bytes, strerror(werr));
    if (p.status == 0)
        fatal("%s %s: no response: %s", o.post ? "POST" : "GET", o.uri, why);
    if (o.post) {
        const char *s;
        int len;
        last_line(&p, &s, &len);
        printf("status=%d sent=%llu seconds=%.3f gbps=%.2f\n%.*s\n", p.status, sent, secs, moved / secs / 1e9, len, s);
    } else {
        printf("status=%d body_bytes=%llu seconds=%.3f gbps=%.2f\n", p.status, p.body_bytes, secs, moved / secs / 1e9);
    }
    if (why != NULL)
        fatal("incomplete response after %llu body bytes: %s", p.body_bytes, why);
    if (p.status < 200 || p.status > 299)
        fatal("HTTP %d", p.status);
    if (sent < o.bytes)
        fatal("the server answered after %llu of %llu body bytes", sent, o.bytes);
    return 0;
}
