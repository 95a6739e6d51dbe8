/* test_scale.c - pool sizing decisions (bridge/scale.c).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "scale.h"
#include "unit.h"

static const struct scale_limits limits = {
    .min_procs = 1, .max_procs = 4, .max_load = 1, .spawn_concurrency = 2, .idle_timeout = 60};

/* Fills p[0, n) from a string, one letter per slot: e empty, s starting,
 * r ready and idle, b ready and busy (load 1), x stopping. */
static void slots(struct scale_proc *p, const char *spec)
{
    for (size_t i = 0; spec[i] != '\0'; i++) {
        static const char letters[] = "esrbx";
        static const enum scale_state states[] = {SCALE_EMPTY, SCALE_STARTING, SCALE_READY,
                                                  SCALE_READY, SCALE_STOPPING};
        size_t k = (size_t)(strchr(letters, spec[i]) - letters);
        p[i] = (struct scale_proc){.state = states[k], .load = spec[i] == 'b'};
    }
}

static void test_starts_min_procs(void)
{
    struct scale_proc p[4];
    struct scale_limits lim = limits;
    slots(p, "eeee");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 1); /* min 1 */
    lim.min_procs = 3;
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 2); /* capped by spawn_concurrency */
    slots(p, "ssee");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 0); /* two already starting */
    slots(p, "rsee");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 1);
    slots(p, "rrre");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 0);
}

/* Requests that found every ready process full start new ones, minus what
 * the starting ones will take; never above max_procs or the free slots. */
static void test_starts_for_waiting(void)
{
    struct scale_proc p[4];
    struct scale_limits lim = limits;
    slots(p, "beee");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 0), 0);
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 1), 1);
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 5), 2); /* spawn_concurrency */
    slots(p, "bsee");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 1), 0); /* the starting one takes it */
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 2), 1);
    lim.max_load = 4;
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 4), 0);
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 5), 1);
    lim = limits;
    lim.spawn_concurrency = 8;
    slots(p, "bbbe");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 9), 1); /* max_procs 4 */
    slots(p, "bbbb");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 9), 0);
    lim.max_procs = 8; /* a stopping slot is not free */
    slots(p, "bbxe");
    CU_ASSERT_EQUAL(scale_starts_wanted(p, 4, &lim, 9), 1);
}

static void test_idle_victim(void)
{
    struct scale_proc p[4];
    slots(p, "rrre");
    p[0].last_used = 50;
    p[1].last_used = 10; /* unused for longest */
    p[2].last_used = 30;
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 65), SIZE_MAX); /* none idle 60 s yet */
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 70), 1);
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 200), 1);
    p[1].load = 1; /* busy: not a victim */
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 200), 2);
    /* never below min_procs; starting processes count */
    slots(p, "reee");
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 1000), SIZE_MAX);
    slots(p, "rsee");
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &limits, 1000), 0);
    struct scale_limits lim = limits;
    lim.min_procs = 2;
    CU_ASSERT_EQUAL(scale_idle_victim(p, 4, &lim, 1000), SIZE_MAX);
}

void suite_scale(void)
{
    static const CU_TestInfo tests[] = {
        {"starts up to min-procs", test_starts_min_procs},
        {"starts for waiting requests", test_starts_for_waiting},
        {"idle victim", test_idle_victim},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("scale", tests);
}
