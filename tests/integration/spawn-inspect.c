/* spawn-inspect.c - FastCGI "application" that reports what a spawner handed it, for diffing spawners.
 * fcgi-lisp, MIT licence.
 *
 * Usage: spawn-inspect REPORT_DIR
 *
 * Started as the application by spawn-fcgi(1) and by fcgi-lisp-spawn with
 * the same flags, so that a test can compare what each child sees. It
 * accepts nothing. On start it records its process state, writes it to
 * REPORT_DIR/report.PID.tmp and renames that to REPORT_DIR/report.PID (so a
 * report that exists is complete), then waits until SIGTERM, SIGUSR1 or
 * SIGINT, on which it exits 0. REPORT_DIR must be an absolute path (the
 * spawner may chdir or chroot first; it is resolved in the child's root) and
 * writable by the child's user. Usage errors exit 2, a report that cannot be
 * written exits 1, each with one line on stderr (often /dev/null).
 *
 * Standalone on purpose (libc and Linux headers only): it is the independent
 * check of spawn/, so it shares no code with bridge/ or spawn/.
 *
 * The report is one "key=value" line per item, always the same keys in the
 * same order, so two reports diff line by line:
 *   fd0.type       stream|dgram|seqpacket|raw|rdm|type-N, or none (fd 0 is
 *                  no socket or is closed)
 *   fd0.listening  yes|no (SO_ACCEPTCONN; no when fd 0 is no socket)
 *   fd0.family     unix|inet|inet6|af-N, or none
 *   fd0.address    unix: the bound path ("@NAME" abstract, "unnamed"); inet:
 *                  IP:PORT; inet6: [IP]:PORT; none; unknown
 *   fd0.blocking   yes|no (O_NONBLOCK clear/set), n/a when fd 0 is closed
 *   fd0.cloexec    yes|no, n/a when fd 0 is closed
 *   fd0.backlog    the listen backlog the kernel keeps (listen()'s argument
 *                  capped at net.core.somaxconn): TCP from TCP_INFO's
 *                  tcpi_sacked, unix from sock_diag UNIX_DIAG_RQLEN's
 *                  udiag_wqueue (ss -l's Send-Q); n/a when fd 0 is not a
 *                  listening socket; unknown when it cannot be read
 *   socket.mode    unix socket file's permission bits, octal with a leading
 *                  0 ("0660"); n/a for TCP, abstract or no socket; unknown
 *   socket.owner   USER:GROUP of the socket file (numbers when unnamed);
 *                  n/a or unknown as socket.mode
 *   uid gid euid egid   decimal
 *   groups         supplementary groups, sorted, comma-separated, empty if none
 *   cwd            getcwd(), unknown on failure
 *   root           readlink /proc/self/root, unknown without /proc
 *   sid.is_self    yes|no: getsid(0) == getpid() (the spawner called setsid)
 *   sigmask        SigBlk of /proc/self/status (16 hex digits, bit N-1 is
 *                  signal N); computed with sigprocmask() without /proc
 *   sigignored     SigIgn likewise (sigaction() without /proc)
 *   fds            open descriptors, ascending, comma-separated (all of them
 *                  are inherited: the list is taken before this program opens
 *                  anything, and the directory's own descriptor is left out)
 *   fd1 fd2        what fds 1 and 2 are, with run-specific parts removed:
 *                  pipe, socket, tty (any /dev/pts/N, /dev/ttyN, /dev/console),
 *                  closed, unknown, or the path (e.g. /dev/null)
 *   env.NAME       one line per environment variable, sorted by name (then
 *                  value), none excluded. Bytes below 0x20, 0x7f, a backslash
 *                  and trailing spaces are written as \xHH (a backslash as
 *                  \\), so every variable stays on one line with no trailing
 *                  blank; an entry without '=' is written with an empty value.
 * State is recorded before the signal handlers are installed, so sigmask and
 * sigignored are what the spawner left; the three stop signals are then
 * unblocked so that they always end the wait. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <unistd.h>

#define INSPECT_NAME       "spawn-inspect"
#define INSPECT_MAX_FDS    65536   /* descriptors probed when /proc/self/fd is missing */
#define INSPECT_NSIG       64      /* signals in a /proc/self/status mask */
#define INSPECT_DIAG_BUF   8192    /* bytes of one sock_diag answer; one socket needs < 200 */

static volatile sig_atomic_t inspect_stop;

/* ------------------------------------------------------------------ */
/* Report text                                                         */
/* ------------------------------------------------------------------ */

/* The report being built; written to the file in one go. */
struct text {
    char  *ptr;   /* owned; NULL while empty */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
};

static void text_reserve(struct text *t, size_t more)
{
    if (t->cap - t->len >= more)
        return;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap - t->len < more)
        cap *= 2;
    char *p = realloc(t->ptr, cap);
    if (p == NULL) {
        fprintf(stderr, INSPECT_NAME ": out of memory\n");
        exit(1);
    }
    t->ptr = p;
    t->cap = cap;
}

__attribute__((format(printf, 2, 3)))
static void text_printf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    text_reserve(t, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(t->ptr + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Appends the n bytes at s escaped as the header says: controls, DEL and
 * backslash always, spaces only when nothing but spaces follows them. */
static void text_escaped(struct text *t, const char *s, size_t n)
{
    size_t keep = n;
    while (keep > 0 && s[keep - 1] == ' ')
        keep--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            text_printf(t, "\\\\");
        else if (c < 0x20 || c == 0x7f || (c == ' ' && i >= keep))
            text_printf(t, "\\x%02x", c);
        else
            text_printf(t, "%c", c);
    }
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

static int int_compare(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* A growing list of descriptor numbers. */
struct fd_list {
    int   *fds;   /* owned; NULL while empty */
    size_t n;     /* entries used */
    size_t cap;   /* entries allocated */
};

static void fd_list_add(struct fd_list *l, int fd)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int *p = realloc(l->fds, cap * sizeof *p);
        if (p == NULL) {
            fprintf(stderr, INSPECT_NAME ": out of memory\n");
            exit(1);
        }
        l->fds = p;
        l->cap = cap;
    }
    l->fds[l->n++] = fd;
}

/* Appends "fds=0,1,2,..." for the descriptors open now. Uses /proc/self/fd,
 * else (no /proc, as in a chroot) probes fds below INSPECT_MAX_FDS. */
static void report_fds(struct text *t)
{
    struct fd_list list = { NULL, 0, 0 };
    DIR *dir = opendir("/proc/self/fd");
    if (dir != NULL) {
        int self = dirfd(dir);
        struct dirent *de;
        while ((de = readdir(dir)) != NULL) {
            char *end;
            long fd = strtol(de->d_name, &end, 10);
            if (de->d_name[0] == '.' || *end != '\0' || fd == self || fd < 0 || fd > INT_MAX)
                continue;
            fd_list_add(&list, (int)fd);
        }
        closedir(dir);
        if (list.n > 1)
            qsort(list.fds, list.n, sizeof *list.fds, int_compare);
    } else {
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > INSPECT_MAX_FDS)
            max = INSPECT_MAX_FDS;
        for (int fd = 0; fd < (int)max; fd++)
            if (fcntl(fd, F_GETFD) >= 0)
                fd_list_add(&list, fd);
    }
    text_printf(t, "fds=");
    for (size_t i = 0; i < list.n; i++)
        text_printf(t, i ? ",%d" : "%d", list.fds[i]);
    text_printf(t, "\n");
    free(list.fds);
}

/* Appends "fdN=WHAT" for fd, WHAT as the header describes. */
static void report_fd_target(struct text *t, int fd)
{
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, target, sizeof target - 1);
    struct stat st;
    const char *what = NULL;

    if (fcntl(fd, F_GETFD) < 0)
        what = "closed";
    else if (len > 0) {
        target[len] = '\0';
        if (strncmp(target, "pipe:", 5) == 0)
            what = "pipe";
        else if (strncmp(target, "socket:", 7) == 0)
            what = "socket";
        else if (strncmp(target, "/dev/pts/", 9) == 0 || strncmp(target, "/dev/tty", 8) == 0 ||
                 strcmp(target, "/dev/console") == 0)
            what = "tty";
        else
            what = target;
    } else if (fstat(fd, &st) == 0) {   /* no /proc: tell what we can from the inode */
        if (S_ISFIFO(st.st_mode))
            what = "pipe";
        else if (S_ISSOCK(st.st_mode))
            what = "socket";
        else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
            what = "/dev/null";
        else if (isatty(fd))
            what = "tty";
    }
    text_printf(t, "fd%d=", fd);
    if (what == NULL)
        what = "unknown";
    text_escaped(t, what, strlen(what));
    text_printf(t, "\n");
}

/* ------------------------------------------------------------------ */
/* The socket on fd 0                                                  */
/* ------------------------------------------------------------------ */

/* The listen backlog of the listening unix socket with inode ino, from a
 * NETLINK_SOCK_DIAG query (sock_diag(7), UNIX_DIAG_RQLEN: udiag_wqueue is
 * sk_max_ack_backlog for a listener). Returns it, or -1. */
static long unix_backlog(ino_t ino)
{
    int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct {
        struct nlmsghdr       nlh;
        struct unix_diag_req  req;
    } q;
    memset(&q, 0, sizeof q);
    q.nlh.nlmsg_len = sizeof q;
    q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    q.nlh.nlmsg_flags = NLM_F_REQUEST;   /* no NLM_F_DUMP: one socket, by inode */
    q.req.sdiag_family = AF_UNIX;
    q.req.udiag_states = ~0u;
    q.req.udiag_ino = (__u32)ino;
    q.req.udiag_show = UDIAG_SHOW_RQLEN;
    q.req.udiag_cookie[0] = q.req.udiag_cookie[1] = ~0u;   /* INET_DIAG_NOCOOKIE: any */
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    long backlog = -1;
    if (sendto(nl, &q, sizeof q, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        close(nl);
        return -1;
    }
    static uint32_t buf[INSPECT_DIAG_BUF / sizeof(uint32_t)];   /* netlink messages are 4-aligned */
    ssize_t got = recv(nl, buf, sizeof buf, 0);
    close(nl);
    if (got <= 0)
        return -1;

    size_t left = (size_t)got;
    const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
    while (left >= sizeof *h && h->nlmsg_len >= sizeof *h && h->nlmsg_len <= left) {
        if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
            h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct unix_diag_msg))) {
            const struct unix_diag_msg *m = NLMSG_DATA(h);
            if (m->udiag_ino != (__u32)ino)
                break;
            size_t alen = h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
            const struct rtattr *a = (const struct rtattr *)(m + 1);
            while (alen >= sizeof *a && a->rta_len >= sizeof *a && a->rta_len <= alen) {
                if (a->rta_type == UNIX_DIAG_RQLEN &&
                    a->rta_len >= RTA_LENGTH(sizeof(struct unix_diag_rqlen))) {
                    const struct unix_diag_rqlen *rq = RTA_DATA(a);
                    backlog = rq->udiag_wqueue;
                }
                size_t step = RTA_ALIGN(a->rta_len);
                if (step >= alen)
                    break;
                alen -= step;
                a = (const struct rtattr *)((const char *)a + step);
            }
            break;
        }
        if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE)
            break;
        size_t step = NLMSG_ALIGN(h->nlmsg_len);
        if (step >= left)
            break;
        left -= step;
        h = (const struct nlmsghdr *)((const char *)h + step);
    }
    return backlog;
}

/* The listen backlog of the listening TCP socket fd, from TCP_INFO (for a
 * listener Linux puts sk_max_ack_backlog in tcpi_sacked). Returns it, or -1. */
static long tcp_backlog(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0 ||
        len < offsetof(struct tcp_info, tcpi_sacked) + sizeof info.tcpi_sacked ||
        info.tcpi_state != TCP_LISTEN)
        return -1;
    return (long)info.tcpi_sacked;
}

/* Appends "socket.mode=" and "socket.owner=" for the unix socket file path
 * (NULL: not a named unix socket, both n/a). */
static void report_socket_file(struct text *t, const char *path)
{
    struct stat st;
    if (path == NULL) {
        text_printf(t, "socket.mode=n/a\nsocket.owner=n/a\n");
        return;
    }
    if (stat(path, &st) < 0) {
        text_printf(t, "socket.mode=unknown\nsocket.owner=unknown\n");
        return;
    }
    text_printf(t, "socket.mode=0%03o\n", (unsigned)(st.st_mode & 07777));
    struct passwd *pw = getpwuid(st.st_uid);
    if (pw != NULL)
        text_printf(t, "socket.owner=%s:", pw->pw_name);
    else
        text_printf(t, "socket.owner=%lu:", (unsigned long)st.st_uid);
    struct group *gr = getgrgid(st.st_gid);
    if (gr != NULL)
        text_printf(t, "%s\n", gr->gr_name);
    else
        text_printf(t, "%lu\n", (unsigned long)st.st_gid);
}

/* Appends the fd0.* lines and the socket.* lines, in the header's order. */
static void report_fd0(struct text *t)
{
    int type = 0, listening = 0;
    socklen_t len = sizeof type;
    bool is_socket = getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
    len = sizeof listening;
    if (!is_socket || getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
        listening = 0;

    switch (is_socket ? type : -1) {
    case -1:             text_printf(t, "fd0.type=none\n"); break;
    case SOCK_STREAM:    text_printf(t, "fd0.type=stream\n"); break;
    case SOCK_DGRAM:     text_printf(t, "fd0.type=dgram\n"); break;
    case SOCK_SEQPACKET: text_printf(t, "fd0.type=seqpacket\n"); break;
    case SOCK_RAW:       text_printf(t, "fd0.type=raw\n"); break;
    case SOCK_RDM:       text_printf(t, "fd0.type=rdm\n"); break;
    default:             text_printf(t, "fd0.type=type-%d\n", type); break;
    }
    text_printf(t, "fd0.listening=%s\n", listening ? "yes" : "no");

    /* fd0.family and fd0.address */
    struct sockaddr_storage ss;
    socklen_t slen = sizeof ss;
    memset(&ss, 0, sizeof ss);
    char path[sizeof ((struct sockaddr_un *)0)->sun_path + 1];
    bool named_unix = false, have_name = is_socket && getsockname(0, (struct sockaddr *)&ss, &slen) == 0;
    if (!is_socket)
        text_printf(t, "fd0.family=none\nfd0.address=none\n");
    else if (!have_name)
        text_printf(t, "fd0.family=unknown\nfd0.address=unknown\n");
    else if (ss.ss_family == AF_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)&ss;
        size_t plen = slen > offsetof(struct sockaddr_un, sun_path)
                    ? slen - offsetof(struct sockaddr_un, sun_path) : 0;
        if (plen > sizeof sun->sun_path)
            plen = sizeof sun->sun_path;
        text_printf(t, "fd0.family=unix\nfd0.address=");
        if (plen == 0)
            text_printf(t, "unnamed");
        else if (sun->sun_path[0] == '\0') {
            text_printf(t, "@");
            text_escaped(t, sun->sun_path + 1, plen - 1);
        } else {
            size_t n = strnlen(sun->sun_path, plen);
            memcpy(path, sun->sun_path, n);
            path[n] = '\0';
            named_unix = true;
            text_escaped(t, path, n);
        }
        text_printf(t, "\n");
    } else if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
        text_printf(t, "fd0.family=inet\nfd0.address=%s:%u\n", ip, (unsigned)ntohs(sin->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        char ip[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
        text_printf(t, "fd0.family=inet6\nfd0.address=[%s]:%u\n", ip, (unsigned)ntohs(sin6->sin6_port));
    } else
        text_printf(t, "fd0.family=af-%d\nfd0.address=unknown\n", (int)ss.ss_family);

    int fl = fcntl(0, F_GETFL), fdfl = fcntl(0, F_GETFD);
    text_printf(t, "fd0.blocking=%s\n", fl < 0 ? "n/a" : (fl & O_NONBLOCK) ? "no" : "yes");
    text_printf(t, "fd0.cloexec=%s\n", fdfl < 0 ? "n/a" : (fdfl & FD_CLOEXEC) ? "yes" : "no");

    long backlog = -1;
    struct stat st;
    if (!listening)
        text_printf(t, "fd0.backlog=n/a\n");
    else {
        if (have_name && ss.ss_family == AF_UNIX)
            backlog = fstat(0, &st) == 0 ? unix_backlog(st.st_ino) : -1;
        else if (have_name && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6))
            backlog = tcp_backlog(0);
        if (backlog >= 0)
            text_printf(t, "fd0.backlog=%ld\n", backlog);
        else
            text_printf(t, "fd0.backlog=unknown\n");
    }
    report_socket_file(t, named_unix ? path : NULL);
}

/* ------------------------------------------------------------------ */
/* Credentials, directories, session, signals                          */
/* ------------------------------------------------------------------ */

static void report_ids(struct text *t)
{
    text_printf(t, "uid=%lu\ngid=%lu\neuid=%lu\negid=%lu\n",
                (unsigned long)getuid(), (unsigned long)getgid(),
                (unsigned long)geteuid(), (unsigned long)getegid());
    int n = getgroups(0, NULL);
    gid_t *groups = n > 0 ? calloc((size_t)n, sizeof *groups) : NULL;
    if (n > 0 && (groups == NULL || (n = getgroups(n, groups)) < 0))
        n = 0;
    unsigned long *sorted = n > 0 ? calloc((size_t)n, sizeof *sorted) : NULL;
    if (sorted == NULL)
        n = 0;
    for (int i = 0; i < n; i++)
        sorted[i] = groups[i];
    for (int i = 1; i < n; i++)   /* insertion sort: a handful of groups */
        for (int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            unsigned long g = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = g;
        }
    text_printf(t, "groups=");
    for (int i = 0; i < n; i++)
        text_printf(t, i ? ",%lu" : "%lu", sorted[i]);
    text_printf(t, "\n");
    free(sorted);
    free(groups);
}

static void report_dirs(struct text *t)
{
    char buf[PATH_MAX];
    text_printf(t, "cwd=");
    if (getcwd(buf, sizeof buf) != NULL)
        text_escaped(t, buf, strlen(buf));
    else
        text_printf(t, "unknown");
    text_printf(t, "\nroot=");
    ssize_t len = readlink("/proc/self/root", buf, sizeof buf - 1);
    if (len > 0)
        text_escaped(t, buf, (size_t)len);
    else
        text_printf(t, "unknown");
    text_printf(t, "\n");
}

/* Formats a signal set as /proc/self/status does: 16 hex digits, bit N-1
 * for signal N. is_member says whether signal N belongs to the set. */
static void format_sigset(char out[static 17], bool (*is_member)(int sig, const sigset_t *set),
                          const sigset_t *set)
{
    unsigned long long bits = 0;
    for (int sig = 1; sig <= INSPECT_NSIG; sig++)
        if (is_member(sig, set))
            bits |= 1ull << (sig - 1);
    snprintf(out, 17, "%016llx", bits);
}

static bool sig_in_set(int sig, const sigset_t *set)
{
    return sigismember(set, sig) == 1;
}

static bool sig_ignored(int sig, const sigset_t *unused)
{
    (void)unused;
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && !(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN;
}

/* Appends "sid.is_self=", "sigmask=" and "sigignored=". Reads SigBlk and
 * SigIgn from /proc/self/status; without /proc, computes them. */
static void report_session_signals(struct text *t)
{
    text_printf(t, "sid.is_self=%s\n", getsid(0) == getpid() ? "yes" : "no");

    char blk[64] = "", ign[64] = "", line[256];
    FILE *f = fopen("/proc/self/status", "re");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            line[strcspn(line, "\n")] = '\0';
            if (strncmp(line, "SigBlk:", 7) == 0)
                snprintf(blk, sizeof blk, "%s", line + 7 + strspn(line + 7, " \t"));
            else if (strncmp(line, "SigIgn:", 7) == 0)
                snprintf(ign, sizeof ign, "%s", line + 7 + strspn(line + 7, " \t"));
        }
        fclose(f);
    }
    sigset_t mask;
    sigemptyset(&mask);
    if (blk[0] == '\0' && sigprocmask(SIG_BLOCK, NULL, &mask) == 0)
        format_sigset(blk, sig_in_set, &mask);
    if (ign[0] == '\0')
        format_sigset(ign, sig_ignored, &mask);
    text_printf(t, "sigmask=%s\nsigignored=%s\n", blk, ign);
}

/* ------------------------------------------------------------------ */
/* Environment                                                         */
/* ------------------------------------------------------------------ */

extern char **environ;

/* Orders "NAME=VALUE" strings by NAME, then by VALUE. */
static int env_compare(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t xn = strcspn(x, "="), yn = strcspn(y, "=");
    int c = memcmp(x, y, xn < yn ? xn : yn);
    if (c != 0)
        return c;
    if (xn != yn)
        return xn < yn ? -1 : 1;
    return strcmp(x + xn, y + yn);
}

static void report_env(struct text *t)
{
    size_t n = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    char **sorted = calloc(n + 1, sizeof *sorted);
    if (sorted == NULL) {
        fprintf(stderr, INSPECT_NAME ": out of memory\n");
        exit(1);
    }
    if (n > 0) {
        memcpy(sorted, environ, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, env_compare);
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = sorted[i];
        size_t name_len = strcspn(e, "=");
        text_printf(t, "env.");
        text_escaped(t, e, name_len);
        text_printf(t, "=");
        if (e[name_len] == '=')
            text_escaped(t, e + name_len + 1, strlen(e + name_len + 1));
        text_printf(t, "\n");
    }
    free(sorted);
}

/* ------------------------------------------------------------------ */
/* Main                                                                */
/* ------------------------------------------------------------------ */

static void on_stop(int sig)
{
    (void)sig;
    inspect_stop = 1;
}

/* Writes the report to dir/report.PID via dir/report.PID.tmp. Returns 0, or
 * -1 after printing why. */
static int report_write(const char *dir, const struct text *t)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    long pid = (long)getpid();
    if (snprintf(tmp, sizeof tmp, "%s/report.%ld.tmp", dir, pid) >= (int)sizeof tmp ||
        snprintf(final, sizeof final, "%s/report.%ld", dir, pid) >= (int)sizeof final) {
        fprintf(stderr, INSPECT_NAME ": report path too long: %s\n", dir);
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, INSPECT_NAME ": open('%s') failed: %s\n", tmp, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < t->len) {
        ssize_t w = write(fd, t->ptr + off, t->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, INSPECT_NAME ": write('%s') failed: %s\n", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd) < 0 || rename(tmp, final) < 0) {
        fprintf(stderr, INSPECT_NAME ": writing '%s' failed: %s\n", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] != '/') {
        fprintf(stderr, "usage: " INSPECT_NAME " REPORT_DIR   (an absolute path)\n");
        return 2;
    }

    /* Record first, in the report's order; fds before anything is opened. */
    struct text t = { NULL, 0, 0 };
    struct text fds = { NULL, 0, 0 };
    report_fds(&fds);
    report_fd0(&t);
    report_ids(&t);
    report_dirs(&t);
    report_session_signals(&t);
    text_reserve(&t, fds.len);
    memcpy(t.ptr + t.len, fds.ptr, fds.len);
    t.len += fds.len;
    free(fds.ptr);
    report_fd_target(&t, 1);
    report_fd_target(&t, 2);
    report_env(&t);

    /* Then take the stop signals: blocked until the wait, so none is lost
     * between the report's rename and sigsuspend(). */
    sigset_t stop_set, wait_mask;
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGTERM);
    sigaddset(&stop_set, SIGUSR1);
    sigaddset(&stop_set, SIGINT);
    sigprocmask(SIG_BLOCK, &stop_set, &wait_mask);
    sigdelset(&wait_mask, SIGTERM);
    sigdelset(&wait_mask, SIGUSR1);
    sigdelset(&wait_mask, SIGINT);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int rc = report_write(argv[1], &t);
    free(t.ptr);
    if (rc < 0)
        return 1;
    while (!inspect_stop)
        sigsuspend(&wait_mask);   /* pause() without its check-then-sleep race */
    return 0;
}
