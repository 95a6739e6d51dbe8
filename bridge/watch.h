/* watch.h - setting the events of a libev I/O watcher without making libev
 * re-register its descriptor.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_WATCH_H
#define FCGI_LISP_WATCH_H

#include <ev.h>

/* Makes w wait for exactly `events` (EV_READ and/or EV_WRITE; 0 stops it).
 * w's fd must have been set once with ev_io_init or ev_io_set. Unlike
 * ev_io_set, ev_io_modify tells libev the fd still refers to the same open
 * socket, so its epoll backend changes the mask with one EPOLL_CTL_MOD (or
 * nothing) instead of trying EPOLL_CTL_ADD first and failing with EEXIST
 * (libev(3), "ev_io_modify"). */
static inline void watch_io_events(struct ev_loop *loop, ev_io *w, int events)
{
    if (ev_is_active(w) && (w->events & (EV_READ | EV_WRITE)) == events)
        return;
    ev_io_stop(loop, w);
    ev_io_modify(w, events);
    if (events)
        ev_io_start(loop, w);
}

#endif
