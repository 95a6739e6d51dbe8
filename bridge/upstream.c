/* upstream.c - picking a Lisp backend and keeping its sockets for reuse.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "upstream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"
#include "watch.h"
#include "xalloc.h"

/* Wait queue length per backend when queue-max is 0 (supervision.md §9.2:
 * 8 x max-procs). */
#define UPSTREAM_QUEUE_PER_BACKEND 8

static void upstream_kick_cb(struct ev_loop *loop, ev_prepare *w, int revents);

void upstream_reconfigure(struct server *srv)
{
    const struct settings *cfg = srv->cfg;
    if (srv->pool == NULL) /* a pool's slots take max-load-per-proc (pool.c) */
        for (size_t i = 0; i < srv->n_backends; i++)
            srv->bal[i].max_load = cfg->max_load_per_backend;
    srv->queue_max = cfg->queue_max != 0 ? cfg->queue_max
                                         : UPSTREAM_QUEUE_PER_BACKEND * srv->n_backends;
}

void upstream_init(struct server *srv)
{
    srv->bal = xcalloc(srv->n_backends, sizeof *srv->bal);
    for (size_t i = 0; i < srv->n_backends; i++) {
        const char *name = srv->backends[i].url->text;
        srv->bal[i].name_hash = balance_hash(BALANCE_HASH_INIT, name, strlen(name));
    }
    upstream_reconfigure(srv);
    ev_prepare_init(&srv->queue_kick, upstream_kick_cb);
}

void upstream_free(struct server *srv)
{
    ev_prepare_stop(srv->loop, &srv->queue_kick);
    free(srv->bal);
    srv->bal = NULL;
}

static size_t upstream_index(const struct server *srv, const struct backend *be)
{
    return (size_t)(be - srv->backends);
}

enum balance_rc upstream_acquire(struct server *srv, const struct balance_query *q,
                                 struct backend **out)
{
    size_t i;
    enum balance_rc rc =
        balance_pick(srv->cfg->balance, srv->bal, srv->n_backends, q, &srv->rr_next, &i);
    if (rc != BALANCE_PICKED && srv->pool != NULL)
        rc = pool_on_no_backend(srv->pool, rc, srv->queue.len + 1);
    if (rc == BALANCE_PICKED) {
        srv->bal[i].load++;
        *out = &srv->backends[i];
    }
    return rc;
}

void upstream_acquire_this(struct server *srv, struct backend *be)
{
    srv->bal[upstream_index(srv, be)].load++;
}

void upstream_release(struct server *srv, struct backend *be)
{
    size_t i = upstream_index(srv, be);
    srv->bal[i].load--;
    if (srv->pool != NULL)
        pool_on_release(srv->pool, i);
    upstream_kick(srv);
}

void upstream_kick(struct server *srv)
{
    if (srv->queue.first != NULL)
        ev_prepare_start(srv->loop, &srv->queue_kick);
}

bool upstream_enqueue(struct server *srv, struct upstream_waiter *w)
{
    if (srv->queue.len >= srv->queue_max)
        return false;
    list_push_back(&srv->queue, &w->link);
    return true;
}

void upstream_dequeue(struct server *srv, struct upstream_waiter *w)
{
    list_remove(&srv->queue, &w->link);
}

/* Runs before the loop blocks after a release: hands the room that opened
 * to the oldest waiters, outside the callback that released it. Each waiter
 * present now is tried at most once (one that still finds every backend
 * full queues itself again, at the end). */
static void upstream_kick_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct server *srv = ev_userdata(loop);
    ev_prepare_stop(loop, w);
    for (size_t n = srv->queue.len; n > 0 && srv->queue.first != NULL; n--) {
        struct upstream_waiter *first = LIST_ENTRY(srv->queue.first, struct upstream_waiter, link);
        upstream_dequeue(srv, first);
        first->ready(first);
    }
}

struct upstream_sock *upstream_sock_new(struct backend *be, int fd)
{
    struct upstream_sock *s = xcalloc(1, sizeof *s);
    s->be = be;
    ev_io_init(&s->io, NULL, fd, 0);
    return s;
}

void upstream_sock_close(struct server *srv, struct upstream_sock *s)
{
    ev_io_stop(srv->loop, &s->io);
    close(s->io.fd);
    free(s);
}

static void upstream_idle_unlink(struct server *srv, struct upstream_sock *s)
{
    list_remove(&s->be->idle, &s->link);
    srv->n_idle_total--;
}

/* A kept socket became readable: the Lisp closed it or sent stray bytes;
 * either way it cannot carry the next request. */
static void upstream_idle_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct upstream_sock *s = w->data;
    struct server *srv = ev_userdata(loop);
    log_debug("backend %s: kept socket closed by the Lisp", s->be->url->text);
    upstream_idle_unlink(srv, s);
    upstream_sock_close(srv, s);
}

struct upstream_sock *upstream_take_idle(struct server *srv, struct backend *be)
{
    if (be->idle.first == NULL)
        return NULL;
    struct upstream_sock *s = LIST_ENTRY(be->idle.first, struct upstream_sock, link);
    upstream_idle_unlink(srv, s);
    ev_io_stop(srv->loop, &s->io);
    return s;
}

void upstream_keep(struct server *srv, struct upstream_sock *s)
{
    if (srv->n_idle_total >= srv->cfg->max_sockets || srv->draining) {
        upstream_sock_close(srv, s);
        return;
    }
    s->since = ev_now(srv->loop);
    ev_set_cb(&s->io, upstream_idle_cb);
    s->io.data = s;
    watch_io_events(srv->loop, &s->io, EV_READ);
    list_push_front(&s->be->idle, &s->link);
    srv->n_idle_total++;
}

void upstream_mark_down(struct server *srv, struct backend *be)
{
    srv->bal[upstream_index(srv, be)].disabled_until = ev_now(srv->loop) + srv->cfg->disable_time;
    be->was_down = true;
}

void upstream_mark_up(struct server *srv, struct backend *be)
{
    srv->bal[upstream_index(srv, be)].disabled_until = 0;
    if (be->was_down) {
        log_notice("backend %s: accepting connections again", be->url->text);
        be->was_down = false;
    }
}

void upstream_close_idle(struct server *srv, struct backend *be)
{
    while (be->idle.first != NULL) {
        struct upstream_sock *s = LIST_ENTRY(be->idle.first, struct upstream_sock, link);
        upstream_idle_unlink(srv, s);
        upstream_sock_close(srv, s);
    }
}

void upstream_sweep(struct server *srv, bool force)
{
    ev_tstamp limit = ev_now(srv->loop) - srv->cfg->io_timeout;
    for (size_t i = 0; i < srv->n_backends; i++) {
        struct list_link *l = srv->backends[i].idle.first;
        while (l != NULL) {
            struct list_link *next = l->next;
            struct upstream_sock *s = LIST_ENTRY(l, struct upstream_sock, link);
            if (force || s->since < limit) {
                upstream_idle_unlink(srv, s);
                upstream_sock_close(srv, s);
            }
            l = next;
        }
    }
}
