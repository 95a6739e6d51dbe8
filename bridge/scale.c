/* scale.c - pool sizing decisions.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "scale.h"

#include <stdint.h>

/* The slots in `state`. */
static size_t scale_count(const struct scale_proc *p, size_t n, enum scale_state state)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i].state == state;
    return k;
}

unsigned scale_starts_wanted(const struct scale_proc *p, size_t n, const struct scale_limits *lim,
                             size_t waiting)
{
    size_t starting = scale_count(p, n, SCALE_STARTING);
    size_t live = starting + scale_count(p, n, SCALE_READY);
    size_t want = live < lim->min_procs ? lim->min_procs - live : 0;
    /* requests the processes already starting will take once ready */
    size_t covered = starting * lim->max_load;
    if (waiting > covered) {
        size_t more = (waiting - covered + lim->max_load - 1) / lim->max_load;
        if (more > want)
            want = more;
    }
    size_t room = live < lim->max_procs ? lim->max_procs - live : 0;
    size_t slots = n - live - scale_count(p, n, SCALE_STOPPING);
    size_t starts = starting < lim->spawn_concurrency ? lim->spawn_concurrency - starting : 0;
    if (want > room)
        want = room;
    if (want > slots)
        want = slots;
    if (want > starts)
        want = starts;
    return (unsigned)want;
}

size_t scale_idle_victim(const struct scale_proc *p, size_t n, const struct scale_limits *lim,
                         double now)
{
    size_t live = scale_count(p, n, SCALE_STARTING) + scale_count(p, n, SCALE_READY);
    if (live <= lim->min_procs)
        return SIZE_MAX;
    size_t victim = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (p[i].state != SCALE_READY || p[i].load != 0 ||
            now - p[i].last_used < lim->idle_timeout)
            continue;
        if (victim == SIZE_MAX || p[i].last_used < p[victim].last_used)
            victim = i;
    }
    return victim;
}
