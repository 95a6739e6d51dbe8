/* spawn_socket.c - the children's listening socket.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "spawn_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "sock.h"
#include "value.h"
#include "xalloc.h"

/* -a (an IPv4 or IPv6 literal, as spawn-fcgi takes; default 0.0.0.0) and
 * -p into a. */
static int spawn_socket_tcp_addr(struct addr *a, const char *ip, unsigned port, char *err,
                                 size_t errlen)
{
    memset(a, 0, sizeof *a);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&a->sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
    if (ip == NULL)
        ip = "0.0.0.0";
    if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        a->family = AF_INET;
        a->len = sizeof *in4;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        a->family = AF_INET6;
        a->len = sizeof *in6;
        return 0;
    }
    snprintf(err, errlen, "'%s' is not a valid IP address", ip);
    return -1;
}

/* path made absolute against the current directory (the supervisor may
 * chdir later, -d, and still has to remove it at exit). */
static char *spawn_socket_absolute(const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return xstrdup(path);
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s/%s", cwd, path);
    buf_append_byte(&b, '\0');
    char *s = xstrdup((const char *)buf_data(&b));
    buf_free(&b);
    return s;
}

int spawn_socket_bind(struct spawn_socket *s, const struct spawn_args *a, uid_t uid, gid_t gid,
                      char *err, size_t errlen)
{
    struct addr addr;
    s->fd = -1;
    s->unlink_path = NULL;
    if (a->unix_path != NULL) {
        struct sockaddr_un *un = (struct sockaddr_un *)&addr.sa;
        memset(&addr, 0, sizeof addr);
        un->sun_family = AF_UNIX;
        snprintf(un->sun_path, sizeof un->sun_path, "%s", a->unix_path); /* fits: spawn_args */
        addr.family = AF_UNIX;
        addr.len = sizeof *un;
        int rc = sock_probe(&addr, 0);
        if (rc == 0 || rc == EAGAIN) {
            snprintf(err, errlen, "socket is already in use, can't spawn (%s)", a->unix_path);
            return -1;
        }
    } else if (spawn_socket_tcp_addr(&addr, a->bind_addr, a->port, err, errlen) < 0) {
        return -1;
    }
    int mode = a->socket_mode;
    if (mode < 0) {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0660 & ~(int)mask;
    }
    struct sock_listen_opts o = {.backlog = (int)a->backlog, .mode = mode, .uid = uid,
                                 .gid = gid, .blocking = true};
    s->fd = sock_listen_with(&addr, &o, err, errlen);
    if (s->fd < 0)
        return -1;
    addr_format(&addr, s->name, sizeof s->name);
    if (a->unix_path != NULL)
        s->unlink_path = spawn_socket_absolute(a->unix_path);
    return 0;
}

/* fd, a listening stream socket, becomes the children's: blocking,
 * close-on-exec, at fd 3 or above. */
static int spawn_socket_adopt(struct spawn_socket *s, int fd, const char *from, char *err,
                              size_t errlen)
{
    if (!sock_is_listening(fd)) {
        snprintf(err, errlen, "%s is not a listening socket", from);
        return -1;
    }
    int own = fd >= SPAWN_SOCKET_LISTEN_FDS_START
                  ? fd
                  : fcntl(fd, F_DUPFD_CLOEXEC, SPAWN_SOCKET_LISTEN_FDS_START);
    int fl = own < 0 ? -1 : fcntl(own, F_GETFL);
    if (fl < 0 || fcntl(own, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
        fcntl(own, F_SETFD, FD_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot take %s: %s", from, strerror(errno));
        return -1;
    }
    s->fd = own;
    snprintf(s->name, sizeof s->name, "%s", from);
    return 0;
}

int spawn_socket_inherit(struct spawn_socket *s, char *err, size_t errlen)
{
    s->fd = -1;
    s->unlink_path = NULL;
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    uint64_t listen_pid, n;
    if (pid != NULL && fds != NULL && value_parse_u64(pid, &listen_pid) == 0 &&
        listen_pid == (uint64_t)getpid() && value_parse_u64(fds, &n) == 0) {
        if (n != 1) {
            snprintf(err, errlen, "systemd passed %s sockets (LISTEN_FDS); give the service "
                                  "exactly one", fds);
            return -1;
        }
        return spawn_socket_adopt(s, SPAWN_SOCKET_LISTEN_FDS_START, "fd 3 from systemd", err,
                                  errlen);
    }
    if (!sock_is_listening(0)) {
        snprintf(err, errlen, "no socket given (use either -p or -s, or pass a listening "
                              "socket: systemd's LISTEN_FDS or fd 0)");
        return -1;
    }
    if (spawn_socket_adopt(s, 0, "fd 0", err, errlen) < 0)
        return -1;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0); /* dup2 leaves fd 0 without close-on-exec */
        close(null);
    }
    return 0;
}

int spawn_socket_close(struct spawn_socket *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    int rc = s->unlink_path != NULL && unlink(s->unlink_path) < 0 && errno != ENOENT ? -1 : 0;
    free(s->unlink_path);
    s->unlink_path = NULL;
    return rc;
}
