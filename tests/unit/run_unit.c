/* run_unit.c - runs every CUnit suite; exit status 1 if any assertion failed.
 * Also defines the helpers unit.h declares for the suites.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

void unit_add_suite(const char *name, const CU_TestInfo *tests)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (s == NULL) {
        fprintf(stderr, "run_unit: cannot add suite %s: %s\n", name, CU_get_error_msg());
        exit(2);
    }
    for (const CU_TestInfo *t = tests; t->pName != NULL; t++) {
        if (CU_add_test(s, t->pName, t->pTestFunc) == NULL) {
            fprintf(stderr, "run_unit: cannot add test %s: %s\n", t->pName, CU_get_error_msg());
            exit(2);
        }
    }
}

char **unit_strv_dup(const char *const *v, size_t *n)
{
    size_t count = 0;
    while (v != NULL && v[count] != NULL)
        count++;
    char **copy = calloc(count + 1, sizeof *copy);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    for (size_t i = 0; i < count; i++)
        copy[i] = strdup(v[i]);
    if (n != NULL)
        *n = count;
    return copy;
}

void unit_strv_free(char **v)
{
    for (size_t i = 0; v != NULL && v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

const char *unit_env_get(char *const *env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; env[i] != NULL; i++)
        if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

void unit_check(bool ok, const char *cond, const char *file, int line, bool fatal)
{
    CU_assertImplementation(ok, (unsigned)line, cond, file, "", fatal);
}

/* Diagnostics only: how much of a mismatch is printed. */
#define HEXDUMP_MAX 512
#define TEXT_MAX 4096

static void hexdump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "--- %s (%zu bytes%s)\n", what, n, n > HEXDUMP_MAX ? ", the first shown" : "");
    for (size_t i = 0; i < n && i < HEXDUMP_MAX; i++)
        fprintf(stderr, "%02x%s", p[i], i % 16 == 15 || i + 1 == n ? "\n" : " ");
}

static bool same_bytes(const void *got, size_t got_len, const void *want, size_t want_len)
{
    return got_len == want_len && (want_len == 0 || memcmp(got, want, want_len) == 0);
}

bool bytes_equal(const void *got, size_t got_len, const void *want, size_t want_len)
{
    if (same_bytes(got, got_len, want, want_len))
        return true;
    fprintf(stderr, "\n");
    hexdump("want", want, want_len);
    hexdump("got", got, got_len);
    return false;
}

bool text_equal(struct slice got, const char *want, size_t want_len)
{
    if (same_bytes(got.ptr, got.len, want, want_len))
        return true;
    fprintf(stderr, "\n--- want (%zu bytes)\n%.*s\n--- got (%zu bytes)\n%.*s\n---\n", want_len,
            (int)(want_len > TEXT_MAX ? TEXT_MAX : want_len), want, got.len,
            (int)(got.len > TEXT_MAX ? TEXT_MAX : got.len), (const char *)got.ptr);
    return false;
}

void describe_bytes(struct buf *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            buf_append_byte(out, p[i]);
        else
            buf_printf(out, "\\x%02x", p[i]);
    }
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    suite_buf();
    suite_fcgi_record();
    suite_fcgi_params();
    suite_cgi_request();
    suite_modlisp();
    suite_cgi_response();
    suite_addr();
    suite_backend_url();
    suite_settings();
    suite_balance();
    suite_respawn();
    suite_scale();
    suite_command();
    suite_sock_backlog();
    suite_value();
    suite_spawn_args();
    suite_sexp();
    suite_form();
    suite_lisplets_reply();
    suite_lisplets_request();
    suite_lisplets_response();
    suite_store();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "run_unit: no test ran\n");
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
