/* pool.h - Lisp processes fcgi-lisp starts and supervises itself (bin-path),
 * as lighttpd's fastcgi.server does: slot N listens on port+N or PATH-N and
 * is backend N; between min-procs and max-procs of them run.
 * fcgi-lisp, MIT licence.
 *
 * A slot's process gets traffic only once it accepts connections (probed
 * every POOL_PROBE_INTERVAL, for at most startup-timeout). Before a start
 * nothing may answer at the slot's address: another program's port is
 * never taken for the Lisp. With bin-inherit-socket, fcgi-lisp binds the
 * slot's address itself and hands the listening socket to each of its
 * processes as fd 0 (FCGI_LISP_LISTEN_FD=0); it stays open while the
 * process restarts, so connections made meanwhile wait in its backlog, and
 * the process is ready once the queue shrinks (sock_backlog.h). More processes
 * start when a request finds every ready one at max-load-per-proc; one idle
 * for idle-timeout above min-procs is stopped (kill-signal, then SIGKILL
 * after kill-grace). A process that exits unasked is started again after
 * respawn.h's back-off; too many failed starts trip the fuse, and requests
 * are answered 503 at once until a process stays up. Every exit is logged
 * with its status, uptime and requests served; the processes' stdout and
 * stderr are logged line by line (proc.h).
 *
 * Several fcgi-lisp processes with the same pool (mod_fcgid runs one per
 * request in flight) share it: the one that holds the pool's lock file
 * (flock) runs the Lisp processes, the others attach and use the slots as
 * plain backends (a request that finds none up waits in the queue, tried
 * again every POOL_TAKEOVER_INTERVAL: the owner's may be starting); when
 * the owner exits (its Lisps go with it), an attached one takes the lock
 * within POOL_TAKEOVER_INTERVAL and starts them again. */
#ifndef FCGI_LISP_POOL_H
#define FCGI_LISP_POOL_H

#include <ev.h>
#include <stdbool.h>

#include "backend_url.h"
#include "balance.h"
#include "proc.h"
#include "respawn.h"
#include "scale.h"

struct server;

/* Probe interval for a starting process; also the clock of the fuse and of
 * restarts. */
#define POOL_PROBE_INTERVAL 0.05
/* How often an attached fcgi-lisp tries to become the owner. */
#define POOL_TAKEOVER_INTERVAL 0.5
/* At most one idle process is stopped per this many seconds. */
#define POOL_IDLE_STOP_INTERVAL 5.0

struct pool_slot {
    struct pool *pool;            /* borrowed */
    size_t index;                 /* slot N: backend N */
    struct proc proc;             /* embedded */
    enum scale_state state;
    struct respawn_backoff backoff;
    ev_timer timer;               /* probe, restart delay, kill grace or min-uptime */
    int probe_fd;                 /* a probe connection in progress, or -1 */
    int listen_fd;                /* owned: bin-inherit-socket: the slot's listening
                                     socket, fd 0 of each of its processes, or -1 */
    int probe_queue;              /* bin-inherit-socket, STARTING: its accept queue's
                                     length at the last probe */
    ev_tstamp deadline;           /* STARTING: startup-timeout */
    ev_tstamp last_used;          /* load last dropped to 0 (or it became ready) */
    unsigned long served;         /* requests its current process served */
    bool restart_pending;         /* EMPTY after a crash: timer restarts it */
    bool draining;                /* READY, but no new request: stopped once idle */
    unsigned generation;          /* the configuration its process was started with */
};

struct pool {
    struct server *srv;           /* borrowed */
    char **argv;                  /* owned: bin-path split */
    struct backend_url *urls;     /* owned, n_slots: slot N's address */
    struct pool_slot *slots;      /* owned, n_slots */
    size_t n_slots;
    struct scale_proc *view;      /* owned, n_slots: what scale.h reads */
    struct scale_limits limits;
    struct respawn_fuse fuse;
    ev_timer idle;                /* scale-down check, once a second */
    ev_tstamp last_idle_stop;
    unsigned generation;          /* bumped by each reload */
    char *lock_path;              /* owned: "SOCKET.lock", or in spool-dir for TCP */
    int lock_fd;                  /* open on lock_path; flock'ed while the owner */
    bool attached;                /* another fcgi-lisp owns the pool */
    ev_timer takeover;            /* attached: tries the lock */
    size_t roll_new, roll_old;    /* the rolling restart's step: the slot whose new
                                     process must be ready, the slot it replaces
                                     (SIZE_MAX: none) */
    bool roll_in_place;           /* no free slot: roll_old is drained first and
                                     its new process starts in it */
};

/* Builds the pool from cfg (bin-path set, validated by settings): n_slots
 * = max-procs backend URLs, which the server uses as its backends. */
struct pool *pool_new(struct server *srv);
/* Starts min-procs processes (after the listeners are open). */
void pool_start(struct pool *p);
/* Every usable slot is full or down (balance_pick said rc): starts what the
 * waiting requests need and says whether the request should wait
 * (BALANCE_ALL_FULL) or be answered 503 at once (BALANCE_NONE_UP: the fuse
 * is tripped, or nothing can start). */
enum balance_rc pool_on_no_backend(struct pool *p, enum balance_rc rc, size_t waiting);
/* Why no process can take a request now, for the 503's log line. */
const char *pool_why_unavailable(const struct pool *p);
/* A request on slot i ended (its load was decremented). */
void pool_on_release(struct pool *p, size_t i);
/* The configuration changed (SIGHUP; srv->cfg is the new one, with the
 * same backend and max-procs): new limits at once, and the processes are
 * replaced one at a time: a new one is started (in a free slot if there is
 * one), and once it accepts connections the old one gets no new request and
 * is stopped when its last one ends. */
void pool_reload(struct pool *p);
/* Stops every process: kill-signal, SIGKILL after kill-grace, and waits for
 * them (at exit); frees p. */
void pool_free(struct pool *p);

#endif
