/* sock.h - thin wrappers over the socket calls the daemon needs; no logging.
 * fcgi-lisp, MIT licence.
 *
 * Low-level functions return -1 with errno set, or write a one-line reason
 * into the caller's buffer; the caller, who knows the context, logs it. */
#ifndef FCGI_LISP_SOCK_H
#define FCGI_LISP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "addr.h"

/* O_NONBLOCK and FD_CLOEXEC on fd; 0 or -1 with errno. */
int sock_set_nonblock(int fd);

/* True if fd is a listening stream socket (FastCGI spec 2.2: fd 0 of a
 * spawned application; getpeername() fails with ENOTCONN there). */
bool sock_is_listening(int fd);

/* Binds and listens on a (non-blocking, close-on-exec). A unix socket path
 * that exists is unlinked first only if nothing accepts connections on it.
 * Returns the fd, or -1 with a reason in err. */
int sock_listen(const struct addr *a, int backlog, char *err, size_t errlen);

struct sock_listen_opts {
    int backlog;
    int mode;      /* a unix socket's mode, set between bind and listen; -1: the umask's */
    uid_t uid;     /* its owner, (uid_t)-1: unchanged */
    gid_t gid;     /* its group, (gid_t)-1: unchanged */
    bool blocking; /* no O_NONBLOCK: for processes that block in accept() */
};
/* sock_listen with those choices (close-on-exec always). */
int sock_listen_with(const struct addr *a, const struct sock_listen_opts *o, char *err,
                     size_t errlen);

/* Connects to a and hangs up, waiting at most timeout_ms for the answer:
 * 0 when something accepted the connection, else the errno (ECONNREFUSED:
 * nothing listens; ENOENT: no such unix socket; EAGAIN: a unix socket
 * whose backlog is full; ETIMEDOUT). */
int sock_probe(const struct addr *a, int timeout_ms);

/* Starts a non-blocking connect to a. Returns the fd and sets *in_progress
 * when the result comes later (writability, then SO_ERROR); -1 with errno
 * when it failed at once. TCP sockets get TCP_NODELAY: the bridge writes
 * whole blocks, and Nagle would hold back the last one. */
int sock_connect(const struct addr *a, bool *in_progress);

/* The pending error of a connecting socket (0 when connected). */
int sock_error(int fd);

/* True when fd's receive queue holds no unread byte (FIONREAD). */
bool sock_input_empty(int fd);

/* Makes sure fds 0, 1 and 2 are open (on /dev/null if closed) so that no
 * socket is ever handed a standard descriptor by accident (FastCGI spec 2.2
 * says stdout and stderr are closed when an application is spawned). */
void sock_guard_stdio(void);

#endif
