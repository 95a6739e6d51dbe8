/* spool.c - request bodies of unknown length, in memory then in a temp file.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"

void spool_init(struct spool *s, size_t mem_limit, const char *dir)
{
    buf_init(&s->mem);
    s->fd = -1;
    s->size = 0;
    s->read_off = 0;
    s->mem_limit = mem_limit;
    s->dir = dir;
}

void spool_free(struct spool *s)
{
    buf_free(&s->mem);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->size = s->read_off = 0;
}

/* Moves the in-memory part to a new unlinked temp file. */
static int spool_to_file(struct spool *s, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fcgi-lisp-body.XXXXXX", s->dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a spool file in %s: %s", s->dir, strerror(errno));
        return -1;
    }
    unlink(path);
    if (fdio_write_all(fd, buf_data(&s->mem), buf_size(&s->mem)) < 0) {
        snprintf(err, errlen, "cannot write the spool file in %s: %s", s->dir, strerror(errno));
        close(fd);
        return -1;
    }
    buf_free(&s->mem);
    s->fd = fd;
    return 0;
}

int spool_append(struct spool *s, const void *p, size_t n, char *err, size_t errlen)
{
    if (s->fd < 0 && buf_size(&s->mem) + n > s->mem_limit && spool_to_file(s, err, errlen) < 0)
        return -1;
    if (s->fd < 0) {
        buf_append(&s->mem, p, n);
    } else if (fdio_write_all(s->fd, p, n) < 0) {
        snprintf(err, errlen, "cannot write the spool file in %s: %s", s->dir, strerror(errno));
        return -1;
    }
    s->size += n;
    return 0;
}

ssize_t spool_read(struct spool *s, void *dst, size_t n)
{
    uint64_t left = s->size - s->read_off;
    if (n > left)
        n = (size_t)left;
    if (n == 0)
        return 0;
    if (s->fd < 0) {
        memcpy(dst, buf_data(&s->mem) + s->read_off, n);
        s->read_off += n;
        return (ssize_t)n;
    }
    ssize_t r;
    do {
        r = pread(s->fd, dst, n, (off_t)s->read_off);
    } while (r < 0 && errno == EINTR);
    if (r > 0)
        s->read_off += (uint64_t)r;
    return r;
}
