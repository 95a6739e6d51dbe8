/* test_respawn.c - restart back-off and crash-loop fuse (bridge/respawn.c).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "respawn.h"
#include "unit.h"

/* Quick exits in a row: 0, 1, 2, 4, 8, 16, then 30 s; an exit after
 * min-uptime resets the sequence. */
static void test_backoff_sequence(void)
{
    struct respawn_backoff b = {0};
    static const double want[] = {0, 1, 2, 4, 8, 16, 30, 30, 30};
    for (size_t i = 0; i < NELEMS(want); i++)
        CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, 0.5), want[i], 0);
    CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, RESPAWN_MIN_UPTIME), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, 9.9), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, 9.9), 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, 3600), 0, 0);
    CU_ASSERT_EQUAL(b.quick_exits, 0);
    /* a very long crash loop stays at the cap */
    for (int i = 0; i < 1000; i++)
        respawn_backoff_exit(&b, 0);
    CU_ASSERT_DOUBLE_EQUAL(respawn_backoff_exit(&b, 0), RESPAWN_MAX_DELAY, 0);
}

/* Five failures within 60 s trip the fuse, once; four do not; five spread
 * over more than 60 s do not. */
static void test_fuse_trips(void)
{
    struct respawn_fuse f;
    respawn_fuse_init(&f);
    for (int i = 0; i < RESPAWN_FUSE_FAILURES - 1; i++)
        CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 100 + i), RESPAWN_FUSE_SAME);
    CU_ASSERT(respawn_fuse_may_start(&f, 104));
    CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 104), RESPAWN_FUSE_TRIPS);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_TRIPPED);
    CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 105), RESPAWN_FUSE_SAME); /* logged once */

    respawn_fuse_init(&f);
    for (int i = 0; i < 20; i++) /* one failure every 20 s: 5 span 80 s */
        CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 20.0 * i), RESPAWN_FUSE_SAME);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_CLOSED);
    /* a success forgets the failures before it */
    respawn_fuse_init(&f);
    for (int i = 0; i < 4; i++)
        respawn_fuse_failure(&f, i);
    CU_ASSERT_EQUAL(respawn_fuse_success(&f), RESPAWN_FUSE_SAME);
    CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 5), RESPAWN_FUSE_SAME);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_CLOSED);
}

/* Tripped: no start until the retry time, then one trial per period; a
 * failed trial waits another period; a success closes the fuse. */
static void test_fuse_retries_and_closes(void)
{
    struct respawn_fuse f;
    respawn_fuse_init(&f);
    for (int i = 0; i < RESPAWN_FUSE_FAILURES; i++)
        respawn_fuse_failure(&f, 10);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_TRIPPED);
    CU_ASSERT(!respawn_fuse_may_start(&f, 10));
    CU_ASSERT(!respawn_fuse_may_start(&f, 10 + RESPAWN_FUSE_RETRY - 0.1));
    CU_ASSERT(respawn_fuse_may_start(&f, 10 + RESPAWN_FUSE_RETRY));
    CU_ASSERT(!respawn_fuse_may_start(&f, 10 + RESPAWN_FUSE_RETRY + 1)); /* one trial */
    CU_ASSERT_EQUAL(respawn_fuse_failure(&f, 41), RESPAWN_FUSE_SAME);
    CU_ASSERT(!respawn_fuse_may_start(&f, 41 + RESPAWN_FUSE_RETRY - 1));
    CU_ASSERT(respawn_fuse_may_start(&f, 41 + RESPAWN_FUSE_RETRY));
    CU_ASSERT_EQUAL(respawn_fuse_success(&f), RESPAWN_FUSE_CLOSES);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_CLOSED);
    CU_ASSERT(respawn_fuse_may_start(&f, 72));
    CU_ASSERT_EQUAL(respawn_fuse_success(&f), RESPAWN_FUSE_SAME);
}

/* respawn_exit: the back-off's delay; only quick exits count against the
 * fuse, and the one that trips it says so. */
static void test_exit(void)
{
    struct respawn_backoff b = {0};
    struct respawn_fuse f;
    respawn_fuse_init(&f);
    bool trips = true;
    static const double delays[] = {0, 1, 2, 4};
    for (int i = 0; i < RESPAWN_FUSE_FAILURES - 1; i++) {
        CU_ASSERT_DOUBLE_EQUAL(respawn_exit(&b, &f, 0.1, i, &trips), delays[i], 0);
        CU_ASSERT_FALSE(trips);
    }
    /* a process that stayed up: no delay, and the fuse does not count it */
    CU_ASSERT_DOUBLE_EQUAL(respawn_exit(&b, &f, RESPAWN_MIN_UPTIME, 4, &trips), 0, 0);
    CU_ASSERT_FALSE(trips);
    CU_ASSERT_EQUAL(f.state, RESPAWN_FUSE_CLOSED);
    CU_ASSERT_DOUBLE_EQUAL(respawn_exit(&b, &f, 0, 5, &trips), 0, 0);
    CU_ASSERT_TRUE(trips);
    CU_ASSERT_DOUBLE_EQUAL(respawn_exit(&b, &f, 0, 6, &trips), 1, 0);
    CU_ASSERT_FALSE(trips); /* tripped once */
}

void suite_respawn(void)
{
    static const CU_TestInfo tests[] = {
        {"back-off: 0, 1, 2, 4 ... 30, reset after min-uptime", test_backoff_sequence},
        {"fuse: five failures within 60 s", test_fuse_trips},
        {"fuse: one trial per period, closed by a success", test_fuse_retries_and_closes},
        {"an exit: delay, and the fuse for quick ones", test_exit},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("respawn", tests);
}
