/* upstream.h - sockets to the Lisp backends: picking a backend, connecting,
 * and the pool of kept (Keep-Socket) connections.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_UPSTREAM_H
#define FCGI_LISP_UPSTREAM_H

#include <ev.h>
#include <stdbool.h>

#include "balance.h"
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
    struct list_link link;              /* in be->idle while kept */
};

/* A request waiting for a backend below its max-load-per-backend. */
struct upstream_waiter {
    struct list_link link;                    /* in the server's queue */
    void (*ready)(struct upstream_waiter *w); /* a backend may have room now: try again
                                                 (w is off the queue) */
};

/* Sets up the backends' balancing state and the wait queue (server_init). */
void upstream_init(struct server *srv);
void upstream_free(struct server *srv);
/* The settings changed (SIGHUP): limits and queue bound follow them. */
void upstream_reconfigure(struct server *srv);

/* Picks a backend for q with the configured balance mode and counts the
 * request on it (*out); or says that every usable backend is full, or that
 * none is up. */
enum balance_rc upstream_acquire(struct server *srv, const struct balance_query *q,
                                 struct backend **out);
/* Counts one more request on be without balancing (a re-send to it). */
void upstream_acquire_this(struct server *srv, struct backend *be);
/* The request counted on be is done with it; a waiting request may go. */
void upstream_release(struct server *srv, struct backend *be);
/* Lets the waiting requests try again soon (a backend became usable). */
void upstream_kick(struct server *srv);
/* Queues w (FIFO) until upstream_release makes room: false when the queue
 * holds queue-max requests already. */
bool upstream_enqueue(struct server *srv, struct upstream_waiter *w);
/* Takes w off the queue (it timed out or its request ended). */
void upstream_dequeue(struct server *srv, struct upstream_waiter *w);

/* Wraps fd, a socket connected (or connecting) to be; its watcher is
 * stopped, with cb and data to be set by the holder. */
struct upstream_sock *upstream_sock_new(struct backend *be, int fd);
/* Stops s's watcher, closes its socket and frees s. */
void upstream_sock_close(struct server *srv, struct upstream_sock *s);
/* Takes a kept socket to be (watcher stopped), or NULL when there is none. */
struct upstream_sock *upstream_take_idle(struct server *srv, struct backend *be);
/* Keeps s for reuse, or closes it when max_sockets are kept already. */
void upstream_keep(struct server *srv, struct upstream_sock *s);
/* Marks be down for disable-time after a refused connection; the caller
 * logs it with the request it failed. */
void upstream_mark_down(struct server *srv, struct backend *be);
/* Marks be up after a successful connection (logs the recovery). */
void upstream_mark_up(struct server *srv, struct backend *be);
/* Closes be's kept sockets (its process is gone). */
void upstream_close_idle(struct server *srv, struct backend *be);
/* Closes kept sockets idle for longer than io_timeout (all when force). */
void upstream_sweep(struct server *srv, bool force);

#endif
