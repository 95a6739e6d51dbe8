/* server.c - the daemon's shared state: listeners, backends, the reaper,
 * signals and the graceful stop.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "fcgi_record.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "request.h"
#include "request_lisplets.h"
#include "sock.h"
#include "store.h"
#include "upstream.h"
#include "xalloc.h"

extern char **environ;

#define SERVER_CONTAINER(ptr, field) \
    ((struct server *)((char *)(ptr) - offsetof(struct server, field)))

/* Frees what closed and ended since the last loop iteration: nothing is freed
 * while a callback further up the stack may still hold a pointer to it. */
static void server_reap_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
    struct server *srv = SERVER_CONTAINER(w, reaper);
    while (srv->reap_requests != NULL) {
        struct request *r = srv->reap_requests;
        srv->reap_requests = r->reap_next;
        request_free(r);
    }
    while (srv->reap_conns != NULL) {
        struct conn *c = srv->reap_conns;
        srv->reap_conns = c->reap_next;
        conn_free(c);
    }
}

static void server_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct server *srv = ev_userdata(loop);
    if (w->signum == SIGHUP) {
        server_reload(srv);
        return;
    }
    log_notice("SIG%s: stopping", sigabbrev_np(w->signum));
    server_drain(srv);
}

/* Out of descriptors with no connection left to close, nothing else would
 * resume accepting (ev.pod, "The special problem of accept()ing when you
 * can't"); if the shortage lasts, accept fails again and pauses again. */
#define SERVER_ACCEPT_RETRY 1.0

static void server_accept_resume(struct server *srv)
{
    srv->accept_paused = false;
    ev_timer_stop(srv->loop, &srv->accept_retry);
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_start(&srv->listeners[i]);
}

static void server_accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct server *srv = ev_userdata(loop);
    if (srv->accept_paused && !srv->draining && srv->conns.len < srv->cfg->max_conns)
        server_accept_resume(srv);
}

static void server_sweep_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    upstream_sweep(ev_userdata(loop), false);
}

static void server_drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct server *srv = ev_userdata(loop);
    log_warn("%zu requests still in progress after shutdown-timeout (%gs); closing them",
             srv->n_requests, srv->cfg->shutdown_timeout);
    while (srv->conns.first != NULL)
        conn_close(LIST_ENTRY(srv->conns.first, struct conn, link), "shutdown timeout");
    ev_break(loop, EVBREAK_ALL);
}

void server_init(struct server *srv, struct ev_loop *loop, const struct settings *cfg)
{
    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->cfg = cfg;
    ev_set_userdata(loop, srv);
    srv->rbuf = xmalloc(SERVER_READ_SIZE);
    if (cfg->bin_path != NULL) {
        /* backend N is the pool's slot N */
        srv->pool = pool_new(srv);
        srv->n_backends = srv->pool->n_slots;
        srv->backends = xcalloc(srv->n_backends, sizeof *srv->backends);
        for (size_t i = 0; i < srv->n_backends; i++)
            srv->backends[i].url = &srv->pool->urls[i];
    } else {
        srv->n_backends = cfg->n_backends;
        srv->backends = xcalloc(cfg->n_backends, sizeof *srv->backends);
        for (size_t i = 0; i < cfg->n_backends; i++)
            srv->backends[i].url = &cfg->backends[i];
    }
    upstream_init(srv);
    snprintf(srv->baseversion, sizeof srv->baseversion, "fcgi-lisp/%s", PACKAGE_VERSION);
    const char *addrs = getenv("FCGI_WEB_SERVER_ADDRS");
    if (addrs != NULL && addrs[0] != '\0')
        srv->web_server_addrs = xstrdup(addrs);

    ev_prepare_init(&srv->reaper, server_reap_cb);
    ev_prepare_start(loop, &srv->reaper);
    ev_signal_init(&srv->sig_term, server_signal_cb, SIGTERM);
    ev_signal_init(&srv->sig_int, server_signal_cb, SIGINT);
    ev_signal_init(&srv->sig_hup, server_signal_cb, SIGHUP);
    /* libfcgi's and multiwatch's "finish and exit" (fcgi-lisp-spawn's
     * default stop-signal) */
    ev_signal_init(&srv->sig_usr1, server_signal_cb, SIGUSR1);
    ev_signal_start(loop, &srv->sig_term);
    ev_signal_start(loop, &srv->sig_int);
    ev_signal_start(loop, &srv->sig_hup);
    ev_signal_start(loop, &srv->sig_usr1);
    ev_timer_init(&srv->drain_timer, server_drain_timeout_cb, cfg->shutdown_timeout, 0.);
    ev_timer_init(&srv->idle_sweep, server_sweep_cb, cfg->io_timeout, cfg->io_timeout);
    ev_timer_start(loop, &srv->idle_sweep);
    ev_timer_init(&srv->accept_retry, server_accept_retry_cb, SERVER_ACCEPT_RETRY, 0.);
}

static struct listener *server_add_listener(struct server *srv)
{
    srv->listeners = xrealloc(srv->listeners, (srv->n_listeners + 1) * sizeof *srv->listeners);
    return &srv->listeners[srv->n_listeners++];
}

/* systemd socket activation (sd_listen_fds(3)): LISTEN_PID is ours and
 * LISTEN_FDS sockets start at fd 3. Returns how many were adopted, -1 on error. */
static int server_listen_systemd(struct server *srv, char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    if (pid == NULL || fds == NULL || strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    long n = strtol(fds, NULL, 10);
    for (long i = 0; i < n && i < 64; i++) {
        int fd = 3 + (int)i;
        char name[32];
        snprintf(name, sizeof name, "LISTEN_FDS fd %d", fd);
        if (!sock_is_listening(fd)) {
            snprintf(err, errlen, "%s is not a listening socket", name);
            return -1;
        }
        struct listener *l = server_add_listener(srv);
        if (listener_adopt(l, srv, fd, name, err, errlen) < 0) {
            srv->n_listeners--;
            return -1;
        }
    }
    return (int)n;
}

int server_listen(struct server *srv, char *err, size_t errlen)
{
    const struct settings *cfg = srv->cfg;
    if (cfg->listen != NULL) {
        struct addr a;
        char why[256];
        if (addr_parse(&a, cfg->listen, why, sizeof why) < 0) {
            snprintf(err, errlen, "--listen %s: %s", cfg->listen, why);
            return -1;
        }
        struct listener *l = server_add_listener(srv);
        if (listener_open(l, srv, &a, err, errlen) < 0) {
            srv->n_listeners--;
            return -1;
        }
    } else if (sock_is_listening(FCGI_LISTENSOCK_FILENO)) {
        /* FastCGI spec 2.2: a spawned application finds its socket on fd 0. */
        struct listener *l = server_add_listener(srv);
        if (listener_adopt(l, srv, FCGI_LISTENSOCK_FILENO, "fd 0", err, errlen) < 0) {
            srv->n_listeners--;
            return -1;
        }
    } else {
        int n = server_listen_systemd(srv, err, errlen);
        if (n < 0)
            return -1;
        if (n == 0) {
            snprintf(err, errlen,
                     "no socket to serve: give --listen unix:/PATH or --listen HOST:PORT, or let "
                     "the web server start fcgi-lisp with its FastCGI socket on fd 0 (lighttpd "
                     "bin-path, mod_fcgid, spawn-fcgi)");
            return -1;
        }
    }
    if (cfg->backends[0].proto == BACKEND_LISPLETS) {
        char why[256];
        srv->store = store_lmdb_open(cfg->session_store, cfg->session_store_size, why,
                                     sizeof why);
        if (srv->store == NULL) {
            snprintf(err, errlen, "session-store %s: %s", cfg->session_store, why);
            return -1;
        }
    }
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_start(&srv->listeners[i]);
    if (srv->pool != NULL)
        pool_start(srv->pool);
    return 0;
}

void server_accept_pause(struct server *srv, const char *why)
{
    if (srv->accept_paused)
        return;
    log_info("not accepting connections for now: %s", why);
    srv->accept_paused = true;
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_stop(&srv->listeners[i]);
    ev_timer_start(srv->loop, &srv->accept_retry);
}

void server_conn_gone(struct server *srv)
{
    if (srv->draining) {
        if (srv->conns.len == 0)
            ev_break(srv->loop, EVBREAK_ALL);
        return;
    }
    if (srv->accept_paused && srv->conns.len < srv->cfg->max_conns)
        server_accept_resume(srv);
}

void server_reload(struct server *srv)
{
    struct settings *next = xcalloc(1, sizeof *next);
    settings_init(next);
    char err[1024];
    const char *blocker = NULL;
    enum settings_rc rc = settings_load(next, srv->argc, srv->argv, environ, err, sizeof err);
    if (rc == SETTINGS_OK)
        blocker = settings_reload_blocker(srv->cfg, next);
    if (rc != SETTINGS_OK || blocker != NULL) {
        if (rc != SETTINGS_OK)
            log_err("SIGHUP: %s; the running configuration is kept", err);
        else
            log_err("SIGHUP: %s changed, which needs a restart; the running configuration is "
                    "kept",
                    blocker);
        settings_free(next);
        free(next);
        return;
    }
    srv->reloaded = xrealloc(srv->reloaded, (srv->n_reloaded + 1) * sizeof *srv->reloaded);
    srv->reloaded[srv->n_reloaded++] = next;
    srv->cfg = next;
    log_level = next->log_level;
    if (srv->pool == NULL)
        for (size_t i = 0; i < srv->n_backends; i++)
            srv->backends[i].url = &next->backends[i];
    /* spare requests were sized by the old limits */
    request_spares_free(srv);
    upstream_reconfigure(srv);
    log_notice("SIGHUP: configuration read again%s%s", next->config_file ? " from " : "",
               next->config_file ? next->config_file : "");
    if (srv->pool != NULL)
        pool_reload(srv->pool);
}

void server_drain(struct server *srv)
{
    if (srv->draining)
        return;
    srv->draining = true;
    ev_timer_stop(srv->loop, &srv->accept_retry);
    log_notice("no new connections; waiting up to %gs for %zu requests in progress",
               srv->cfg->shutdown_timeout, srv->n_requests);
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_close(&srv->listeners[i]);
    upstream_sweep(srv, true);
    struct conn *c = LIST_FIRST(&srv->conns, struct conn, link);
    while (c != NULL) {
        struct conn *next = LIST_NEXT(c, struct conn, link);
        conn_close_when_idle(c);
        c = next;
    }
    if (srv->conns.len == 0) {
        ev_break(srv->loop, EVBREAK_ALL);
        return;
    }
    ev_timer_start(srv->loop, &srv->drain_timer);
}

void server_free(struct server *srv)
{
    store_close(srv->store);
    srv->store = NULL;
    request_lisplets_setup_free(srv->lisplets);
    srv->lisplets = NULL;
    for (size_t i = 0; i < srv->n_listeners; i++)
        listener_close(&srv->listeners[i]);
    srv->draining = true; /* conn_close must not restart the listeners */
    while (srv->conns.first != NULL)
        conn_close(LIST_ENTRY(srv->conns.first, struct conn, link), "exiting");
    upstream_sweep(srv, true);
    server_reap_cb(srv->loop, &srv->reaper, 0);
    request_spares_free(srv);
    ev_prepare_stop(srv->loop, &srv->reaper);
    ev_signal_stop(srv->loop, &srv->sig_term);
    ev_signal_stop(srv->loop, &srv->sig_int);
    ev_signal_stop(srv->loop, &srv->sig_hup);
    ev_signal_stop(srv->loop, &srv->sig_usr1);
    ev_timer_stop(srv->loop, &srv->drain_timer);
    ev_timer_stop(srv->loop, &srv->idle_sweep);
    ev_timer_stop(srv->loop, &srv->accept_retry);
    if (srv->pool != NULL)
        pool_free(srv->pool);
    upstream_free(srv);
    for (size_t i = 0; i < srv->n_reloaded; i++) {
        settings_free(srv->reloaded[i]);
        free(srv->reloaded[i]);
    }
    free(srv->reloaded);
    free(srv->listeners);
    free(srv->backends);
    free(srv->web_server_addrs);
    free(srv->rbuf);
}
