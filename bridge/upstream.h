/* upstream.h - sockets to the Lisp backends: picking a backend, connecting,
 * and the pool of kept (Keep-Socket) connections.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_UPSTREAM_H
#define FCGI_LISP_UPSTREAM_H

#include <ev.h>
#include <stdbool.h>

#include "server.h"

/* A kept socket waiting for the next request. Its read watcher notices the
 * Lisp closing it (or sending stray bytes) and closes it. */
struct idle_sock {
    ev_io io;
    struct backend *be;       /* borrowed */
    ev_tstamp since;          /* when it was kept */
    struct idle_sock *prev, *next;
};

/* The attempt-th backend to try for a new request (round robin, skipping
 * those marked down unless all are); NULL when attempt >= n_backends. */
struct backend *upstream_pick(struct server *srv, size_t first, size_t attempt);
/* The index round robin starts at for the next request; advances it. */
size_t upstream_rr_start(struct server *srv);

/* Takes a kept socket to be: its fd, or -1 when there is none. */
int upstream_take_idle(struct server *srv, struct backend *be);
/* Keeps fd for reuse (closes it when max_sockets are kept already). */
void upstream_keep(struct server *srv, struct backend *be, int fd);
/* Marks be down after a refused connection; the caller logs it with the
 * request it failed. */
void upstream_mark_down(struct server *srv, struct backend *be);
/* Marks be up after a successful connection (logs the recovery). */
void upstream_mark_up(struct server *srv, struct backend *be);
/* Closes kept sockets idle for longer than io_timeout (all when force). */
void upstream_sweep(struct server *srv, bool force);

#endif
