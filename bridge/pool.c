/* pool.c - Lisp processes started and supervised by fcgi-lisp (bin-path).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "log.h"
#include "server.h"
#include "sock.h"
#include "sock_backlog.h"
#include "upstream.h"
#include "xalloc.h"

extern char **environ;

static void pool_slot_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void pool_idle_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void pool_takeover_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void pool_proc_exit(struct proc *proc, int status);
static bool pool_slot_start(struct pool_slot *s);
static void pool_roll_ready(struct pool *p);
static void pool_roll_exited(struct pool *p, struct pool_slot *s);

static struct balance_backend *pool_bal(const struct pool_slot *s)
{
    return &s->pool->srv->bal[s->index];
}

static ev_tstamp pool_now(const struct pool *p)
{
    return ev_now(p->srv->loop);
}

static void pool_timer_once(struct pool_slot *s, double after)
{
    ev_timer_stop(s->pool->srv->loop, &s->timer);
    ev_timer_set(&s->timer, after > 0 ? after : 0, 0);
    ev_timer_start(s->pool->srv->loop, &s->timer);
}

/* "modlisp+unix:/run/lisp.sock-2", "modlisp://127.0.0.1:3002" */
static void pool_url_init(struct backend_url *u, const struct backend_url *base, unsigned slot)
{
    u->proto = base->proto;
    addr_slot(&u->addr, &base->addr, slot); /* settings_check_pool checked that it fits */
    char addr[160];
    addr_format(&u->addr, addr, sizeof addr);
    const char *scheme = base->proto == BACKEND_LISPLETS ? "lisplets" : "modlisp";
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s%s%s", scheme, u->addr.family == AF_UNIX ? "+" : "://", addr);
    buf_append_byte(&b, '\0');
    u->text = xstrdup((const char *)buf_data(&b));
    buf_free(&b);
}

/* The pool's lock file: next to slot 0's socket, or for TCP in spool-dir,
 * named after the address ("fcgi-lisp-pool-127.0.0.1-3000.lock"). */
static char *pool_lock_path(const struct addr *slot0, const char *spool_dir)
{
    struct buf b = BUF_INIT;
    if (slot0->family == AF_UNIX) {
        const char *path = addr_unix_path(slot0);
        buf_append(&b, path, strlen(path) - 2); /* without slot 0's "-0" */
        buf_append_str(&b, ".lock");
    } else {
        char addr[160];
        addr_file_part(slot0, addr, sizeof addr);
        buf_printf(&b, "%s/fcgi-lisp-pool-%s.lock", spool_dir, addr);
    }
    buf_append_byte(&b, '\0');
    char *s = xstrdup((const char *)buf_data(&b));
    buf_free(&b);
    return s;
}

/* Takes the pool's lock: true when this fcgi-lisp runs the processes (also
 * when the lock file cannot be opened: then each runs its own). */
static bool pool_lock_take(struct pool *p)
{
    return p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX | LOCK_NB) == 0;
}

struct pool *pool_new(struct server *srv)
{
    const struct settings *cfg = srv->cfg;
    struct pool *p = xcalloc(1, sizeof *p);
    char err[256];
    p->srv = srv;
    p->argv = command_split(cfg->bin_path, err, sizeof err); /* checked by settings */
    p->n_slots = cfg->max_procs;
    p->urls = xcalloc(p->n_slots, sizeof *p->urls);
    p->slots = xcalloc(p->n_slots, sizeof *p->slots);
    p->view = xcalloc(p->n_slots, sizeof *p->view);
    p->limits = (struct scale_limits){.min_procs = cfg->min_procs,
                                      .max_procs = cfg->max_procs,
                                      .max_load = cfg->max_load_per_proc,
                                      .spawn_concurrency = 2,
                                      .idle_timeout = cfg->idle_timeout};
    respawn_fuse_init(&p->fuse);
    for (size_t i = 0; i < p->n_slots; i++) {
        struct pool_slot *s = &p->slots[i];
        char name[32];
        pool_url_init(&p->urls[i], &cfg->backends[0], (unsigned)i);
        snprintf(name, sizeof name, "lisp slot %zu", i);
        s->pool = p;
        s->index = i;
        s->probe_fd = s->listen_fd = -1;
        s->state = SCALE_EMPTY;
        proc_init(&s->proc, name, pool_proc_exit, s);
        ev_init(&s->timer, pool_slot_timer_cb);
        s->timer.data = s;
    }
    ev_timer_init(&p->idle, pool_idle_cb, 1.0, 1.0);
    p->idle.data = p;
    ev_timer_init(&p->takeover, pool_takeover_cb, POOL_TAKEOVER_INTERVAL,
                  POOL_TAKEOVER_INTERVAL);
    p->takeover.data = p;
    p->roll_new = p->roll_old = SIZE_MAX;
    p->lock_path = pool_lock_path(&p->urls[0].addr, cfg->spool_dir);
    p->lock_fd = open(p->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (p->lock_fd < 0)
        log_err("lisp pool: cannot open its lock file %s: %s; this fcgi-lisp runs its own "
                "processes",
                p->lock_path, strerror(errno));
    return p;
}

/* The slots as scale.h sees them. */
static void pool_view(struct pool *p)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        const struct pool_slot *s = &p->slots[i];
        p->view[i] = (struct scale_proc){s->state, pool_bal(s)->load, s->last_used};
        /* a slot waiting for its restart is taken; one draining is going */
        if (s->restart_pending)
            p->view[i].state = SCALE_STARTING;
        else if (s->draining)
            p->view[i].state = SCALE_STOPPING;
    }
}

static size_t pool_count(const struct pool *p, enum scale_state state)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_slots; i++)
        n += p->slots[i].state == state;
    return n;
}

/* Starts as many processes as scale.h wants for `waiting` requests. */
static void pool_start_wanted(struct pool *p, size_t waiting)
{
    if (p->attached)
        return;
    pool_view(p);
    unsigned want = scale_starts_wanted(p->view, p->n_slots, &p->limits, waiting);
    for (size_t i = 0; i < p->n_slots && want > 0; i++) {
        struct pool_slot *s = &p->slots[i];
        if (s->state != SCALE_EMPTY || s->restart_pending)
            continue;
        if (!pool_slot_start(s))
            break;
        want--;
    }
}

/* This fcgi-lisp runs the processes: slots get traffic once ready. */
static void pool_own(struct pool *p)
{
    p->attached = false;
    ev_timer_stop(p->srv->loop, &p->takeover);
    for (size_t i = 0; i < p->n_slots; i++) {
        struct balance_backend *b = pool_bal(&p->slots[i]);
        b->max_load = p->limits.max_load;
        b->absent = true;
        upstream_close_idle(p->srv, &p->srv->backends[i]);
    }
    if (p->limits.min_procs < p->limits.max_procs)
        ev_timer_start(p->srv->loop, &p->idle);
    pool_start_wanted(p, 0);
}

/* Another fcgi-lisp runs them: the slots are plain backends (a refusing
 * one is skipped for disable-time), without a load limit, since this
 * process does not see the others' load. */
static void pool_attach(struct pool *p)
{
    p->attached = true;
    for (size_t i = 0; i < p->n_slots; i++) {
        struct balance_backend *b = pool_bal(&p->slots[i]);
        b->max_load = 0;
        b->absent = false;
    }
    ev_timer_start(p->srv->loop, &p->takeover);
}

static void pool_takeover_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct pool *p = w->data;
    if (!pool_lock_take(p)) {
        upstream_kick(p->srv);
        return;
    }
    log_notice("lisp pool: its owner is gone; this fcgi-lisp runs the Lisp processes now "
               "(lock %s)",
               p->lock_path);
    pool_own(p);
}

void pool_start(struct pool *p)
{
    if (pool_lock_take(p)) {
        pool_own(p);
        return;
    }
    log_notice("lisp pool: another fcgi-lisp runs its Lisp processes (lock %s held); "
               "using them",
               p->lock_path);
    pool_attach(p);
}

/* No traffic to s from now on; its kept sockets are closed. */
static void pool_slot_unroute(struct pool_slot *s)
{
    pool_bal(s)->absent = true;
    upstream_close_idle(s->pool->srv, &s->pool->srv->backends[s->index]);
}

/* Asks s's process to stop: kill-signal, then SIGKILL after kill-grace. */
static void pool_slot_stop(struct pool_slot *s)
{
    s->state = SCALE_STOPPING;
    s->draining = false;
    pool_slot_unroute(s);
    proc_signal(&s->proc, s->pool->srv->cfg->kill_signal);
    pool_timer_once(s, s->pool->srv->cfg->kill_grace);
}

/* A start failed or a process exited before min-uptime: back-off, fuse. */
static double pool_slot_failed(struct pool_slot *s, double uptime)
{
    struct pool *p = s->pool;
    bool trips;
    double delay = respawn_exit(&s->backoff, &p->fuse, uptime, pool_now(p), &trips);
    if (trips)
        log_err("lisp pool: %d starts failed within %gs; answering 503 at once and trying one "
                "start every %gs until a Lisp stays up %gs",
                RESPAWN_FUSE_FAILURES, RESPAWN_FUSE_WINDOW, RESPAWN_FUSE_RETRY,
                RESPAWN_MIN_UPTIME);
    s->state = SCALE_EMPTY;
    s->restart_pending = true;
    pool_timer_once(s, delay);
    return delay;
}

/* Closes s's inherited listening socket (and removes its path). */
static void pool_slot_close_socket(struct pool_slot *s)
{
    if (s->listen_fd < 0)
        return;
    close(s->listen_fd);
    s->listen_fd = -1;
    const char *path = addr_unix_path(&s->pool->urls[s->index].addr);
    if (path != NULL)
        unlink(path);
}

/* Before a start: with bin-inherit-socket, s's listening socket (bound on
 * its first start, then kept); otherwise nothing may answer at its address
 * yet (another program, or a Lisp of the pool's last owner still stopping),
 * and a unix socket its last process left is removed. 0, or -1 with the
 * reason in err. */
static int pool_slot_prepare_address(struct pool_slot *s, char *err, size_t errlen)
{
    const struct settings *cfg = s->pool->srv->cfg;
    const struct backend_url *u = &s->pool->urls[s->index];
    if (cfg->bin_inherit_socket) {
        if (s->listen_fd >= 0)
            return 0;
        /* the Lisp blocks in accept(); fcgi-lisp only reads the queue */
        struct sock_listen_opts o = {.backlog = (int)cfg->listen_backlog, .mode = -1,
                                     .uid = (uid_t)-1, .gid = (gid_t)-1, .blocking = true};
        s->listen_fd = sock_listen_with(&u->addr, &o, err, errlen);
        return s->listen_fd < 0 ? -1 : 0;
    }
    int rc = sock_probe(&u->addr, 100);
    if (rc == 0 || rc == EAGAIN) {
        snprintf(err, errlen,
                 "%s already accepts connections, before its Lisp is started (another program "
                 "listens there?)",
                 u->text);
        return -1;
    }
    const char *path = addr_unix_path(&u->addr);
    if (path != NULL)
        unlink(path); /* a socket its last process left: the new one binds it */
    return 0;
}

/* STARTING with an inherited socket: a probe connection waits in the
 * queue, whose length is noted. */
static void pool_slot_probe_begin(struct pool_slot *s)
{
    bool in_progress;
    if (s->listen_fd < 0)
        return;
    s->probe_fd = sock_connect(&s->pool->urls[s->index].addr, &in_progress);
    s->probe_queue = sock_backlog_length(s->listen_fd);
}

static bool pool_slot_start(struct pool_slot *s)
{
    struct pool *p = s->pool;
    const struct settings *cfg = p->srv->cfg;
    ev_tstamp now = pool_now(p);
    if (!respawn_fuse_may_start(&p->fuse, now)) {
        s->restart_pending = true;
        pool_timer_once(s, p->fuse.retry_at - now);
        return false;
    }
    const struct addr *a = &p->urls[s->index].addr;
    struct command_slot cs = {(unsigned)s->index, addr_port(a), addr_unix_path(a),
                              cfg->bin_inherit_socket};
    char err[256];
    int rc = pool_slot_prepare_address(s, err, sizeof err);
    if (rc == 0) {
        char **argv = command_expand((const char *const *)p->argv, &cs, err, sizeof err);
        char **envp = command_env((const char *const *)environ,
                                  (const char *const *)cfg->bin_copy_environment,
                                  (const char *const *)cfg->bin_environment, &cs);
        rc = argv ? proc_spawn(&s->proc, p->srv->loop, argv, envp, s->listen_fd, err,
                               sizeof err)
                  : -1;
        command_strv_free(argv);
        command_strv_free(envp);
    }
    s->restart_pending = false;
    if (rc < 0) {
        log_err("%s: cannot start %s: %s", s->proc.name, cfg->bin_path, err);
        pool_slot_failed(s, 0);
        return false;
    }
    log_info("%s: started %s", s->proc.tag, cfg->bin_path);
    s->state = SCALE_STARTING;
    s->generation = p->generation;
    s->served = 0;
    s->deadline = now + cfg->startup_timeout;
    pool_slot_probe_begin(s);
    ev_timer_stop(p->srv->loop, &s->timer);
    ev_timer_set(&s->timer, POOL_PROBE_INTERVAL, POOL_PROBE_INTERVAL);
    ev_timer_start(p->srv->loop, &s->timer);
    return true;
}

/* The old process of the rolling restart's step takes no new request and
 * stops once its last one has ended (pool_on_release). */
static void pool_slot_drain(struct pool_slot *s)
{
    s->draining = true;
    pool_slot_unroute(s);
    if (pool_bal(s)->load == 0)
        pool_slot_stop(s);
}

/* One step of the rolling restart: the next process of an older generation
 * is replaced, by a new one in a free slot (then it is drained once the new
 * one is ready), or, with no free slot, in its own (drained first). */
static void pool_roll(struct pool *p)
{
    if (p->roll_new != SIZE_MAX || p->roll_old != SIZE_MAX)
        return; /* a step is in progress */
    struct pool_slot *old = NULL, *empty = NULL;
    for (size_t i = 0; i < p->n_slots; i++) {
        struct pool_slot *s = &p->slots[i];
        bool live = s->state == SCALE_READY || s->state == SCALE_STARTING;
        if (old == NULL && live && !s->draining && s->generation != p->generation)
            old = s;
        if (empty == NULL && s->state == SCALE_EMPTY && !s->restart_pending)
            empty = s;
    }
    if (old == NULL)
        return;
    p->roll_old = old->index;
    p->roll_in_place = empty == NULL;
    if (p->roll_in_place) {
        pool_slot_drain(old);
        return;
    }
    /* started now, or later by the back-off or the fuse: the step waits */
    pool_slot_start(empty);
    p->roll_new = empty->index;
}

/* The new process of a step accepts connections: its old one drains. */
static void pool_roll_ready(struct pool *p)
{
    size_t old = p->roll_old;
    p->roll_new = SIZE_MAX;
    if (!p->roll_in_place && old != SIZE_MAX && p->slots[old].state == SCALE_READY) {
        pool_slot_drain(&p->slots[old]);
        return;
    }
    p->roll_old = SIZE_MAX; /* the old one is gone already */
    pool_roll(p);
}

static void pool_slot_ready(struct pool_slot *s)
{
    struct pool *p = s->pool;
    ev_tstamp now = pool_now(p);
    s->state = SCALE_READY;
    s->last_used = now;
    pool_bal(s)->absent = false;
    pool_bal(s)->disabled_until = 0;
    log_info("%s: accepting connections after %.2fs", s->proc.tag, now - s->proc.started);
    /* the fuse learns that this start succeeded once it has stayed up */
    pool_timer_once(s, s->proc.started + RESPAWN_MIN_UPTIME - now);
    upstream_kick(p->srv);
    if (p->roll_new == s->index)
        pool_roll_ready(p);
}

/* Whether the probe connection fd has connected (not still in progress,
 * not refused). */
static bool pool_probe_connected(int fd)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    return fd >= 0 && sock_error(fd) == 0 && getpeername(fd, (struct sockaddr *)&peer, &len) == 0;
}

/* STARTING, inherited socket: true once the process has accepted a
 * connection. Only the probe and connections left from its last process
 * wait in the queue (the slot gets no traffic yet), so the queue shrinks
 * only by accepts, and it is empty only once the probe, connected, was
 * accepted. */
static bool pool_slot_accepted(struct pool_slot *s)
{
    int q = sock_backlog_length(s->listen_fd);
    if (q < 0) {
        log_warn("%s: cannot read the length of its listen queue (%s); taking it as ready",
                 s->proc.tag, strerror(errno));
        return true;
    }
    bool shrank = (s->probe_queue >= 0 && q < s->probe_queue) ||
                  (q == 0 && pool_probe_connected(s->probe_fd));
    s->probe_queue = q;
    if (s->probe_fd < 0 && !shrank)
        pool_slot_probe_begin(s); /* the last probe could not connect */
    return shrank;
}

/* STARTING, own socket: does the process accept connections yet? A
 * connect that is still in progress is looked at on the next tick. */
static bool pool_slot_connectable(struct pool_slot *s)
{
    if (s->probe_fd >= 0) {
        bool up = pool_probe_connected(s->probe_fd);
        close(s->probe_fd);
        s->probe_fd = -1;
        if (up)
            return true;
    }
    bool in_progress;
    int fd = sock_connect(&s->pool->urls[s->index].addr, &in_progress);
    if (fd >= 0 && !in_progress) {
        close(fd);
        return true;
    }
    s->probe_fd = fd;
    return false;
}

static void pool_slot_probe_end(struct pool_slot *s)
{
    if (s->probe_fd >= 0)
        close(s->probe_fd);
    s->probe_fd = -1;
}

static void pool_slot_probe(struct pool_slot *s)
{
    bool up = s->listen_fd >= 0 ? pool_slot_accepted(s) : pool_slot_connectable(s);
    if (up) {
        pool_slot_probe_end(s);
        pool_slot_ready(s);
        return;
    }
    if (pool_now(s->pool) >= s->deadline) {
        log_err("%s: not accepting connections on %s after %gs (startup-timeout); stopping it",
                s->proc.tag, s->pool->urls[s->index].text, s->pool->srv->cfg->startup_timeout);
        pool_slot_probe_end(s);
        pool_slot_stop(s);
        s->restart_pending = true; /* a failed start: restarted after its exit */
    }
}

static void pool_slot_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct pool_slot *s = w->data;
    struct pool *p = s->pool;
    switch (s->state) {
    case SCALE_STARTING:
        pool_slot_probe(s);
        return;
    case SCALE_READY:
        if (respawn_fuse_success(&p->fuse) == RESPAWN_FUSE_CLOSES)
            log_warn("lisp pool: %s has stayed up %gs; starting processes normally again",
                     s->proc.tag, RESPAWN_MIN_UPTIME);
        return;
    case SCALE_STOPPING:
        log_warn("%s: still running %gs after SIG%s; sending SIGKILL", s->proc.tag,
                 p->srv->cfg->kill_grace, sigabbrev_np(p->srv->cfg->kill_signal));
        proc_signal(&s->proc, SIGKILL);
        return;
    case SCALE_EMPTY:
        if (s->restart_pending)
            pool_slot_start(s);
        return;
    }
}

/* The old process of a step is gone: with its replacement ready the step
 * is done; without one (no free slot) the replacement starts in its slot. */
static void pool_roll_exited(struct pool *p, struct pool_slot *s)
{
    p->roll_old = SIZE_MAX;
    if (!p->roll_in_place) {
        pool_roll(p);
        return;
    }
    pool_slot_start(s); /* now, or after the back-off or the fuse */
    p->roll_new = s->index;
}

static void pool_proc_exit(struct proc *proc, int status)
{
    struct pool_slot *s = proc->data;
    struct pool *p = s->pool;
    double uptime = pool_now(p) - proc->started;
    char how[96];
    proc_describe_status(status, how, sizeof how);
    pool_slot_probe_end(s);
    pool_slot_unroute(s);
    bool asked = s->state == SCALE_STOPPING && !s->restart_pending;
    if (asked) {
        log_notice("%s %s after %.1fs, %lu requests served", proc->tag, how, uptime, s->served);
        ev_timer_stop(p->srv->loop, &s->timer);
        s->state = SCALE_EMPTY;
        pool_slot_close_socket(s); /* drained: nothing waits in its queue */
        if (p->roll_old == s->index)
            pool_roll_exited(p, s);
        else
            pool_start_wanted(p, 0); /* below min-procs now? */
        return;
    }
    double delay = pool_slot_failed(s, uptime);
    log_err("%s %s after %.1fs, %lu requests served; starting it again in %gs", proc->tag, how,
            uptime, s->served, delay);
    if (p->roll_old == s->index) {
        /* the rolling restart's old process died: its restart is the new one */
        s->draining = false;
        p->roll_old = SIZE_MAX;
        if (p->roll_in_place)
            p->roll_new = s->index;
        else
            pool_roll(p);
    }
}

enum balance_rc pool_on_no_backend(struct pool *p, enum balance_rc rc, size_t waiting)
{
    /* the owner's processes may still be starting: wait (queue-timeout
     * bounds it); the takeover timer lets the waiters try again */
    if (p->attached)
        return BALANCE_ALL_FULL;
    pool_start_wanted(p, waiting);
    bool coming = pool_count(p, SCALE_STARTING) > 0;
    for (size_t i = 0; i < p->n_slots && !coming; i++)
        coming = p->slots[i].restart_pending;
    if (p->fuse.state == RESPAWN_FUSE_TRIPPED && pool_count(p, SCALE_READY) == 0 &&
        pool_count(p, SCALE_STARTING) == 0)
        return BALANCE_NONE_UP;
    if (rc == BALANCE_ALL_FULL || coming)
        return BALANCE_ALL_FULL;
    return BALANCE_NONE_UP;
}

const char *pool_why_unavailable(const struct pool *p)
{
    if (p->fuse.state == RESPAWN_FUSE_TRIPPED)
        return "the Lisp processes keep failing to start (the crash-loop fuse is tripped)";
    return "no Lisp process is running and none can start";
}

void pool_on_release(struct pool *p, size_t i)
{
    struct pool_slot *s = &p->slots[i];
    s->served++;
    if (pool_bal(s)->load == 0) {
        s->last_used = pool_now(p);
        if (s->draining)
            pool_slot_stop(s);
    }
}

void pool_reload(struct pool *p)
{
    const struct settings *cfg = p->srv->cfg;
    char err[256];
    command_strv_free(p->argv);
    p->argv = command_split(cfg->bin_path, err, sizeof err); /* checked by settings */
    p->limits.min_procs = cfg->min_procs;
    p->limits.max_load = cfg->max_load_per_proc;
    p->limits.idle_timeout = cfg->idle_timeout;
    if (p->attached)
        return; /* the owner reloads its own */
    for (size_t i = 0; i < p->n_slots; i++)
        pool_bal(&p->slots[i])->max_load = p->limits.max_load;
    if (p->limits.min_procs < p->limits.max_procs)
        ev_timer_start(p->srv->loop, &p->idle);
    else
        ev_timer_stop(p->srv->loop, &p->idle);
    p->generation++;
    size_t n = pool_count(p, SCALE_READY) + pool_count(p, SCALE_STARTING);
    log_notice("lisp pool: replacing %zu process%s one at a time", n, n == 1 ? "" : "es");
    pool_roll(p);
    pool_start_wanted(p, 0);
}

static void pool_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct pool *p = w->data;
    ev_tstamp now = pool_now(p);
    if (now - p->last_idle_stop < POOL_IDLE_STOP_INTERVAL)
        return;
    pool_view(p);
    size_t v = scale_idle_victim(p->view, p->n_slots, &p->limits, now);
    if (v == SIZE_MAX)
        return;
    struct pool_slot *s = &p->slots[v];
    log_info("%s: idle for %.0fs; stopping it", s->proc.tag, now - s->last_used);
    p->last_idle_stop = now;
    pool_slot_stop(s);
}

/* At exit: waits up to `grace` seconds for the processes to be gone. */
static void pool_wait_all(struct pool *p, double grace)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (double waited = 0;; waited += 0.01) {
        bool left = false;
        for (size_t i = 0; i < p->n_slots; i++) {
            struct proc *proc = &p->slots[i].proc;
            int status;
            pid_t got = proc->pid > 0 ? waitpid(proc->pid, &status, WNOHANG) : 0;
            if (got > 0) {
                char how[96];
                proc_describe_status(status, how, sizeof how);
                log_notice("%s %s after %.1fs, %lu requests served (fcgi-lisp stopping)",
                           proc->tag, how, ev_time() - proc->started, p->slots[i].served);
            }
            if (got != 0)
                proc->pid = 0; /* reaped, or not ours any more (ECHILD) */
            left = left || proc->pid > 0;
        }
        if (!left || waited >= grace)
            return;
        nanosleep(&tick, NULL);
    }
}

void pool_free(struct pool *p)
{
    const struct settings *cfg = p->srv->cfg;
    for (size_t i = 0; i < p->n_slots; i++) {
        struct pool_slot *s = &p->slots[i];
        ev_timer_stop(p->srv->loop, &s->timer);
        ev_child_stop(p->srv->loop, &s->proc.child);
        proc_signal(&s->proc, cfg->kill_signal);
    }
    pool_wait_all(p, cfg->kill_grace);
    for (size_t i = 0; i < p->n_slots; i++) {
        struct proc *proc = &p->slots[i].proc;
        if (proc->pid > 0) {
            log_warn("%s: still running %gs after SIG%s; sending SIGKILL", proc->tag,
                     cfg->kill_grace, sigabbrev_np(cfg->kill_signal));
            proc_signal(proc, SIGKILL);
        }
    }
    pool_wait_all(p, 60);
    ev_timer_stop(p->srv->loop, &p->idle);
    ev_timer_stop(p->srv->loop, &p->takeover);
    if (p->lock_fd >= 0)
        close(p->lock_fd); /* after the processes are gone: then another may own */
    free(p->lock_path);
    for (size_t i = 0; i < p->n_slots; i++) {
        struct pool_slot *s = &p->slots[i];
        pool_slot_probe_end(s);
        pool_slot_close_socket(s);
        proc_free(&s->proc, p->srv->loop);
        backend_url_free(&p->urls[i]);
    }
    command_strv_free(p->argv);
    free(p->urls);
    free(p->slots);
    free(p->view);
    free(p);
}
