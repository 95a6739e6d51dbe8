/* respawn.c - restart back-off and crash-loop fuse.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "respawn.h"

double respawn_backoff_exit(struct respawn_backoff *b, double uptime)
{
    if (uptime >= RESPAWN_MIN_UPTIME) {
        b->quick_exits = 0;
        return 0;
    }
    b->quick_exits++;
    /* k-th quick exit in a row: 0, 1, 2, 4 ... seconds, at most the cap */
    double delay = 0;
    for (unsigned k = 1; k < b->quick_exits && delay < RESPAWN_MAX_DELAY; k++)
        delay = delay == 0 ? 1 : delay * 2;
    return delay < RESPAWN_MAX_DELAY ? delay : RESPAWN_MAX_DELAY;
}

void respawn_fuse_init(struct respawn_fuse *f)
{
    *f = (struct respawn_fuse){.state = RESPAWN_FUSE_CLOSED};
}

enum respawn_fuse_change respawn_fuse_failure(struct respawn_fuse *f, double now)
{
    f->failures[f->next] = now;
    f->next = (f->next + 1) % RESPAWN_FUSE_FAILURES;
    if (f->n_failures < RESPAWN_FUSE_FAILURES)
        f->n_failures++;
    if (f->state == RESPAWN_FUSE_TRIPPED) {
        f->retry_at = now + RESPAWN_FUSE_RETRY; /* the trial failed */
        return RESPAWN_FUSE_SAME;
    }
    /* the ring is full and its oldest entry (the next to overwrite) is recent */
    if (f->n_failures == RESPAWN_FUSE_FAILURES &&
        now - f->failures[f->next] <= RESPAWN_FUSE_WINDOW) {
        f->state = RESPAWN_FUSE_TRIPPED;
        f->retry_at = now + RESPAWN_FUSE_RETRY;
        return RESPAWN_FUSE_TRIPS;
    }
    return RESPAWN_FUSE_SAME;
}

enum respawn_fuse_change respawn_fuse_success(struct respawn_fuse *f)
{
    f->n_failures = 0;
    f->next = 0;
    if (f->state == RESPAWN_FUSE_CLOSED)
        return RESPAWN_FUSE_SAME;
    f->state = RESPAWN_FUSE_CLOSED;
    return RESPAWN_FUSE_CLOSES;
}

double respawn_exit(struct respawn_backoff *b, struct respawn_fuse *f, double uptime, double now,
                    bool *trips)
{
    *trips = uptime < RESPAWN_MIN_UPTIME &&
             respawn_fuse_failure(f, now) == RESPAWN_FUSE_TRIPS;
    return respawn_backoff_exit(b, uptime);
}

bool respawn_fuse_may_start(struct respawn_fuse *f, double now)
{
    if (f->state == RESPAWN_FUSE_CLOSED)
        return true;
    if (now < f->retry_at)
        return false;
    f->retry_at = now + RESPAWN_FUSE_RETRY;
    return true;
}
