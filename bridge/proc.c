/* proc.c - one supervised child process.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static void proc_child_cb(struct ev_loop *loop, ev_child *w, int revents);
static void proc_output_cb(struct ev_loop *loop, ev_io *w, int revents);

void proc_init(struct proc *p, const char *name, proc_exit_fn *on_exit, void *data)
{
    memset(p, 0, sizeof *p);
    buf_init(&p->out_line);
    buf_init(&p->err_line);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->tag, sizeof p->tag, "%s", name);
    p->on_exit = on_exit;
    p->data = data;
    ev_init(&p->out, proc_output_cb);
    ev_init(&p->err, proc_output_cb);
    p->out.data = p->err.data = p;
    p->out.fd = p->err.fd = -1;
}

/* In the child, between fork and exec: nothing here may allocate, lock or
 * return. */
static void proc_child_exec(char *const argv[], char *const envp[], int stdin_fd, int out_fd,
                            int err_fd, pid_t parent)
{
    setsid();
    /* the bridge dies (lighttpd or mod_fcgid killed it): so does the Lisp */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP, RT ones */
    int in = stdin_fd >= 0 ? stdin_fd : open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(126);
    if (close_range(3, ~0U, 0) < 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
            close((int)fd);
    }
    execvpe(argv[0], argv, envp);
    dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Stops reading the output pipes and closes them. */
static void proc_pipes_close(struct proc *p, struct ev_loop *loop)
{
    ev_io *pipes[] = {&p->out, &p->err};
    for (size_t i = 0; i < 2; i++) {
        ev_io_stop(loop, pipes[i]);
        if (pipes[i]->fd >= 0)
            close(pipes[i]->fd);
        pipes[i]->fd = -1;
    }
}

int proc_spawn(struct proc *p, struct ev_loop *loop, char *const argv[], char *const envp[],
               int stdin_fd, char *err, size_t errlen)
{
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        close(errp[0]);
        close(errp[1]);
        return -1;
    }
    if (pid == 0)
        proc_child_exec(argv, envp, stdin_fd, out[1], errp[1], parent);
    close(out[1]);
    close(errp[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    p->pid = pid;
    p->started = ev_now(loop);
    snprintf(p->tag, sizeof p->tag, "%s pid %ld", p->name, (long)pid);
    ev_child_init(&p->child, proc_child_cb, pid, 0);
    p->child.data = p;
    ev_child_start(loop, &p->child);
    /* the previous process's pipes may still be open (a grandchild holds
     * them): those lines are dropped with them */
    proc_pipes_close(p, loop);
    buf_clear(&p->out_line);
    buf_clear(&p->err_line);
    ev_io_set(&p->out, out[0], EV_READ);
    ev_io_set(&p->err, errp[0], EV_READ);
    ev_io_start(loop, &p->out);
    ev_io_start(loop, &p->err);
    return 0;
}

void proc_signal(struct proc *p, int sig)
{
    if (p->pid > 0)
        kill(-p->pid, sig);
}

void proc_describe_status(int status, char *out, size_t outlen)
{
    if (WIFEXITED(status)) {
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        snprintf(out, outlen, "killed by SIG%s%s", name ? name : "?",
                 WCOREDUMP(status) ? " (core dumped)" : "");
    } else {
        snprintf(out, outlen, "ended with wait status %#x", (unsigned)status);
    }
}

static void proc_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
    struct proc *p = w->data;
    ev_child_stop(loop, w);
    p->pid = 0;
    /* its group outlives it when a child of its own still runs: no orphan
     * (the group is gone at once when it was alone: ESRCH) */
    kill(-w->rpid, SIGKILL);
    p->on_exit(p, w->rstatus);
}

/* Logs line[0, n) of the stream `which` ("stdout", "stderr"). */
static void proc_log_line(const struct proc *p, const char *which, const uint8_t *line, size_t n,
                          bool continued)
{
    log_warn("%s %s%s: %.*s", p->tag, which, continued ? " (continued)" : "", (int)n,
             (const char *)line);
}

/* Logs the complete lines of `line` and keeps the rest; a rest over
 * PROC_LINE_MAX goes out as a piece. At EOF (flush) the rest goes too. */
static void proc_log_lines(const struct proc *p, const char *which, struct buf *line, bool flush)
{
    for (;;) {
        const uint8_t *data = buf_data(line), *nl = memchr(data, '\n', buf_size(line));
        if (nl == NULL)
            break;
        proc_log_line(p, which, data, (size_t)(nl - data), false);
        buf_consume(line, (size_t)(nl - data) + 1);
    }
    while (buf_size(line) >= PROC_LINE_MAX) {
        proc_log_line(p, which, buf_data(line), PROC_LINE_MAX, true);
        buf_consume(line, PROC_LINE_MAX);
    }
    if (flush && buf_size(line) > 0) {
        proc_log_line(p, which, buf_data(line), buf_size(line), false);
        buf_clear(line);
    }
}

static void proc_output_cb(struct ev_loop *loop, ev_io *w, int revents)
{
    struct proc *p = w->data;
    bool is_out = w == &p->out;
    struct buf *line = is_out ? &p->out_line : &p->err_line;
    const char *which = is_out ? "stdout" : "stderr";
    uint8_t chunk[4096];
    ssize_t n = read(w->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        proc_log_lines(p, which, line, true);
        ev_io_stop(loop, w);
        close(w->fd);
        w->fd = -1;
        return;
    }
    buf_append(line, chunk, (size_t)n);
    proc_log_lines(p, which, line, false);
}

void proc_free(struct proc *p, struct ev_loop *loop)
{
    ev_child_stop(loop, &p->child);
    proc_pipes_close(p, loop);
    buf_free(&p->out_line);
    buf_free(&p->err_line);
}
