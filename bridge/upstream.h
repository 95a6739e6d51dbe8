/* upstream.h - sockets to the Lisp backends: picking a backend, connecting,
 * and the pool of kept (Keep-Socket) connections.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_UPSTREAM_H
#define FCGI_LISP_UPSTREAM_H

#include <ev.h>
#include <stdbool.h>

#include "server.h"

/* One connection to a Lisp backend, from connect() to close(). A request
 * holds it while it talks to the Lisp (io calls the request's callback with
 * io.data = the request); between requests it waits in its backend's idle
 * list, where io notices the Lisp closing it (or sending stray bytes). The
 * same watcher serves its whole life: a hand-over changes the callback and
 * the events, never the fd, so epoll is not asked to add it again. */
struct upstream_sock {
    ev_io io;                           /* io.fd is the socket */
    struct backend *be;                 /* borrowed */
    ev_tstamp since;                    /* when it was last kept */
    struct upstream_sock *prev, *next;  /* be's idle list while kept */
};

/* The attempt-th backend to try for a new request (round robin, skipping
 * those marked down unless all are); NULL when attempt >= n_backends. */
struct backend *upstream_pick(struct server *srv, size_t first, size_t attempt);
/* The index round robin starts at for the next request; advances it. */
size_t upstream_rr_start(struct server *srv);

/* Wraps fd, a socket connected (or connecting) to be; its watcher is
 * stopped, with cb and data to be set by the holder. */
struct upstream_sock *upstream_sock_new(struct backend *be, int fd);
/* Stops s's watcher, closes its socket and frees s. */
void upstream_sock_close(struct server *srv, struct upstream_sock *s);
/* Takes a kept socket to be (watcher stopped), or NULL when there is none. */
struct upstream_sock *upstream_take_idle(struct server *srv, struct backend *be);
/* Keeps s for reuse, or closes it when max_sockets are kept already. */
void upstream_keep(struct server *srv, struct upstream_sock *s);
/* Marks be down after a refused connection; the caller logs it with the
 * request it failed. */
void upstream_mark_down(struct server *srv, struct backend *be);
/* Marks be up after a successful connection (logs the recovery). */
void upstream_mark_up(struct server *srv, struct backend *be);
/* Closes kept sockets idle for longer than io_timeout (all when force). */
void upstream_sweep(struct server *srv, bool force);

#endif
