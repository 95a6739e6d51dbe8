/* spool.h - holds a request body of unknown length until it is complete:
 * in memory up to a limit, then in an unlinked temporary file.
 * fcgi-lisp, MIT licence.
 *
 * mod_lisp needs the body's length before the body (modlisp.md section 6),
 * and a chunked upload streamed by nginx (fastcgi_request_buffering off)
 * arrives with an empty CONTENT_LENGTH, so such a body is counted here first.
 * File I/O is blocking; it is local disk, as nginx's own request buffering. */
#ifndef FCGI_LISP_SPOOL_H
#define FCGI_LISP_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct spool {
    struct buf mem;       /* owned: the body while it fits in mem_limit */
    int fd;               /* owned: temp file once it did not fit, else -1 */
    uint64_t size;        /* bytes appended */
    uint64_t read_off;    /* bytes handed out by spool_read */
    size_t mem_limit;
    const char *dir;      /* borrowed: directory for the temp file */
};

void spool_init(struct spool *s, size_t mem_limit, const char *dir);
void spool_free(struct spool *s);
/* Appends n bytes. 0, or -1 with a reason in err (temp file creation or write failed). */
int spool_append(struct spool *s, const void *p, size_t n, char *err, size_t errlen);
/* Copies the next at most n bytes, in order, from the start; 0 at the end, -1 with errno. */
ssize_t spool_read(struct spool *s, void *dst, size_t n);

#endif
