/* balance.h - which Lisp backend takes a request: lighttpd's balance modes
 * over backends that may be disabled, full, or already tried by it.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O and no clock. The caller keeps one balance_backend per
 * backend, updated in place (load, disabled_until), and passes the time.
 * Modes, as lighttpd's fastcgi.balance defines them (supervision.md §2.6):
 *   least-connection (default) and its alias fair: the lowest load, the
 *     first such backend on a tie;
 *   round-robin: the next usable backend after the one picked last;
 *   hash: rendezvous hashing on the request's authority and path, so a URL
 *     stays on one backend and only a failed backend's URLs move;
 *   sticky: the same, keyed on the client's address. */
#ifndef FCGI_LISP_BALANCE_H
#define FCGI_LISP_BALANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum balance_mode {
    BALANCE_LEAST_CONNECTION,
    BALANCE_FAIR, /* lighttpd: the same as least-connection */
    BALANCE_ROUND_ROBIN,
    BALANCE_HASH,
    BALANCE_STICKY,
};

/* What the decision reads of one backend. */
struct balance_backend {
    unsigned load;         /* requests it serves now */
    unsigned max_load;     /* at most this many at once; 0: no limit */
    double disabled_until; /* refused a connection: not picked before this time */
    bool absent;           /* nothing behind it (a pool slot without a ready
                              process): never picked, not counted as up */
    uint32_t name_hash;    /* balance_hash of its name (hash and sticky) */
};

/* One request's choice. */
struct balance_query {
    uint32_t key_hash;    /* balance_hash of the authority and path (hash), or of
                             the client address (sticky); unused otherwise */
    const size_t *tried;  /* borrowed: backends this request failed on already */
    size_t n_tried;
    double now;
};

enum balance_rc {
    BALANCE_PICKED,   /* *out is the backend */
    BALANCE_ALL_FULL, /* some backend is up, but each usable one is at max_load: wait */
    BALANCE_NONE_UP,  /* every backend not yet tried is disabled: answer 503 now */
};

/* Picks for q among the n backends b. *rr is the round-robin cursor: the
 * index after the backend picked last (advanced on a pick in that mode). */
enum balance_rc balance_pick(enum balance_mode mode, const struct balance_backend *b, size_t n,
                             const struct balance_query *q, size_t *rr, size_t *out);

/* Continues a hash (start with BALANCE_HASH_INIT) over p[0, len): djb2, as
 * lighttpd's djbhash. */
#define BALANCE_HASH_INIT 5381u
uint32_t balance_hash(uint32_t h, const void *p, size_t len);

/* "least-connection", "fair", "round-robin", "hash", "sticky": 0 and *out,
 * or -1 for anything else. */
int balance_mode_parse(const char *name, enum balance_mode *out);
const char *balance_mode_name(enum balance_mode mode);

#endif
