/* sock_backlog.c - the length of a listening socket's accept queue.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "sock_backlog.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* TCP_LISTEN in the kernel's socket states (include/net/tcp_states.h): a
 * listening unix socket is in it too. */
#define SOCK_BACKLOG_TCP_LISTEN 10

static int sock_backlog_tcp(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0)
        return -1;
    return (int)info.tcpi_unacked;
}

/* One sock_diag request for the socket with fd's inode, asking for its
 * queue lengths; the answer is one unix_diag_msg with a UNIX_DIAG_RQLEN
 * attribute (Documentation: man 7 sock_diag). */
static int sock_backlog_unix(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct {
        struct nlmsghdr nlh;
        struct unix_diag_req req;
    } ask = {
        .nlh = {.nlmsg_len = sizeof ask, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST},
        .req = {.sdiag_family = AF_UNIX, .udiag_states = 1u << SOCK_BACKLOG_TCP_LISTEN,
                .udiag_ino = (uint32_t)st.st_ino, .udiag_show = UDIAG_SHOW_RQLEN,
                .udiag_cookie = {~0u, ~0u}},
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int rc = -1;
    uint32_t reply[256]; /* aligned for the netlink headers */
    if (sendto(nl, &ask, sizeof ask, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
        goto out;
    ssize_t got = recv(nl, reply, sizeof reply, 0);
    if (got < 0)
        goto out;
    errno = EPROTO;
    size_t size = (size_t)got;
    for (size_t off = 0; off + sizeof(struct nlmsghdr) <= size;) {
        struct nlmsghdr *h = (struct nlmsghdr *)((char *)reply + off);
        if (h->nlmsg_len < sizeof *h || h->nlmsg_len > size - off)
            break;
        off += NLMSG_ALIGN(h->nlmsg_len);
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = NLMSG_DATA(h);
            errno = e->error < 0 ? -e->error : EPROTO;
            goto out;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
            h->nlmsg_len < NLMSG_LENGTH(sizeof(struct unix_diag_msg)))
            continue;
        const struct unix_diag_msg *m = NLMSG_DATA(h);
        int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
        for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, left);
             a = RTA_NEXT(a, left)) {
            if (a->rta_type != UNIX_DIAG_RQLEN)
                continue;
            const struct unix_diag_rqlen *q = RTA_DATA(a);
            rc = (int)q->udiag_rqueue;
            goto out;
        }
    }
out:;
    int saved = errno;
    close(nl);
    errno = saved;
    return rc;
}

int sock_backlog_length(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int listening = 0;
    socklen_t llen = sizeof listening;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) < 0)
        return -1;
    if (!listening) {
        errno = EINVAL;
        return -1;
    }
    if (ss.ss_family == AF_UNIX)
        return sock_backlog_unix(fd);
    if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
        return sock_backlog_tcp(fd);
    errno = EAFNOSUPPORT;
    return -1;
}
