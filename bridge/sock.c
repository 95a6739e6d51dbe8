/* sock.c - thin wrappers over the socket calls the daemon needs.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sock_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl < 0 || fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

bool sock_is_listening(int fd)
{
    int val = 0;
    socklen_t len = sizeof val;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len) < 0)
        return false;
    return val != 0;
}

int sock_probe(const struct addr *a, int timeout_ms)
{
    bool in_progress;
    int fd = sock_connect(a, &in_progress);
    if (fd < 0)
        return errno;
    int rc = 0;
    if (in_progress) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, timeout_ms);
        rc = n < 0 ? errno : n == 0 ? ETIMEDOUT : sock_error(fd);
    }
    close(fd);
    return rc;
}

int sock_listen(const struct addr *a, int backlog, char *err, size_t errlen)
{
    struct sock_listen_opts o = {.backlog = backlog, .mode = -1, .uid = (uid_t)-1,
                                 .gid = (gid_t)-1};
    return sock_listen_with(a, &o, err, errlen);
}

int sock_listen_with(const struct addr *a, const struct sock_listen_opts *o, char *err,
                     size_t errlen)
{
    char name[300];
    addr_format(a, name, sizeof name);
    int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC | (o->blocking ? 0 : SOCK_NONBLOCK),
                    0);
    if (fd < 0) {
        snprintf(err, errlen, "socket() for %s failed: %s", name, strerror(errno));
        return -1;
    }
    if (a->family == AF_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->sa;
        struct stat st;
        if (sun->sun_path[0] != '\0' && lstat(sun->sun_path, &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                snprintf(err, errlen, "%s exists and is not a socket", name);
                close(fd);
                return -1;
            }
            if (sock_probe(a, 0) != ECONNREFUSED) {
                snprintf(err, errlen, "%s is in use by another process", name);
                close(fd);
                return -1;
            }
            unlink(sun->sun_path);
        }
    } else {
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    if (bind(fd, (const struct sockaddr *)&a->sa, a->len) < 0) {
        snprintf(err, errlen, "bind(%s) failed: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    /* the mode and owner are set before listen(): nobody connects earlier */
    const char *path = addr_unix_path(a);
    if (path != NULL && ((o->mode >= 0 && chmod(path, (mode_t)o->mode) < 0) ||
                         ((o->uid != (uid_t)-1 || o->gid != (gid_t)-1) &&
                          chown(path, o->uid, o->gid) < 0))) {
        snprintf(err, errlen, "cannot set the mode or owner of %s: %s", name, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    if (listen(fd, o->backlog) < 0) {
        snprintf(err, errlen, "listen(%s) failed: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int sock_connect(const struct addr *a, bool *in_progress)
{
    *in_progress = false;
    int fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (a->family != AF_UNIX) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    if (connect(fd, (const struct sockaddr *)&a->sa, a->len) < 0) {
        if (errno == EINPROGRESS) {
            *in_progress = true;
            return fd;
        }
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int sock_error(int fd)
{
    int val = 0;
    socklen_t len = sizeof val;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &val, &len) < 0)
        return errno;
    return val;
}

bool sock_input_empty(int fd)
{
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n == 0;
}

void sock_guard_stdio(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0 && nul != fd) {
            dup2(nul, fd);
            close(nul);
        }
    }
}
