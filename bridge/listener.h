/* listener.h - a listening FastCGI socket: accepts connections from the web
 * server and hands them to conn_new.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_LISTENER_H
#define FCGI_LISP_LISTENER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "server.h"

struct listener {
    ev_io io;
    struct server *srv;   /* borrowed */
    int fd;               /* owned; -1 once closed */
    char *unlink_path;    /* owned: unix socket path this process bound, removed on close; or NULL */
    char name[128];       /* "unix:/run/x.sock", "127.0.0.1:9000" or "fd 0", for log lines */
};

/* Binds and listens on a. 0, or -1 with a reason in err. */
int listener_open(struct listener *l, struct server *srv, const struct addr *a, char *err,
                  size_t errlen);
/* Serves a listening socket this process was given (fd 0, systemd's LISTEN_FDS). */
int listener_adopt(struct listener *l, struct server *srv, int fd, const char *name, char *err,
                   size_t errlen);
void listener_start(struct listener *l);
void listener_stop(struct listener *l);
/* Stops, closes and, for a unix socket it bound itself, unlinks. Idempotent. */
void listener_close(struct listener *l);

#endif
