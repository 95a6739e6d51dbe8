/* test_value.c - numbers, seconds and signal names: what is taken and what
 * is refused.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <signal.h>
#include <stdint.h>

#include "unit.h"
#include "value.h"

static void test_u64(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(value_parse_u64("0", &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(value_parse_u64("18446744073709551615", &v), 0);
    CU_ASSERT_EQUAL(v, UINT64_MAX);
    CU_ASSERT_EQUAL(value_parse_u64("18446744073709551616", &v), -2);
    static const char *const bad[] = {"", " 1", "1 ", "+1", "-1", "1e3", "0x10", "1.0", "١"};
    for (size_t i = 0; i < NELEMS(bad); i++)
        CU_ASSERT_EQUAL(value_parse_u64(bad[i], &v), -1);
}

static void test_seconds(void)
{
    double d = -1;
    CU_ASSERT_EQUAL(value_parse_seconds("2", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 2, 0);
    CU_ASSERT_EQUAL(value_parse_seconds("0.25", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.25, 0);
    CU_ASSERT_EQUAL(value_parse_seconds(".5", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 0.5, 0);
    CU_ASSERT_EQUAL(value_parse_seconds("3.", &d), 0);
    CU_ASSERT_DOUBLE_EQUAL(d, 3, 0);
    static const char *const bad[] = {"", ".", "inf", "nan", "1e3", "0x10", " 1", "-1", "1s"};
    for (size_t i = 0; i < NELEMS(bad); i++)
        CU_ASSERT_EQUAL(value_parse_seconds(bad[i], &d), -1);
}

static void test_signal(void)
{
    int s = 0;
    CU_ASSERT_EQUAL(value_parse_signal("TERM", &s), 0);
    CU_ASSERT_EQUAL(s, SIGTERM);
    CU_ASSERT_EQUAL(value_parse_signal("SIGUSR1", &s), 0);
    CU_ASSERT_EQUAL(s, SIGUSR1);
    CU_ASSERT_EQUAL(value_parse_signal("9", &s), 0);
    CU_ASSERT_EQUAL(s, SIGKILL);
    CU_ASSERT_EQUAL(value_parse_signal("64", &s), 0);
    CU_ASSERT_EQUAL(s, 64);
    static const char *const bad[] = {"", "0", "65", "term", "SIG", "SIGTERMX", "-15", "TERM "};
    for (size_t i = 0; i < NELEMS(bad); i++)
        CU_ASSERT_EQUAL(value_parse_signal(bad[i], &s), -1);
}

void suite_value(void)
{
    static const CU_TestInfo tests[] = {
        {"whole numbers", test_u64},
        {"seconds", test_seconds},
        {"signal names and numbers", test_signal},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("value", tests);
}
