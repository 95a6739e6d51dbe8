/* spawn_children.h - fcgi-lisp-spawn's children: -F N processes of the
 * FastCGI application on one shared listening socket, kept alive.
 * fcgi-lisp, MIT licence.
 *
 * Each child is a proc.h process: the socket on fd 0, stdout and stderr
 * logged line by line, nothing else inherited, its own process group. One
 * that exits unasked is started again after respawn.h's back-off; five
 * failed starts within a minute trip the fuse (one start every 30 s then,
 * until a child stays up 10 s). Every exit is logged with its status or
 * signal (and core dump) and its uptime.
 *
 * Reload (SIGHUP): N new children start on the same socket beside the old
 * ones; once they have all stayed up reload-wait, the old ones get
 * stop-signal (SIGKILL after kill-grace). The socket never closes, so no
 * connection is refused; a child finishing gracefully loses no request. A
 * new child that exits during the wait abandons the reload: the new ones
 * are stopped, the old ones kept. */
#ifndef FCGI_LISP_SPAWN_CHILDREN_H
#define FCGI_LISP_SPAWN_CHILDREN_H

#include <ev.h>
#include <stdbool.h>

#include "proc.h"
#include "respawn.h"

enum spawn_child_state {
    SPAWN_CHILD_EMPTY,    /* no process (restart_pending: one is due) */
    SPAWN_CHILD_RUNNING,
    SPAWN_CHILD_STOPPING, /* asked to finish: stop-signal sent, SIGKILL after kill-grace */
};

struct spawn_children;

struct spawn_child {
    struct spawn_children *set;   /* borrowed */
    struct proc proc;             /* embedded: "child N" */
    enum spawn_child_state state;
    struct respawn_backoff backoff;
    ev_timer timer;               /* restart delay, kill-grace, or min-uptime for the fuse */
    unsigned generation;          /* the reload it belongs to */
    bool restart_pending;
    bool exited;                  /* has exited at least once: last_status is set */
    int last_status;              /* waitpid status of its last exit */
};

struct spawn_children {
    struct ev_loop *loop;         /* borrowed */
    char **argv;                  /* borrowed: the application */
    char **envp;                  /* borrowed: its environment */
    int listen_fd;                /* borrowed: the shared socket */
    unsigned n;                   /* -F */
    struct spawn_child *slots;    /* owned, 2n: a reload runs both generations */
    struct respawn_fuse fuse;
    unsigned generation;          /* the current one */
    unsigned generations;         /* how many were made: the next one's number */
    unsigned reload_from;         /* reloading: the generation being replaced */
    int stop_signal;
    double kill_grace, reload_wait;
    ev_timer reload;              /* a reload's wait */
    bool reloading;               /* new generation started, old one still serving */
    bool stopping;                /* SIGTERM: no restarts, ev_break once all are gone */
};

/* Sets c up (no process yet). */
void spawn_children_init(struct spawn_children *c, struct ev_loop *loop, char **argv,
                         char **envp, int listen_fd, unsigned n, int stop_signal,
                         double kill_grace, double reload_wait);
/* Starts the first N children. */
void spawn_children_start(struct spawn_children *c);
/* SIGHUP: a reload (one at a time; a second one while one runs is logged
 * and ignored). */
void spawn_children_reload(struct spawn_children *c);
/* SIGTERM: every child gets stop-signal, SIGKILL after kill-grace; the loop
 * is broken once none is left. */
void spawn_children_stop(struct spawn_children *c);
/* How many processes run now. */
unsigned spawn_children_running(const struct spawn_children *c);
/* Frees what c owns (the children must be gone). */
void spawn_children_free(struct spawn_children *c);

#endif
