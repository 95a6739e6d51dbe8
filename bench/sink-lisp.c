/* sink-lisp.c - the fastest mod_lisp backend there can be, for the body
 * transfers of bench/run.sh. fcgi-lisp, MIT licence.
 *
 * Usage: sink-lisp --listen HOST:PORT [--ready-file FILE]
 *   (port 0: the kernel picks one; the ready file then holds "HOST:PORT")
 *
 * tests/integration/fake-lisp computes a SHA-256 of every upload, which
 * caps an upload near the speed of that hash (about 0.25 GB/s here). This
 * stub does no work on the bytes, so a transfer measures the web server and
 * fcgi-lisp, not the Lisp side:
 *   /upload        reads the body (content-length bytes) into a scratch
 *                  buffer and answers "bytes=N\n"
 *   /big?bytes=N   N bytes (zeros) with Content-Length and Keep-Socket 1,
 *                  written from one static 1 MiB block
 *   anything else  "hello from fake-lisp\n", as fake-lisp's /hello
 * One forked child per connection (as fake-lisp), blocking I/O with 1 MiB
 * reads and writes, Keep-Socket 1 on every reply. libc and bridge/fdio.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdio.h"

#define SINK_BUF (1u << 20)
#define SINK_LINE 65536

static char zeros[SINK_BUF];

struct reader {
    int fd;
    char *buf;        /* SINK_BUF bytes */
    size_t pos, len;
};

static int fill(struct reader *r)
{
    if (r->pos == r->len)
        r->pos = r->len = 0;
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->len, SINK_BUF - r->len);
        if (n > 0) {
            r->len += (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

/* Reads one line without its LF (and one CR before it) into line. */
static int read_line(struct reader *r, char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        if (r->pos == r->len) {
            if (r->len == SINK_BUF)
                r->pos = r->len = 0;
            if (fill(r) < 0)
                return -1;
        }
        char c = r->buf[r->pos++];
        if (c == '\n')
            break;
        if (n + 1 < cap)
            line[n++] = c;
    }
    if (n > 0 && line[n - 1] == '\r')
        n--;
    line[n] = '\0';
    return 0;
}

static void serve(int fd)
{
    struct reader r = {.fd = fd, .buf = malloc(SINK_BUF)};
    char *key = malloc(SINK_LINE), *value = malloc(SINK_LINE);
    char url[4096], head[512];
    if (r.buf == NULL || key == NULL || value == NULL)
        _exit(1);
    for (;;) {
        unsigned long long clen = 0;
        bool have_len = false;
        url[0] = '\0';
        for (;;) {
            if (read_line(&r, key, SINK_LINE) < 0)
                return;
            if (strcasecmp(key, "end") == 0)
                break;
            if (read_line(&r, value, SINK_LINE) < 0)
                return;
            if (strcmp(key, "url") == 0)
                snprintf(url, sizeof url, "%s", value);
            else if (!have_len && strcasecmp(key, "content-length") == 0) {
                clen = strtoull(value, NULL, 10);
                have_len = true;
            }
        }
        /* discard the body */
        unsigned long long left = clen;
        while (left > 0) {
            if (r.pos == r.len && fill(&r) < 0)
                return;
            size_t take = r.len - r.pos;
            if (take > left)
                take = (size_t)left;
            r.pos += take;
            left -= take;
        }
        char *q = strchr(url, '?');
        size_t plen = q ? (size_t)(q - url) : strlen(url);
        int hl;
        if (plen >= 7 && strncmp(url + plen - 7, "/upload", 7) == 0) {
            char body[64];
            int bl = snprintf(body, sizeof body, "bytes=%llu\n", clen);
            hl = snprintf(head, sizeof head, "Status\n200 OK\nContent-Type\ntext/plain\n"
                          "Content-Length\n%d\nKeep-Socket\n1\nend\n%s", bl, body);
            if (fdio_write_all(fd, head, (size_t)hl) < 0)
                return;
        } else if (plen >= 4 && strncmp(url + plen - 4, "/big", 4) == 0) {
            const char *b = q ? strstr(q, "bytes=") : NULL;
            unsigned long long n = b ? strtoull(b + 6, NULL, 10) : 0;
            hl = snprintf(head, sizeof head, "Status\n200 OK\nContent-Type\n"
                          "application/octet-stream\nContent-Length\n%llu\nKeep-Socket\n1\nend\n", n);
            if (fdio_write_all(fd, head, (size_t)hl) < 0)
                return;
            while (n > 0) {
                size_t chunk = n < SINK_BUF ? (size_t)n : SINK_BUF;
                if (fdio_write_all(fd, zeros, chunk) < 0)
                    return;
                n -= chunk;
            }
        } else {
            hl = snprintf(head, sizeof head, "Status\n200 OK\nContent-Type\ntext/plain\n"
                          "Content-Length\n21\nKeep-Socket\n1\nend\nhello from fake-lisp\n");
            if (fdio_write_all(fd, head, (size_t)hl) < 0)
                return;
        }
    }
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *ready = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            spec = argv[++i];
        else if (strcmp(argv[i], "--ready-file") == 0 && i + 1 < argc)
            ready = argv[++i];
        else
            spec = NULL, i = argc;
    }
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    if (colon == NULL) {
        fputs("usage: sink-lisp --listen HOST:PORT [--ready-file FILE]\n", stderr);
        return 2;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
    struct addrinfo *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        fprintf(stderr, "sink-lisp: bad address %s\n", spec);
        return 2;
    }
    int one = 1;
    int lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 128) < 0) {
        fprintf(stderr, "sink-lisp: listen on %s: %s\n", spec, strerror(errno));
        return 1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[NI_MAXHOST], p[NI_MAXSERV];
    if (getsockname(lfd, (struct sockaddr *)&ss, &sl) < 0 ||
        getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return 1;
    if (ready != NULL) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", ready);
        FILE *f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%s:%s\n", h, p) < 0 || fclose(f) != 0 || rename(tmp, ready) != 0) {
            fprintf(stderr, "sink-lisp: cannot write %s\n", ready);
            return 1;
        }
    }
    fprintf(stderr, "sink-lisp: listening on %s:%s\n", h, p);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);
    pid_t parent = getpid();
    for (;;) {
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "sink-lisp: accept: %s\n", strerror(errno));
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != parent)
                _exit(0);
            close(lfd);
            serve(cfd);
            _exit(0);
        }
        close(cfd);
    }
}
