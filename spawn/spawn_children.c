/* spawn_children.c - the supervised FastCGI children.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "spawn_children.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sd_notify.h"
#include "xalloc.h"

static void spawn_child_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);
static void spawn_child_exit(struct proc *proc, int status);
static void spawn_children_reload_cb(struct ev_loop *loop, ev_timer *w, int revents);

static void spawn_child_timer_once(struct spawn_child *ch, double after)
{
    ev_timer_stop(ch->set->loop, &ch->timer);
    ev_timer_set(&ch->timer, after > 0 ? after : 0, 0);
    ev_timer_start(ch->set->loop, &ch->timer);
}

void spawn_children_init(struct spawn_children *c, struct ev_loop *loop, char **argv,
                         char **envp, int listen_fd, unsigned n, int stop_signal,
                         double kill_grace, double reload_wait)
{
    *c = (struct spawn_children){.loop = loop, .argv = argv, .envp = envp,
                                 .listen_fd = listen_fd, .n = n, .stop_signal = stop_signal,
                                 .kill_grace = kill_grace, .reload_wait = reload_wait};
    c->slots = xcalloc(2 * (size_t)n, sizeof *c->slots);
    respawn_fuse_init(&c->fuse);
    for (size_t i = 0; i < 2 * (size_t)n; i++) {
        struct spawn_child *ch = &c->slots[i];
        char name[32];
        snprintf(name, sizeof name, "child %zu", i);
        ch->set = c;
        proc_init(&ch->proc, name, spawn_child_exit, ch);
        ev_init(&ch->timer, spawn_child_timer_cb);
        ch->timer.data = ch;
    }
    ev_init(&c->reload, spawn_children_reload_cb);
    c->reload.data = c;
}

/* A start failed or a child exited before min-uptime: back-off and fuse;
 * the restart is due after the returned delay. */
static double spawn_child_failed(struct spawn_child *ch, double uptime)
{
    struct spawn_children *c = ch->set;
    bool trips;
    double delay = respawn_exit(&ch->backoff, &c->fuse, uptime, ev_now(c->loop), &trips);
    if (trips)
        log_err("%d starts failed within %gs; starting one child every %gs until one stays up "
                "%gs",
                RESPAWN_FUSE_FAILURES, RESPAWN_FUSE_WINDOW, RESPAWN_FUSE_RETRY,
                RESPAWN_MIN_UPTIME);
    ch->state = SPAWN_CHILD_EMPTY;
    ch->restart_pending = true;
    spawn_child_timer_once(ch, delay);
    return delay;
}

/* Starts ch's process now, or when the fuse allows. */
static void spawn_child_start(struct spawn_child *ch)
{
    struct spawn_children *c = ch->set;
    ev_tstamp now = ev_now(c->loop);
    if (!respawn_fuse_may_start(&c->fuse, now)) {
        ch->restart_pending = true;
        spawn_child_timer_once(ch, c->fuse.retry_at - now);
        return;
    }
    ch->restart_pending = false;
    char err[256];
    if (proc_spawn(&ch->proc, c->loop, c->argv, c->envp, c->listen_fd, err, sizeof err) < 0) {
        log_err("%s: cannot start %s: %s", ch->proc.name, c->argv[0], err);
        spawn_child_failed(ch, 0);
        return;
    }
    log_info("%s: started %s", ch->proc.tag, c->argv[0]);
    ch->state = SPAWN_CHILD_RUNNING;
    /* the fuse learns that this start succeeded once it has stayed up */
    spawn_child_timer_once(ch, RESPAWN_MIN_UPTIME);
}

/* A free slot for a child of generation gen, started; NULL if none. */
static struct spawn_child *spawn_children_add(struct spawn_children *c, unsigned gen)
{
    for (size_t i = 0; i < 2 * (size_t)c->n; i++) {
        struct spawn_child *ch = &c->slots[i];
        if (ch->state == SPAWN_CHILD_EMPTY && !ch->restart_pending) {
            ch->generation = gen;
            ch->backoff = (struct respawn_backoff){0};
            spawn_child_start(ch);
            return ch;
        }
    }
    return NULL;
}

/* Asks ch to finish: stop-signal, SIGKILL after kill-grace. */
static void spawn_child_stop(struct spawn_child *ch)
{
    if (ch->state != SPAWN_CHILD_RUNNING) {
        if (ch->restart_pending)
            ev_timer_stop(ch->set->loop, &ch->timer);
        ch->restart_pending = false;
        return;
    }
    ch->state = SPAWN_CHILD_STOPPING;
    proc_signal(&ch->proc, ch->set->stop_signal);
    spawn_child_timer_once(ch, ch->set->kill_grace);
}

void spawn_children_start(struct spawn_children *c)
{
    for (unsigned i = 0; i < c->n; i++)
        spawn_children_add(c, c->generation);
}

unsigned spawn_children_running(const struct spawn_children *c)
{
    unsigned n = 0;
    for (size_t i = 0; i < 2 * (size_t)c->n; i++)
        n += c->slots[i].state != SPAWN_CHILD_EMPTY;
    return n;
}

/* Every child of generation gen is stopped. */
static void spawn_children_stop_generation(struct spawn_children *c, unsigned gen)
{
    for (size_t i = 0; i < 2 * (size_t)c->n; i++)
        if (c->slots[i].generation == gen)
            spawn_child_stop(&c->slots[i]);
}

/* The current generation has fewer than N children running or due (one of
 * it exited while a reload was deciding): the missing ones start. */
static void spawn_children_fill(struct spawn_children *c)
{
    unsigned have = 0;
    for (size_t i = 0; i < 2 * (size_t)c->n; i++) {
        const struct spawn_child *ch = &c->slots[i];
        have += ch->generation == c->generation &&
                (ch->state == SPAWN_CHILD_RUNNING || ch->restart_pending);
    }
    for (; have < c->n; have++)
        if (spawn_children_add(c, c->generation) == NULL)
            return;
}

/* The reload's new generation failed: its children stop, the old one
 * stays. */
static void spawn_children_abandon(struct spawn_children *c, const char *why)
{
    log_err("SIGHUP: %s; the reload is abandoned and the running children are kept", why);
    ev_timer_stop(c->loop, &c->reload);
    c->reloading = false;
    unsigned failed = c->generation;
    c->generation = c->reload_from;
    spawn_children_stop_generation(c, failed);
    spawn_children_fill(c);
    sd_notify_send("READY=1");
}

void spawn_children_reload(struct spawn_children *c)
{
    if (c->stopping)
        return;
    if (c->reloading) {
        log_warn("SIGHUP: a reload is already in progress; this one is ignored");
        return;
    }
    sd_notify_send("RELOADING=1");
    c->reloading = true;
    c->reload_from = c->generation;
    c->generation = ++c->generations; /* never reused: a failed one may still be stopping */
    log_notice("SIGHUP: starting %u new child%s beside the running ones", c->n,
               c->n == 1 ? "" : "ren");
    for (unsigned i = 0; i < c->n; i++)
        if (spawn_children_add(c, c->generation) == NULL)
            break;
    ev_timer_set(&c->reload, c->reload_wait, 0);
    ev_timer_start(c->loop, &c->reload);
}

/* The new children stayed up reload-wait: the old ones are asked to finish. */
static void spawn_children_reload_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct spawn_children *c = w->data;
    for (size_t i = 0; i < 2 * (size_t)c->n; i++) {
        const struct spawn_child *ch = &c->slots[i];
        if (ch->generation == c->generation && ch->state != SPAWN_CHILD_RUNNING) {
            spawn_children_abandon(c, "a new child is not running");
            return;
        }
    }
    c->reloading = false;
    unsigned stopped = 0;
    for (size_t i = 0; i < 2 * (size_t)c->n; i++) {
        struct spawn_child *ch = &c->slots[i];
        if (ch->generation == c->generation)
            continue;
        stopped += ch->state != SPAWN_CHILD_EMPTY;
        spawn_child_stop(ch); /* a running one, or a restart that was due */
    }
    log_notice("SIGHUP: the new children are up; %u old one%s asked to finish (SIG%s)",
               stopped, stopped == 1 ? "" : "s", sigabbrev_np(c->stop_signal));
    sd_notify_send("READY=1");
}

void spawn_children_stop(struct spawn_children *c)
{
    c->stopping = true;
    ev_timer_stop(c->loop, &c->reload);
    for (size_t i = 0; i < 2 * (size_t)c->n; i++)
        spawn_child_stop(&c->slots[i]);
    if (spawn_children_running(c) == 0)
        ev_break(c->loop, EVBREAK_ALL);
}

static void spawn_child_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct spawn_child *ch = w->data;
    struct spawn_children *c = ch->set;
    switch (ch->state) {
    case SPAWN_CHILD_EMPTY:
        if (ch->restart_pending && !c->stopping)
            spawn_child_start(ch);
        return;
    case SPAWN_CHILD_RUNNING:
        if (respawn_fuse_success(&c->fuse) == RESPAWN_FUSE_CLOSES)
            log_warn("%s has stayed up %gs; starting children normally again", ch->proc.tag,
                     RESPAWN_MIN_UPTIME);
        return;
    case SPAWN_CHILD_STOPPING:
        log_warn("%s: still running %gs after SIG%s; sending SIGKILL", ch->proc.tag,
                 c->kill_grace, sigabbrev_np(c->stop_signal));
        proc_signal(&ch->proc, SIGKILL);
        return;
    }
}

static void spawn_child_exit(struct proc *proc, int status)
{
    struct spawn_child *ch = proc->data;
    struct spawn_children *c = ch->set;
    double uptime = ev_now(c->loop) - proc->started;
    char how[96];
    proc_describe_status(status, how, sizeof how);
    ch->exited = true;
    ch->last_status = status;
    ev_timer_stop(c->loop, &ch->timer);
    if (ch->state == SPAWN_CHILD_STOPPING || c->stopping) {
        log_notice("%s %s after %.1fs%s", proc->tag, how, uptime,
                   ch->state == SPAWN_CHILD_STOPPING ? " (asked to finish)" : "");
        ch->state = SPAWN_CHILD_EMPTY;
        if (c->stopping && spawn_children_running(c) == 0)
            ev_break(c->loop, EVBREAK_ALL);
        return;
    }
    if (c->reloading && ch->generation == c->generation) {
        ch->state = SPAWN_CHILD_EMPTY;
        log_err("%s %s after %.1fs", proc->tag, how, uptime);
        spawn_children_abandon(c, "a new child exited");
        return;
    }
    if (c->reloading) {
        /* an old one: it is being replaced anyway; kept if the reload fails */
        ch->state = SPAWN_CHILD_EMPTY;
        log_err("%s %s after %.1fs; not started again (a reload is replacing it)", proc->tag,
                how, uptime);
        return;
    }
    double delay = spawn_child_failed(ch, uptime);
    log_err("%s %s after %.1fs; starting it again in %gs", proc->tag, how, uptime, delay);
}

void spawn_children_free(struct spawn_children *c)
{
    ev_timer_stop(c->loop, &c->reload);
    for (size_t i = 0; i < 2 * (size_t)c->n; i++) {
        ev_timer_stop(c->loop, &c->slots[i].timer);
        proc_free(&c->slots[i].proc, c->loop);
    }
    free(c->slots);
    c->slots = NULL;
}
