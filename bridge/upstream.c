/* upstream.c - picking a Lisp backend and keeping its sockets for reuse.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "upstream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"
#include "xalloc.h"

/* A backend that refused a connection is skipped for this long (lighttpd's
 * disable-time; configurable with the pool in a later release). */
#define UPSTREAM_DISABLE_SECONDS 1.0

size_t upstream_rr_start(struct server *srv)
{
    size_t first = srv->rr_next;
    srv->rr_next = (srv->rr_next + 1) % srv->n_backends;
    return first;
}

struct backend *upstream_pick(struct server *srv, size_t first, size_t attempt)
{
    if (attempt >= srv->n_backends)
        return NULL;
    ev_tstamp now = ev_now(srv->loop);
    /* Backends that are up come first, in round-robin order from `first`;
     * then those marked down, so a request is never refused while any
     * backend might answer. */
    size_t seen = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < srv->n_backends; i++) {
            struct backend *be = &srv->backends[(first + i) % srv->n_backends];
            bool up = be->down_until <= now;
            if ((pass == 0) != up)
                continue;
            if (seen++ == attempt)
                return be;
        }
    }
    return NULL;
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
    struct backend *be = s->be;
    if (s->prev)
        s->prev->next = s->next;
    else
        be->idle = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    be->n_idle--;
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
    struct upstream_sock *s = be->idle;
    if (s == NULL)
        return NULL;
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
    struct backend *be = s->be;
    s->since = ev_now(srv->loop);
    ev_set_cb(&s->io, upstream_idle_cb);
    s->io.data = s;
    watch_io_events(srv->loop, &s->io, EV_READ);
    s->prev = NULL;
    s->next = be->idle;
    if (be->idle)
        be->idle->prev = s;
    be->idle = s;
    be->n_idle++;
    srv->n_idle_total++;
}

void upstream_mark_down(struct server *srv, struct backend *be)
{
    be->down_until = ev_now(srv->loop) + UPSTREAM_DISABLE_SECONDS;
    be->was_down = true;
}

void upstream_mark_up(struct server *srv, struct backend *be)
{
    be->down_until = 0;
    if (be->was_down) {
        log_notice("backend %s: accepting connections again", be->url->text);
        be->was_down = false;
    }
}

void upstream_sweep(struct server *srv, bool force)
{
    ev_tstamp limit = ev_now(srv->loop) - srv->cfg->io_timeout;
    for (size_t i = 0; i < srv->n_backends; i++) {
        struct upstream_sock *s = srv->backends[i].idle;
        while (s != NULL) {
            struct upstream_sock *next = s->next;
            if (force || s->since < limit) {
                upstream_idle_unlink(srv, s);
                upstream_sock_close(srv, s);
            }
            s = next;
        }
    }
}
