/* respawn.h - when a supervised process that exited may be started again:
 * a restart back-off per slot and a crash-loop fuse per pool. Shared by the
 * bridge's Lisp pool and fcgi-lisp-spawn's children.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O, no clock; the caller passes the time (seconds). The numbers
 * are supervision.md §9.4's: the first restart is immediate, then 1, 2, 4 ...
 * at most 30 s, and the delay resets once a process has stayed up for
 * min-uptime (10 s, multiwatch's window). FUSE_FAILURES starts that failed
 * within FUSE_WINDOW seconds trip the fuse: the pool stops restarting and
 * answers 503 at once, trying one start every FUSE_RETRY seconds; a process
 * that stays up for min-uptime closes it again. */
#ifndef FCGI_LISP_RESPAWN_H
#define FCGI_LISP_RESPAWN_H

#include <stdbool.h>
#include <stddef.h>

#define RESPAWN_MIN_UPTIME 10.0 /* up this long: the exit was not a crash loop */
#define RESPAWN_MAX_DELAY 30.0
#define RESPAWN_FUSE_FAILURES 5
#define RESPAWN_FUSE_WINDOW 60.0
#define RESPAWN_FUSE_RETRY 30.0

/* One slot's back-off. */
struct respawn_backoff {
    unsigned quick_exits; /* exits in a row, each before min-uptime */
};

/* The slot's process exited after `uptime` seconds: the delay before the
 * next start (0 for the first quick exit, then 1, 2, 4 ... 30). */
double respawn_backoff_exit(struct respawn_backoff *b, double uptime);

/* A pool's fuse. */
enum respawn_fuse_state {
    RESPAWN_FUSE_CLOSED,  /* starting processes normally */
    RESPAWN_FUSE_TRIPPED, /* too many failed starts: 503 at once, one retry per period */
};

struct respawn_fuse {
    enum respawn_fuse_state state;
    double failures[RESPAWN_FUSE_FAILURES]; /* when the last failed starts were, a ring */
    size_t n_failures, next;
    double retry_at; /* TRIPPED: when the next trial start may happen */
};

/* What a fuse event changed, for the one log line per state change. */
enum respawn_fuse_change {
    RESPAWN_FUSE_SAME,
    RESPAWN_FUSE_TRIPS,  /* CLOSED -> TRIPPED */
    RESPAWN_FUSE_CLOSES, /* TRIPPED -> CLOSED */
};

void respawn_fuse_init(struct respawn_fuse *f);
/* A process exited before min-uptime (or could not be started) at `now`. */
enum respawn_fuse_change respawn_fuse_failure(struct respawn_fuse *f, double now);
/* A process has been up for min-uptime (it answered, and kept running). */
enum respawn_fuse_change respawn_fuse_success(struct respawn_fuse *f);
/* A slot's process (back-off b, in a pool with fuse f) exited after
 * `uptime` seconds at `now`, or could not be started (uptime 0): the delay
 * before its restart. An exit before min-uptime counts against the fuse;
 * *trips says whether this one tripped it (the caller logs that once). */
double respawn_exit(struct respawn_backoff *b, struct respawn_fuse *f, double uptime, double now,
                    bool *trips);
/* Whether a process may be started at `now`: always while CLOSED; while
 * TRIPPED once per RESPAWN_FUSE_RETRY (this call takes that trial). */
bool respawn_fuse_may_start(struct respawn_fuse *f, double now);

#endif
