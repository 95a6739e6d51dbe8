/* store_lmdb.c - the store in an LMDB file, shared by the processes of a
 * host (LMDB locks across processes itself).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "store.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* Every this many updates of a process, expired sessions are swept; and
 * sooner once the file is three quarters full, at most once per interval.
 * A new record is refused past STORE_LMDB_FULL: deleting needs free pages
 * too (copy on write), and the rest is kept for the sweeps. */
#define STORE_LMDB_SWEEP_EVERY 256
#define STORE_LMDB_SWEEP_FULLNESS 0.75
#define STORE_LMDB_SWEEP_INTERVAL_MS 1000
#define STORE_LMDB_FULL 0.8

struct store_lmdb {
    struct store base;      /* first: a struct store * is a struct store_lmdb * */
    MDB_env *env;           /* owned */
    MDB_dbi dbi;
    unsigned updates;       /* since the last sweep */
    int64_t swept_ms;       /* when this process last swept */
    struct buf scratch;     /* owned: an encoded record */
};

static int store_lmdb_fail(char *err, size_t errlen, const char *what, int rc)
{
    snprintf(err, errlen, "session store: %s: %s", what, mdb_strerror(rc));
    return -1;
}

static MDB_val store_lmdb_val(struct slice s)
{
    return (MDB_val){s.len, (void *)s.ptr};
}

/* Decodes v into out; a record that does not decode is as absent. */
static bool store_lmdb_live(const MDB_val *v, int64_t now_ms, struct store_record *out)
{
    return store_record_decode(out, v->mv_data, v->mv_size) == 0 &&
           !store_record_expired(out, now_ms);
}

static int store_lmdb_get(struct store *s, struct slice key, int64_t now_ms,
                          struct store_record *out, char *err, size_t errlen)
{
    struct store_lmdb *l = (struct store_lmdb *)s;
    MDB_txn *txn;
    int rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return store_lmdb_fail(err, errlen, "read", rc);
    MDB_val k = store_lmdb_val(key), v;
    rc = mdb_get(txn, l->dbi, &k, &v);
    int found = rc == 0 && store_lmdb_live(&v, now_ms, out);
    mdb_txn_abort(txn);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_lmdb_fail(err, errlen, "read", rc);
    if (!found)
        store_record_clear(out);
    return found;
}

/* Deletes every expired session record. */
static int store_lmdb_sweep(struct store_lmdb *l, int64_t now_ms)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    rc = mdb_cursor_open(txn, l->dbi, &cur);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    struct store_record r;
    store_record_init(&r);
    MDB_val k, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        bool session = k.mv_size > 2 && memcmp(k.mv_data, "s:", 2) == 0;
        if (session && !store_lmdb_live(&v, now_ms, &r) && (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
    }
    store_record_free(&r);
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return rc;
    }
    l->updates = 0;
    l->swept_ms = now_ms;
    return mdb_txn_commit(txn);
}

/* The share of the file's pages in use: up to the highest page ever
 * used, less the pages on LMDB's free list (its database 0, whose values
 * are page lists headed by their length, as mdb_stat -f counts them). */
static double store_lmdb_fullness(struct store_lmdb *l)
{
    MDB_envinfo info;
    MDB_stat st;
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_env_info(l->env, &info) != 0 || mdb_env_stat(l->env, &st) != 0 ||
        mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    double free_pages = 0;
    if (mdb_cursor_open(txn, 0, &cur) == 0) {
        MDB_val k, v;
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
            if (v.mv_size >= sizeof(size_t))
                free_pages += (double)*(const size_t *)v.mv_data;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    double pages = (double)info.me_mapsize / st.ms_psize;
    double used = (double)(info.me_last_pgno + 1) - free_pages;
    return pages > 0 ? used / pages : 0;
}

/* One try of an update (room: a new record may be added); an LMDB code. */
static int store_lmdb_try(struct store_lmdb *l, struct slice key, int64_t now_ms,
                          store_change_fn *fn, void *ctx, struct store_record *out, bool room)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
    if (rc != 0)
        return rc;
    MDB_val k = store_lmdb_val(key), v;
    rc = mdb_get(txn, l->dbi, &k, &v);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return rc;
    }
    bool existed = rc == 0 && store_lmdb_live(&v, now_ms, out);
    if (!existed)
        store_record_clear(out);
    switch (fn(ctx, out, existed)) {
    case STORE_KEEP:
        mdb_txn_abort(txn);
        return 0;
    case STORE_DELETE:
        rc = rc == 0 ? mdb_del(txn, l->dbi, &k, NULL) : 0;
        break;
    case STORE_SAVE:
        if (!existed && !room) {
            mdb_txn_abort(txn);
            return MDB_MAP_FULL;
        }
        buf_clear(&l->scratch);
        store_record_encode(&l->scratch, out);
        v = store_lmdb_val(buf_slice(&l->scratch));
        rc = mdb_put(txn, l->dbi, &k, &v, 0);
        break;
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

static int store_lmdb_update(struct store *s, struct slice key, int64_t now_ms,
                             store_change_fn *fn, void *ctx, struct store_record *out,
                             char *err, size_t errlen)
{
    struct store_lmdb *l = (struct store_lmdb *)s;
    double fullness = store_lmdb_fullness(l);
    if (++l->updates >= STORE_LMDB_SWEEP_EVERY ||
        (now_ms - l->swept_ms >= STORE_LMDB_SWEEP_INTERVAL_MS &&
         fullness >= STORE_LMDB_SWEEP_FULLNESS)) {
        store_lmdb_sweep(l, now_ms);
        fullness = store_lmdb_fullness(l);
    }
    int rc = store_lmdb_try(l, key, now_ms, fn, ctx, out, fullness < STORE_LMDB_FULL);
    if (rc == MDB_MAP_FULL) {
        /* full: the expired sessions go, then once more */
        int swept = store_lmdb_sweep(l, now_ms);
        if (swept != 0)
            return store_lmdb_fail(err, errlen, "sweep", swept);
        rc = store_lmdb_try(l, key, now_ms, fn, ctx, out,
                            store_lmdb_fullness(l) < STORE_LMDB_FULL);
    }
    return rc == 0 ? 0 : store_lmdb_fail(err, errlen, "write", rc);
}

static void store_lmdb_close(struct store *s)
{
    struct store_lmdb *l = (struct store_lmdb *)s;
    mdb_env_close(l->env);
    buf_free(&l->scratch);
    free(l);
}

static const struct store_vtable store_lmdb_vtable = {store_lmdb_get, store_lmdb_update,
                                                      store_lmdb_close};

struct store *store_lmdb_open(const char *path, size_t max_bytes, char *err, size_t errlen)
{
    struct store_lmdb *l = xcalloc(1, sizeof *l);
    l->base.vt = &store_lmdb_vtable;
    buf_init(&l->scratch);
    MDB_txn *txn;
    int rc = mdb_env_create(&l->env);
    const char *what = "create";
    if (rc == 0 && (rc = mdb_env_set_mapsize(l->env, max_bytes)) != 0)
        what = "size";
    if (rc == 0 && (rc = mdb_env_open(l->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600)) != 0)
        what = path;
    if (rc == 0 && (rc = mdb_txn_begin(l->env, NULL, 0, &txn)) == 0) {
        rc = mdb_dbi_open(txn, NULL, 0, &l->dbi);
        rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
        what = "open";
    }
    if (rc != 0) {
        store_lmdb_fail(err, errlen, what, rc);
        if (l->env != NULL)
            mdb_env_close(l->env);
        buf_free(&l->scratch);
        free(l);
        return NULL;
    }
    return &l->base;
}
