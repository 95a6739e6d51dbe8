/* main.c - fcgi-lisp-spawn: spawn-fcgi's command line, then it stays and
 * keeps the children alive (spawn_children.h).
 * fcgi-lisp, MIT licence.
 *
 * Order, as spawn-fcgi's: options; the SUID refusal; the pid file opened;
 * as root: users looked up, the socket bound before chroot with -S, group
 * dropped, chroot, the socket bound, user dropped; -d; then (without -n)
 * into the background, where the supervisor writes the pid file and runs.
 * Exit status: 0 after SIGTERM or SIGINT; 2 for a usage error; 1 when it
 * cannot start (socket, pid file, privileges); in daemon mode the status of
 * the children when every one of them exited within the first 100 ms. */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sd_notify.h"
#include "sock.h"
#include "spawn_args.h"
#include "spawn_children.h"
#include "spawn_privs.h"
#include "spawn_socket.h"

extern char **environ;

/* How long children must live before the daemon reports them spawned:
 * spawn-fcgi's 100 ms. */
#define SPAWN_MAIN_REPORT_DELAY 0.1

struct spawn_main {
    struct spawn_args args;
    struct spawn_socket sock;
    struct spawn_children children;
    char **app_argv, **app_env; /* owned */
    int report_fd;              /* daemon mode: the pipe to the waiting parent, or -1 */
    char *pid_path;             /* owned: absolute pid file path, or NULL */
    ev_signal sig_term, sig_int, sig_hup;
    ev_timer report;
};

static void spawn_main_fail(const char *what)
{
    fprintf(stderr, "fcgi-lisp-spawn: %s\n", what);
}

/* The root-only flags of a caller who is not root: spawn-fcgi ignores them
 * silently; fcgi-lisp-spawn ignores them too, and says so. */
static void spawn_main_drop_root_flags(struct spawn_args *a)
{
    const struct {
        char flag;
        bool given;
    } flags[] = {{'c', a->chroot_dir != NULL}, {'S', a->socket_before_chroot},
                 {'u', a->user != NULL},       {'g', a->group != NULL},
                 {'U', a->socket_user != NULL}, {'G', a->socket_group != NULL}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].given)
            fprintf(stderr, "fcgi-lisp-spawn: -%c ignored: only root may use it\n",
                    flags[i].flag);
    a->chroot_dir = a->user = a->group = a->socket_user = a->socket_group = NULL;
    a->socket_before_chroot = false;
}

/* spawn-fcgi's pid file rules: created, or an existing regular file
 * truncated. The fd, or -1 after saying why. */
static int spawn_main_pidfile_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "fcgi-lisp-spawn: cannot use PID-file '%s': %s\n", path,
                fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The socket and the privileges, in spawn-fcgi's order. 0, or the exit
 * status after saying why: 2 when no socket was given at all, else 1. */
static int spawn_main_socket(struct spawn_main *m, bool root)
{
    const struct spawn_args *a = &m->args;
    char err[512];
    bool bind_it = a->unix_path != NULL || a->port != 0;
    struct spawn_privs p = {.socket_uid = (uid_t)-1, .socket_gid = (gid_t)-1};
    m->sock.fd = -1;
    if (!bind_it && spawn_socket_inherit(&m->sock, err, sizeof err) < 0) {
        spawn_main_fail(err);
        return 2;
    }
    if (root) {
        if (spawn_privs_lookup(&p, a, err, sizeof err) < 0)
            goto fail;
        if (p.uid != 0 && p.gid == 0)
            log_warn("couldn't find the user for uid %u and no group was specified, so only "
                     "the user privileges will be dropped",
                     (unsigned)p.uid);
    }
    bool early = bind_it && (a->socket_before_chroot || a->chroot_dir == NULL);
    if (early && spawn_socket_bind(&m->sock, a, p.socket_uid, p.socket_gid, err, sizeof err) < 0)
        goto fail;
    if (root && spawn_privs_drop_group_and_chroot(&p, a->chroot_dir, err, sizeof err) < 0)
        goto fail;
    if (bind_it && !early &&
        spawn_socket_bind(&m->sock, a, p.socket_uid, p.socket_gid, err, sizeof err) < 0)
        goto fail;
    if (root && spawn_privs_drop_user(&p, err, sizeof err) < 0)
        goto fail;
    return 0;
fail:
    spawn_main_fail(err);
    return 1;
}

/* Without -n: the parent waits for the daemon's first report (one status
 * byte on a pipe) and exits with it; the daemon returns with report_fd set
 * and its own session. */
static void spawn_main_daemonize(struct spawn_main *m)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        perror("fcgi-lisp-spawn: pipe");
        exit(1);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fcgi-lisp-spawn: fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        unsigned char status = 1;
        ssize_t n;
        while ((n = read(p[0], &status, 1)) < 0 && errno == EINTR)
            ;
        _exit(n == 1 ? status : 1);
    }
    close(p[0]);
    m->report_fd = p[1];
    setsid();
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, 0); /* the socket, if it came on fd 0, is elsewhere by now */
        close(null);
    }
}

/* Daemon mode, SPAWN_MAIN_REPORT_DELAY after the start: spawn-fcgi's lines
 * for the children, then the status to the parent; stdout is let go. */
static void spawn_main_report_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct spawn_main *m = w->data;
    int status = 0;
    unsigned alive = 0;
    for (unsigned i = 0; i < m->children.n; i++) {
        const struct spawn_child *ch = &m->children.slots[i];
        if (ch->proc.pid > 0) {
            if (m->report_fd >= 0)
                printf("fcgi-lisp-spawn: child spawned successfully: PID: %ld\n",
                       (long)ch->proc.pid);
            alive++;
        } else if (m->report_fd < 0) {
            continue; /* -n: the log has said it */
        } else if (ch->exited && WIFEXITED(ch->last_status)) {
            fprintf(stderr, "fcgi-lisp-spawn: child exited with: %d\n",
                    WEXITSTATUS(ch->last_status));
            status = WEXITSTATUS(ch->last_status);
        } else if (ch->exited) {
            fprintf(stderr, "fcgi-lisp-spawn: child signaled: %d\n",
                    WTERMSIG(ch->last_status));
            status = 1;
        }
    }
    fflush(stdout);
    if (m->report_fd >= 0) {
        unsigned char byte = alive > 0 ? 0 : (unsigned char)(status != 0 ? status : 1);
        if (write(m->report_fd, &byte, 1) < 0)
            log_warn("cannot tell the starting process how the children are: %s",
                     strerror(errno));
        close(m->report_fd);
        m->report_fd = -1;
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            close(null);
        }
        if (alive == 0) {
            spawn_children_stop(&m->children);
            return;
        }
    }
    char ready[64];
    snprintf(ready, sizeof ready, "READY=1\nMAINPID=%ld", (long)getpid());
    sd_notify_send(ready);
}

static void spawn_main_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
    struct spawn_main *m = w->data;
    if (w->signum == SIGHUP) {
        spawn_children_reload(&m->children);
        return;
    }
    log_notice("SIG%s: stopping %u child%s (SIG%s, SIGKILL after %gs)", sigabbrev_np(w->signum),
               spawn_children_running(&m->children),
               spawn_children_running(&m->children) == 1 ? "" : "ren",
               sigabbrev_np(m->args.stop_signal), m->args.kill_grace);
    sd_notify_send("STOPPING=1");
    spawn_children_stop(&m->children);
}

static void spawn_main_run(struct spawn_main *m, struct ev_loop *loop)
{
    ev_signal *sigs[] = {&m->sig_term, &m->sig_int, &m->sig_hup};
    int nums[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < 3; i++) {
        ev_signal_init(sigs[i], spawn_main_signal_cb, nums[i]);
        sigs[i]->data = m;
        ev_signal_start(loop, sigs[i]);
    }
    spawn_children_init(&m->children, loop, m->app_argv, m->app_env, m->sock.fd,
                        m->args.children, m->args.stop_signal, m->args.kill_grace,
                        m->args.reload_wait);
    log_notice("%u child%s of %s on %s", m->args.children, m->args.children == 1 ? "" : "ren",
               m->app_argv[0], m->sock.name);
    spawn_children_start(&m->children);
    ev_timer_init(&m->report, spawn_main_report_cb, SPAWN_MAIN_REPORT_DELAY, 0);
    m->report.data = m;
    ev_timer_start(loop, &m->report);
    ev_run(loop, 0);
    ev_timer_stop(loop, &m->report);
    for (size_t i = 0; i < 3; i++)
        ev_signal_stop(loop, sigs[i]);
    spawn_children_free(&m->children);
}

int main(int argc, char **argv)
{
    sock_guard_stdio();
    struct spawn_main m = {.report_fd = -1};
    char err[512];
    if (argc < 2) {
        spawn_args_usage(stderr);
        return 2;
    }
    switch (spawn_args_parse(&m.args, argc, argv, err, sizeof err)) {
    case SPAWN_ARGS_RUN:
        break;
    case SPAWN_ARGS_HELP:
        spawn_args_usage(stdout);
        return 0;
    case SPAWN_ARGS_VERSION:
        printf("fcgi-lisp-spawn " PACKAGE_VERSION "\n");
        return 0;
    case SPAWN_ARGS_ERROR:
        fprintf(stderr, "fcgi-lisp-spawn: %s (-h for help)\n", err);
        return 2;
    }
    bool root = getuid() == 0;
    if (!root && (geteuid() != getuid() || getegid() != getgid())) {
        spawn_main_fail("Are you nuts? Don't apply a SUID bit to this binary");
        return 2;
    }
    if (!root)
        spawn_main_drop_root_flags(&m.args);
    log_init("fcgi-lisp-spawn", m.args.log_level);
    signal(SIGPIPE, SIG_IGN);

    int pid_fd = m.args.pid_file != NULL ? spawn_main_pidfile_open(m.args.pid_file) : -1;
    if (m.args.pid_file != NULL && pid_fd < 0)
        return 1;
    if (pid_fd >= 0)
        m.pid_path = realpath(m.args.pid_file, NULL);
    int rc = spawn_main_socket(&m, root);
    if (rc != 0)
        return rc;
    if (m.args.dir != NULL && chdir(m.args.dir) < 0) {
        fprintf(stderr, "fcgi-lisp-spawn: chdir('%s') failed: %s\n", m.args.dir,
                strerror(errno));
        spawn_socket_close(&m.sock);
        return 1;
    }
    m.app_argv = spawn_args_app(&m.args);
    m.app_env = spawn_args_env(&m.args, (const char *const *)environ);
    if (!m.args.foreground)
        spawn_main_daemonize(&m);
    if (pid_fd >= 0) {
        dprintf(pid_fd, "%ld\n", (long)getpid());
        close(pid_fd);
    }
    struct ev_loop *loop = ev_default_loop(0);
    if (loop == NULL) {
        log_err("cannot initialise the event loop (libev)");
        return 1;
    }
    spawn_main_run(&m, loop);
    log_notice("stopped");
    char sock_path[sizeof m.sock.name];
    snprintf(sock_path, sizeof sock_path, "%s", m.sock.name);
    if (spawn_socket_close(&m.sock) < 0)
        log_warn("cannot remove the socket %s: %s", sock_path, strerror(errno));
    if (m.pid_path != NULL && unlink(m.pid_path) < 0 && errno != ENOENT)
        log_warn("cannot remove the pid file %s: %s", m.pid_path, strerror(errno));
    free(m.pid_path);
    spawn_args_strv_free(m.app_argv);
    spawn_args_strv_free(m.app_env);
    ev_loop_destroy(loop);
    return 0;
}
