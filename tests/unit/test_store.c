/* test_store.c - the session store: records (set, replace, remove, encode,
 * decode, refuse), expiry, and the LMDB store in a temp dir (get, update
 * as one transaction, delete, expiry, two handles on one file as two
 * fcgi-lisps would have, a full store swept).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_record.h"
#include "unit.h"

#define S(x) SLICE_STR(x)

static void test_record(void)
{
    struct store_record r, back;
    store_record_init(&r);
    store_record_init(&back);
    r.created_ms = 1795332218943;
    r.accessed_ms = 1795332219000;
    r.max_inactive_s = 600;
    struct slice v1 = S("42"), v2 = S("dark"), v3 = S("43");
    CU_ASSERT_EQUAL(store_record_set(&r, S("user-id"), &v1), 0);
    CU_ASSERT_EQUAL(store_record_set(&r, S("theme"), &v2), 0);
    CU_ASSERT_EQUAL(store_record_set(&r, S("user-id"), &v3), 0); /* replaced in place */
    CU_ASSERT_EQUAL(r.n, 2);
    CU_ASSERT(text_equal(store_attr_name(&r, 0), "user-id", 7));
    CU_ASSERT(text_equal(store_attr_value(&r, 0), "43", 2));
    struct buf b = BUF_INIT;
    store_record_encode(&b, &r);
    CU_ASSERT_EQUAL_FATAL(store_record_decode(&back, buf_data(&b), buf_size(&b)), 0);
    CU_ASSERT_EQUAL(back.created_ms, r.created_ms);
    CU_ASSERT_EQUAL(back.accessed_ms, r.accessed_ms);
    CU_ASSERT_EQUAL(back.max_inactive_s, 600);
    CU_ASSERT_EQUAL(back.n, 2);
    CU_ASSERT(text_equal(store_attr_value(&back, 1), "dark", 4));
    /* every cut short or lengthened byte string is refused */
    for (size_t n = 0; n < buf_size(&b); n++)
        CU_ASSERT_EQUAL(store_record_decode(&back, buf_data(&b), n), -1);
    buf_append_byte(&b, 0);
    CU_ASSERT_EQUAL(store_record_decode(&back, buf_data(&b), buf_size(&b)), -1);
    CU_ASSERT_EQUAL(store_record_decode(&back, (const uint8_t *)"FLS2", 4), -1);
    /* removal */
    CU_ASSERT_EQUAL(store_record_set(&r, S("user-id"), NULL), 0);
    CU_ASSERT_EQUAL(store_record_set(&r, S("absent"), NULL), 0);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT(text_equal(store_attr_name(&r, 0), "theme", 5));
    buf_free(&b);
    store_record_free(&r);
    store_record_free(&back);
}

static void test_expiry(void)
{
    struct store_record r;
    store_record_init(&r);
    r.accessed_ms = 1000;
    r.max_inactive_s = 2;
    CU_ASSERT_FALSE(store_record_expired(&r, 3000));
    CU_ASSERT_TRUE(store_record_expired(&r, 3001));
    r.max_inactive_s = -1;
    CU_ASSERT_FALSE(store_record_expired(&r, INT64_MAX));
    r.max_inactive_s = INT64_MAX; /* no overflow: never */
    CU_ASSERT_FALSE(store_record_expired(&r, INT64_MAX));
    store_record_free(&r);
}

struct change {
    const char *name, *value; /* value NULL: remove */
    enum store_action action;
    int calls;
    bool existed;
};

static enum store_action apply_change(void *ctx, struct store_record *r, bool existed)
{
    struct change *c = ctx;
    c->calls++;
    c->existed = existed;
    if (c->name != NULL) {
        struct slice v = {(const uint8_t *)c->value, c->value ? strlen(c->value) : 0};
        store_record_set(r, (struct slice){(const uint8_t *)c->name, strlen(c->name)},
                         c->value ? &v : NULL);
    }
    r->accessed_ms = 1000;
    r->max_inactive_s = 10;
    return c->action;
}

static struct store *open_store(char *dir, size_t dirlen, size_t max)
{
    snprintf(dir, dirlen, "/tmp/fcgi-lisp-store-XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/sessions", dir);
    struct store *s = store_lmdb_open(path, max, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "\n%s\n", err);
    return s;
}

static void remove_store(const char *dir)
{
    char path[160];
    snprintf(path, sizeof path, "%s/sessions", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sessions-lock", dir);
    unlink(path);
    rmdir(dir);
}

static void test_lmdb(void)
{
    char dir[64], err[256], path[128];
    struct store *s = open_store(dir, sizeof dir, 1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    struct store_record r;
    store_record_init(&r);
    CU_ASSERT_EQUAL(store_get(s, S("s:abc"), 1000, &r, err, sizeof err), 0);
    struct change c = {"k", "v1", STORE_SAVE, 0, true};
    CU_ASSERT_EQUAL(store_update(s, S("s:abc"), 1000, apply_change, &c, &r, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.calls, 1);
    CU_ASSERT_FALSE(c.existed);
    /* a second handle on the same file, as another fcgi-lisp has */
    snprintf(path, sizeof path, "%s/sessions", dir);
    struct store *other = store_lmdb_open(path, 1 << 20, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    CU_ASSERT_EQUAL(store_get(other, S("s:abc"), 5000, &r, err, sizeof err), 1);
    CU_ASSERT_EQUAL(r.n, 1);
    CU_ASSERT(text_equal(store_attr_value(&r, 0), "v1", 2));
    /* an update sees what the other one stored, and adds to it */
    struct change c2 = {"k2", "v2", STORE_SAVE, 0, false};
    CU_ASSERT_EQUAL(store_update(other, S("s:abc"), 5000, apply_change, &c2, &r, err, sizeof err), 0);
    CU_ASSERT_TRUE(c2.existed);
    CU_ASSERT_EQUAL(store_get(s, S("s:abc"), 5000, &r, err, sizeof err), 1);
    CU_ASSERT_EQUAL(r.n, 2);
    /* KEEP changes nothing */
    struct change keep = {"k3", "v3", STORE_KEEP, 0, false};
    CU_ASSERT_EQUAL(store_update(s, S("s:abc"), 5000, apply_change, &keep, &r, err, sizeof err), 0);
    CU_ASSERT_EQUAL(store_get(s, S("s:abc"), 5000, &r, err, sizeof err), 1);
    CU_ASSERT_EQUAL(r.n, 2);
    /* expired (accessed 1000 ms, 10 s): as absent */
    CU_ASSERT_EQUAL(store_get(s, S("s:abc"), 11001, &r, err, sizeof err), 0);
    /* delete */
    struct change del = {NULL, NULL, STORE_DELETE, 0, false};
    CU_ASSERT_EQUAL(store_update(s, S("s:abc"), 5000, apply_change, &del, &r, err, sizeof err), 0);
    CU_ASSERT_EQUAL(store_get(s, S("s:abc"), 5000, &r, err, sizeof err), 0);
    store_close(other);
    store_close(s);
    store_record_free(&r);
    remove_store(dir);
}

/* A small store fills; expired sessions are swept and the write goes in. */
static void test_lmdb_full(void)
{
    char dir[64], err[256];
    struct store *s = open_store(dir, sizeof dir, 64 * 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    struct store_record r;
    store_record_init(&r);
    char big[2048];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    int failed = -1;
    for (int i = 0; i < 400 && failed < 0; i++) {
        char key[32];
        snprintf(key, sizeof key, "s:%d", i);
        struct change c = {"big", big, STORE_SAVE, 0, false};
        if (store_update(s, (struct slice){(const uint8_t *)key, strlen(key)}, 1000, apply_change,
                         &c, &r, err, sizeof err) < 0)
            failed = i;
    }
    CU_ASSERT(failed > 0); /* it filled up, with live sessions it could not sweep */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "MDB_MAP_FULL"));
    /* later, all of them have expired: the next write sweeps and goes in */
    struct change c = {"big", big, STORE_SAVE, 0, false};
    CU_ASSERT_EQUAL(store_update(s, S("s:new"), 60000, apply_change, &c, &r, err, sizeof err), 0);
    CU_ASSERT_EQUAL(store_get(s, S("s:0"), 60000, &r, err, sizeof err), 0);
    store_close(s);
    store_record_free(&r);
    remove_store(dir);
}

void suite_store(void)
{
    static const CU_TestInfo tests[] = {
        {"records: set, replace, remove, encode, decode", test_record},
        {"expiry", test_expiry},
        {"LMDB: get, update, two handles, expiry, delete", test_lmdb},
        {"LMDB: full, swept", test_lmdb_full},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("store", tests);
}
