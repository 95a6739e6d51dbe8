/* listener.c - accepting FastCGI connections.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "sock.h"
#include "xalloc.h"

static void listener_accept_cb(struct ev_loop *loop, ev_io *w, int revents);

static void listener_init(struct listener *l, struct server *srv, int fd)
{
    l->srv = srv;
    l->fd = fd;
    l->unlink_path = NULL;
    ev_io_init(&l->io, listener_accept_cb, fd, EV_READ);
}

int listener_open(struct listener *l, struct server *srv, const struct addr *a, char *err,
                  size_t errlen)
{
    int fd = sock_listen(a, (int)srv->cfg->listen_backlog, err, errlen);
    if (fd < 0)
        return -1;
    listener_init(l, srv, fd);
    addr_format(a, l->name, sizeof l->name);
    if (a->family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)&a->sa;
        l->unlink_path = xstrdup(un->sun_path);
    }
    return 0;
}

int listener_adopt(struct listener *l, struct server *srv, int fd, const char *name, char *err,
                   size_t errlen)
{
    if (sock_set_nonblock(fd) < 0) {
        snprintf(err, errlen, "%s: cannot make the socket non-blocking: %s", name,
                 strerror(errno));
        return -1;
    }
    listener_init(l, srv, fd);
    snprintf(l->name, sizeof l->name, "%s", name);
    return 0;
}

void listener_start(struct listener *l)
{
    if (l->fd >= 0)
        ev_io_start(l->srv->loop, &l->io);
}

void listener_stop(struct listener *l)
{
    ev_io_stop(l->srv->loop, &l->io);
}

void listener_close(struct listener *l)
{
    if (l->fd < 0)
        return;
    listener_stop(l);
    close(l->fd);
    l->fd = -1;
    if (l->unlink_path != NULL) {
        unlink(l->unlink_path);
        free(l->unlink_path);
        l->unlink_path = NULL;
    }
}

/* FastCGI spec 3.2: with FCGI_WEB_SERVER_ADDRS set, only the listed IP
 * addresses may connect over TCP. */
static bool listener_peer_allowed(const struct server *srv, const char *ip)
{
    const char *list = srv->web_server_addrs;
    if (list == NULL || ip[0] == '\0')
        return true;
    size_t iplen = strlen(ip);
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ", \t");
        if (n == iplen && memcmp(p, ip, n) == 0)
            return true;
        p += n;
        p += strspn(p, ", \t");
    }
    return false;
}

/* The peer's IP address, or "" for a unix socket. */
static void listener_peer_ip(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
    out[0] = '\0';
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)outlen);
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, (socklen_t)outlen);
}

/* Connections accepted per readiness event, so that one busy listener does
 * not starve the connections already open. Accepting until EAGAIN costs a
 * web server that opens one connection per request (mod_fcgid) a failing
 * accept() each time, but accepting one per event cost 32 clients that
 * connect per request about 6% of their req/s (bench/RESULTS.md, run 3). */
#define LISTENER_ACCEPT_BURST 64

static void listener_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct listener *l = (struct listener *)w;
    struct server *srv = l->srv;
    for (int i = 0; i < LISTENER_ACCEPT_BURST; i++) {
        if (srv->conns.len >= srv->cfg->max_conns) {
            server_accept_pause(srv, "max-conns connections are open");
            return;
        }
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                log_err("listener %s: accept: %s; pausing until a connection closes", l->name,
                        strerror(errno));
                server_accept_pause(srv, strerror(errno));
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log_err("listener %s: accept: %s", l->name, strerror(errno));
            }
            return;
        }
        char ip[INET6_ADDRSTRLEN];
        listener_peer_ip(&ss, ip, sizeof ip);
        if (!listener_peer_allowed(srv, ip)) {
            log_warn("listener %s: connection from %s refused: not in FCGI_WEB_SERVER_ADDRS",
                     l->name, ip);
            close(fd);
            continue;
        }
        char peer[64];
        if (ip[0] != '\0')
            snprintf(peer, sizeof peer, "%s", ip);
        else
            snprintf(peer, sizeof peer, "%.63s", l->name);
        conn_new(srv, fd, peer);
    }
}
