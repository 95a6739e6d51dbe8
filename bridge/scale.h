/* scale.h - how many Lisp processes a spawned pool should run: start at
 * dispatch time when every ready process is at max-load-per-proc, keep at
 * least min-procs, stop idle ones after idle-timeout, never above max-procs.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O, no clock. Defaults and reasons are supervision.md §9.2: no
 * 1 Hz wait before scaling up as in lighttpd, at most `spawn_concurrency`
 * processes starting at once so that Lisp images do not stampede, and one
 * idle process stopped at a time, the one unused for longest. */
#ifndef FCGI_LISP_SCALE_H
#define FCGI_LISP_SCALE_H

#include <stddef.h>

enum scale_state {
    SCALE_EMPTY,    /* slot without a process (never started, or exited) */
    SCALE_STARTING, /* started, not accepting connections yet: no traffic */
    SCALE_READY,    /* serving */
    SCALE_STOPPING, /* asked to exit (idle, reload, shutdown): no new traffic */
};

/* What the decisions read of one slot. */
struct scale_proc {
    enum scale_state state;
    unsigned load;    /* requests it serves now (READY) */
    double last_used; /* when its load last dropped to 0, or it became ready */
};

struct scale_limits {
    unsigned min_procs, max_procs;
    unsigned max_load;          /* max-load-per-proc, at least 1 */
    unsigned spawn_concurrency; /* processes starting at once, at least 1 */
    double idle_timeout;        /* seconds */
};

/* How many processes to start now: enough to reach min_procs, and for
 * `waiting` requests that found every ready process full, enough that the
 * processes already starting and the new ones could take them all; within
 * max_procs and spawn_concurrency. */
unsigned scale_starts_wanted(const struct scale_proc *p, size_t n, const struct scale_limits *lim,
                             size_t waiting);

/* The ready process to stop at `now` for idleness: load 0 for longer than
 * idle_timeout, the one unused for longest, and only while more than
 * min_procs run. SIZE_MAX when there is none. */
size_t scale_idle_victim(const struct scale_proc *p, size_t n, const struct scale_limits *lim,
                         double now);

#endif
