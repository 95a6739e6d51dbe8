/* test_balance.c - the balance modes' decisions (bridge/balance.c).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "balance.h"
#include "unit.h"

/* Backends named b0, b1, ... with the given loads, no limit, all up. */
static void set_backends(struct balance_backend *b, size_t n, const unsigned *loads)
{
    for (size_t i = 0; i < n; i++) {
        char name[8] = {'b', (char)('0' + i), 0};
        b[i] = (struct balance_backend){.load = loads ? loads[i] : 0,
                                        .name_hash = balance_hash(BALANCE_HASH_INIT, name,
                                                                  strlen(name))};
    }
}

static size_t pick(enum balance_mode mode, const struct balance_backend *b, size_t n,
                   const struct balance_query *q, size_t *rr)
{
    size_t out = SIZE_MAX;
    enum balance_rc rc = balance_pick(mode, b, n, q, rr, &out);
    CU_ASSERT(rc == BALANCE_PICKED);
    return rc == BALANCE_PICKED ? out : SIZE_MAX;
}

static void test_mode_names(void)
{
    static const char *const names[] = {"least-connection", "fair", "round-robin", "hash",
                                        "sticky"};
    for (size_t i = 0; i < NELEMS(names); i++) {
        enum balance_mode m;
        CU_ASSERT_FATAL(balance_mode_parse(names[i], &m) == 0);
        CU_ASSERT_STRING_EQUAL(balance_mode_name(m), names[i]);
    }
    enum balance_mode m = BALANCE_HASH;
    CU_ASSERT(balance_mode_parse("least-connections", &m) == -1);
    CU_ASSERT(balance_mode_parse("", &m) == -1);
    CU_ASSERT(balance_mode_parse("Fair", &m) == -1);
    CU_ASSERT(m == BALANCE_HASH);
}

/* djb2, as lighttpd's djbhash: h = h * 33 + c from 5381. */
static void test_hash_is_djb2(void)
{
    CU_ASSERT(balance_hash(BALANCE_HASH_INIT, "", 0) == 5381u);
    CU_ASSERT(balance_hash(BALANCE_HASH_INIT, "a", 1) == 5381u * 33u + 'a');
    uint32_t whole = balance_hash(BALANCE_HASH_INIT, "host/path", 9);
    uint32_t split = balance_hash(balance_hash(BALANCE_HASH_INIT, "host", 4), "/path", 5);
    CU_ASSERT(whole == split);
}

static void test_least_connection(void)
{
    struct balance_backend b[4];
    struct balance_query q = {.now = 100};
    size_t rr = 0;
    set_backends(b, 4, (const unsigned[]){3, 1, 2, 1});
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 4, &q, &rr) == 1); /* first of the lowest */
    CU_ASSERT(pick(BALANCE_FAIR, b, 4, &q, &rr) == 1);
    b[1].load = 5;
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 4, &q, &rr) == 3);
    /* a disabled backend is skipped even when idle, until its time is up */
    b[0].load = 0;
    b[0].disabled_until = 101;
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 4, &q, &rr) == 3);
    q.now = 101.5;
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 4, &q, &rr) == 0);
    CU_ASSERT(rr == 0); /* only round-robin moves the cursor */
}

static void test_round_robin(void)
{
    struct balance_backend b[3];
    struct balance_query q = {.now = 0};
    size_t rr = 0;
    set_backends(b, 3, NULL);
    size_t seq[7];
    for (size_t i = 0; i < NELEMS(seq); i++)
        seq[i] = pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr);
    static const size_t want[] = {0, 1, 2, 0, 1, 2, 0};
    CU_ASSERT(memcmp(seq, want, sizeof want) == 0);
    /* the load does not matter; a disabled backend is passed over */
    b[1].load = 9;
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr) == 1);
    b[2].disabled_until = 10;
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr) == 0);
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr) == 1);
    CU_ASSERT(rr == 2);
}

/* hash: one key always lands on the same backend; the keys spread over
 * all of them; when a backend is disabled only its keys move. */
static void test_hash_rendezvous(void)
{
    enum { N = 4, KEYS = 400 };
    struct balance_backend b[N];
    set_backends(b, N, NULL);
    size_t rr = 0, home[KEYS], count[N] = {0};
    for (size_t k = 0; k < KEYS; k++) {
        char key[32];
        int len = snprintf(key, sizeof key, "localhost/page/%zu", k);
        struct balance_query q = {.key_hash = balance_hash(BALANCE_HASH_INIT, key, (size_t)len)};
        home[k] = pick(BALANCE_HASH, b, N, &q, &rr);
        CU_ASSERT(pick(BALANCE_HASH, b, N, &q, &rr) == home[k]);
        if (home[k] < N)
            count[home[k]]++;
    }
    for (size_t i = 0; i < N; i++)
        CU_ASSERT(count[i] > KEYS / N / 2); /* each gets a fair share (100 expected) */
    b[2].disabled_until = 1;
    for (size_t k = 0; k < KEYS; k++) {
        char key[32];
        int len = snprintf(key, sizeof key, "localhost/page/%zu", k);
        struct balance_query q = {.key_hash = balance_hash(BALANCE_HASH_INIT, key, (size_t)len)};
        size_t now_at = pick(BALANCE_HASH, b, N, &q, &rr);
        CU_ASSERT(home[k] == 2 ? now_at != 2 : now_at == home[k]);
    }
}

/* sticky is the same rendezvous on the client address */
static void test_sticky(void)
{
    struct balance_backend b[3];
    set_backends(b, 3, (const unsigned[]){0, 7, 3});
    size_t rr = 0;
    struct balance_query q = {.key_hash = balance_hash(BALANCE_HASH_INIT, "192.0.2.7", 9)};
    size_t first = pick(BALANCE_STICKY, b, 3, &q, &rr);
    b[0].load = b[1].load = b[2].load = 4; /* the load does not move it */
    CU_ASSERT(pick(BALANCE_STICKY, b, 3, &q, &rr) == first);
    CU_ASSERT(pick(BALANCE_HASH, b, 3, &q, &rr) == first);
}

/* A request does not go back to a backend it failed on; when none is left
 * up the answer is NONE_UP at once, when the rest are full it is ALL_FULL. */
static void test_tried_full_and_down(void)
{
    struct balance_backend b[3];
    set_backends(b, 3, (const unsigned[]){0, 1, 1});
    size_t rr = 0, out = SIZE_MAX;
    size_t tried[2] = {0};
    struct balance_query q = {.tried = tried, .n_tried = 1, .now = 5};
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 3, &q, &rr) == 1);
    tried[1] = 1;
    q.n_tried = 2;
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr) == 2);
    b[2].max_load = 1;
    CU_ASSERT(balance_pick(BALANCE_LEAST_CONNECTION, b, 3, &q, &rr, &out) == BALANCE_ALL_FULL);
    b[2].disabled_until = 6;
    CU_ASSERT(balance_pick(BALANCE_LEAST_CONNECTION, b, 3, &q, &rr, &out) == BALANCE_NONE_UP);
    q.n_tried = 0;
    b[0].disabled_until = b[1].disabled_until = 6;
    CU_ASSERT(balance_pick(BALANCE_HASH, b, 3, &q, &rr, &out) == BALANCE_NONE_UP);
    CU_ASSERT(balance_pick(BALANCE_LEAST_CONNECTION, b, 0, &q, &rr, &out) == BALANCE_NONE_UP);
    CU_ASSERT(out == SIZE_MAX);
}

/* absent (a pool slot without a ready process): never picked, and not up. */
static void test_absent(void)
{
    struct balance_backend b[3];
    set_backends(b, 3, (const unsigned[]){5, 0, 0});
    b[1].absent = b[2].absent = true;
    size_t rr = 0, out = SIZE_MAX;
    struct balance_query q = {.key_hash = 7};
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 3, &q, &rr) == 0);
    CU_ASSERT(pick(BALANCE_HASH, b, 3, &q, &rr) == 0);
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 3, &q, &rr) == 0);
    b[0].absent = true;
    CU_ASSERT(balance_pick(BALANCE_LEAST_CONNECTION, b, 3, &q, &rr, &out) == BALANCE_NONE_UP);
    b[2].absent = false;
    CU_ASSERT(pick(BALANCE_STICKY, b, 3, &q, &rr) == 2);
}

/* max_load: a full backend is passed over in every mode, even by hash. */
static void test_max_load(void)
{
    struct balance_backend b[2];
    set_backends(b, 2, (const unsigned[]){2, 0});
    b[0].max_load = 2;
    b[1].max_load = 2;
    size_t rr = 0;
    struct balance_query q = {.key_hash = 12345};
    size_t home = pick(BALANCE_HASH, b, 2, &q, &rr);
    CU_ASSERT(home == 1);
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 2, &q, &rr) == 1);
    CU_ASSERT(pick(BALANCE_ROUND_ROBIN, b, 2, &q, &rr) == 1);
    b[1].load = 2;
    size_t out;
    CU_ASSERT(balance_pick(BALANCE_STICKY, b, 2, &q, &rr, &out) == BALANCE_ALL_FULL);
    b[0].max_load = 0; /* no limit */
    CU_ASSERT(pick(BALANCE_LEAST_CONNECTION, b, 2, &q, &rr) == 0);
}

void suite_balance(void)
{
    static const CU_TestInfo tests[] = {
        {"mode names", test_mode_names},
        {"hash is djb2 and continues", test_hash_is_djb2},
        {"least-connection and fair", test_least_connection},
        {"round-robin", test_round_robin},
        {"hash: rendezvous, only a failed backend's keys move", test_hash_rendezvous},
        {"sticky", test_sticky},
        {"tried, full and down", test_tried_full_and_down},
        {"max load", test_max_load},
        {"absent backends", test_absent},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("balance", tests);
}
