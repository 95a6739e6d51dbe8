/* fdio.h - whole writes on a blocking descriptor (a spool file; the test
 * and benchmark tools' sockets). The event loop's sockets never use it.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_FDIO_H
#define FCGI_LISP_FDIO_H

#include <stddef.h>

/* Writes all n bytes of p, retrying short writes and EINTR. 0, or -1 with
 * errno set (EPIPE included where SIGPIPE is ignored). */
int fdio_write_all(int fd, const void *p, size_t n);

#endif
