/* spawn_socket.h - the one listening socket fcgi-lisp-spawn's children share
 * on fd 0: bound from -s or -a/-p as spawn-fcgi binds it, or taken from
 * systemd (LISTEN_FDS) or from fcgi-lisp-spawn's own fd 0.
 * fcgi-lisp, MIT licence.
 *
 * The socket is blocking (the children block in accept()) and close-on-exec
 * in the supervisor (proc.h gives it to each child as fd 0). Functions
 * write a reason into err; main says it once. */
#ifndef FCGI_LISP_SPAWN_SOCKET_H
#define FCGI_LISP_SPAWN_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spawn_args.h"

/* systemd's first passed descriptor (sd_listen_fds(3)). */
#define SPAWN_SOCKET_LISTEN_FDS_START 3

struct spawn_socket {
    int fd;              /* the listening socket, or -1 */
    char name[320];      /* "unix:/run/app.sock", "0.0.0.0:9000", "fd 3 from systemd" */
    char *unlink_path;   /* owned: an absolute path of a unix socket bound here, removed
                            by spawn_socket_close; NULL for TCP and inherited sockets */
};

/* Binds what a asks for (-s, or -a and -p): a unix socket path where
 * something accepts connections is refused ("socket is already in use"), a
 * stale one is replaced; the mode is -M (default 0660 & ~umask), the owner
 * uid:gid unless -1; backlog -b. 0 or -1. */
int spawn_socket_bind(struct spawn_socket *s, const struct spawn_args *a, uid_t uid, gid_t gid,
                      char *err, size_t errlen);

/* No -s or -p: the socket systemd passed (LISTEN_PID is this process,
 * LISTEN_FDS is 1), else fd 0 when it is a listening socket (then fd 0
 * is pointed at /dev/null). 0 or -1. */
int spawn_socket_inherit(struct spawn_socket *s, char *err, size_t errlen);

/* Closes the socket and removes the unix socket file it bound: 0, or -1
 * with errno when the file could not be removed (after -u, its directory
 * may not be the new user's to write). */
int spawn_socket_close(struct spawn_socket *s);

#endif
