/* server.h - the daemon's shared state: loop, config, listeners, backends,
 * live connections, deferred frees, signals and draining.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_SERVER_H
#define FCGI_LISP_SERVER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "settings.h"

struct conn;
struct request;
struct listener;
struct upstream_sock;
struct upstream_waiter;
struct balance_backend;
struct pool;
struct request_lisplets_setup;
struct store;

/* One Lisp backend and its kept sockets. */
struct backend {
    const struct backend_url *url; /* borrowed from the config */
    struct list idle;              /* owned: kept sockets (upstream_sock.link), most
                                      recently used first */
    bool was_down;                 /* marked down since it last accepted a connection */
};

/* Every read (from a web server or a Lisp) goes into server.rbuf. */
#define SERVER_READ_SIZE (256 * 1024)

struct server {
    struct ev_loop *loop;             /* borrowed: the default loop */
    const struct settings *cfg;       /* borrowed from main, or one of `reloaded`: the
                                         settings in use */
    struct settings **reloaded;       /* owned: what SIGHUP read, the last in use; the
                                         older ones stay until exit (a request may
                                         still point into them) */
    size_t n_reloaded;
    int argc;                         /* for SIGHUP: the command line to read again */
    char **argv;                      /* borrowed from main */
    struct listener *listeners;       /* owned, n_listeners entries */
    size_t n_listeners;
    struct backend *backends;         /* owned, one per cfg->backends entry */
    size_t n_backends;
    struct pool *pool;                /* owned: the Lisp processes of bin-path, or NULL */
    struct store *store;              /* owned: Lisplets sessions and context, or NULL
                                         (mod_lisp backends) */
    struct request_lisplets_setup *lisplets; /* owned: what Lisplets requests derive
                                         from cfg, or NULL (request_lisplets.h) */
    struct balance_backend *bal;      /* owned, n_backends: load and state of backends[i]
                                         as balance_pick reads them */
    size_t rr_next;                   /* round robin: next backend to try first */
    struct list queue;                /* borrowed: requests waiting for a backend below
                                         its limit (upstream_waiter.link), oldest first */
    size_t queue_max;
    ev_prepare queue_kick;            /* hands freed room to waiters (upstream.c) */
    size_t n_idle_total;              /* kept sockets over all backends, <= cfg->max_sockets */
    struct list conns;                /* owned: live client connections (conn.link) */
    size_t n_requests;                /* requests in progress over all connections */
    struct conn *reap_conns;          /* owned: closed, freed by the reaper */
    struct request *reap_requests;    /* owned: ended, freed by the reaper */
    struct request *spare_requests;   /* owned: freed requests kept for reuse */
    size_t n_spare_requests;
    ev_prepare reaper;                /* frees the reap lists before the loop blocks */
    ev_signal sig_term, sig_int, sig_hup, sig_usr1;
    ev_timer drain_timer;             /* SIGTERM: gives in-flight requests this long */
    ev_timer idle_sweep;              /* closes kept sockets idle for longer than io_timeout */
    ev_timer accept_retry;            /* resumes accepting after a pause even when no
                                         connection closes (accept failed with EMFILE) */
    bool draining;
    bool accept_paused;               /* listeners stopped: max-conns reached or out of fds */
    uint8_t *rbuf;                    /* owned, SERVER_READ_SIZE bytes: what one read()
                                         returned, valid only until the code handling it
                                         returns; handlers copy what they keep and never
                                         read a socket themselves */
    char *web_server_addrs;           /* owned: FCGI_WEB_SERVER_ADDRS (FastCGI spec 3.2), or NULL */
    char baseversion[64];             /* server-baseversion when the web server sends no SERVER_SOFTWARE */
};

/* Sets up everything but the listeners. */
void server_init(struct server *srv, struct ev_loop *loop, const struct settings *cfg);
/* Opens the listening sockets: --listen, else fd 0, else LISTEN_FDS, the
 * session store for Lisplets backends, and starts the Lisp processes of
 * bin-path.
 * 0, or -1 with a one-line reason in err (exit status 2 territory). */
int server_listen(struct server *srv, char *err, size_t errlen);
/* SIGHUP: reads the settings again from the same command line, file and
 * environment. An invalid result, or one that changes a key only a restart
 * can change, is refused (logged) and the running settings are kept; else
 * it is used from now on and the Lisp processes of bin-path are replaced
 * one at a time (pool_reload). */
void server_reload(struct server *srv);
/* Stops accepting and lets in-flight requests finish (SIGTERM). */
void server_drain(struct server *srv);
/* Stops accepting until a connection goes away or, at the latest, for
 * SERVER_ACCEPT_RETRY seconds (logged at info with why). */
void server_accept_pause(struct server *srv, const char *why);
/* Called when a connection went away: resumes accepting when under max_conns,
 * ends the loop when draining and nothing is left. */
void server_conn_gone(struct server *srv);
/* Releases everything; watchers stopped. */
void server_free(struct server *srv);

#endif
