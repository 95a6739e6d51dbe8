/* store.h - where Lisplets sessions and the context's attributes are kept:
 * one store for every fcgi-lisp of a host (mod_fcgid runs several), behind
 * a small interface so that a networked store can serve several hosts.
 * fcgi-lisp, MIT licence.
 *
 * Keys are bytes ("s:" + a session id, "c" for the context); values are
 * store_record.h records. A record whose max-inactive time has passed is
 * as absent. An update runs load, change and save as one transaction, so
 * that two fcgi-lisps changing one session lose neither change. Functions
 * write a reason into err; the caller, who knows the request, logs it. */
#ifndef FCGI_LISP_STORE_H
#define FCGI_LISP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store_record.h"

enum store_action {
    STORE_KEEP,   /* leave the stored record as it was */
    STORE_SAVE,   /* store the changed record */
    STORE_DELETE, /* remove it */
};

/* Changes r (empty, with existed false, when the key had no live record);
 * says what to do with it. */
typedef enum store_action store_change_fn(void *ctx, struct store_record *r, bool existed);

struct store;

struct store_vtable {
    int (*get)(struct store *s, struct slice key, int64_t now_ms, struct store_record *out,
               char *err, size_t errlen);
    int (*update)(struct store *s, struct slice key, int64_t now_ms, store_change_fn *fn,
                  void *ctx, struct store_record *out, char *err, size_t errlen);
    void (*close)(struct store *s);
};

struct store {
    const struct store_vtable *vt; /* borrowed (static) */
};

/* The live record of key into out: 1, 0 when there is none (or it has
 * expired), -1 on a failure. */
static inline int store_get(struct store *s, struct slice key, int64_t now_ms,
                            struct store_record *out, char *err, size_t errlen)
{
    return s->vt->get(s, key, now_ms, out, err, errlen);
}

/* Loads key's live record, lets fn change it, saves or removes it, in one
 * transaction; out holds the record as fn left it. 0 or -1. */
static inline int store_update(struct store *s, struct slice key, int64_t now_ms,
                               store_change_fn *fn, void *ctx, struct store_record *out,
                               char *err, size_t errlen)
{
    return s->vt->update(s, key, now_ms, fn, ctx, out, err, errlen);
}

static inline void store_close(struct store *s)
{
    if (s != NULL)
        s->vt->close(s);
}

/* An LMDB store in the file path (and path-lock), created if need be, of
 * at most max_bytes; expired sessions are swept when it is full and now
 * and then. NULL with the reason in err. */
struct store *store_lmdb_open(const char *path, size_t max_bytes, char *err, size_t errlen);

#endif
