/* unit.h - shared declarations and helpers for the CUnit suites.
 * fcgi-lisp, MIT licence.
 *
 * Each tests/unit/test_<module>.c defines one `void suite_<module>(void)` that
 * adds its suite with CU_add_suite/CU_add_test; run_unit.c calls them all and
 * defines the helpers below. Suites that feed a parser in pieces use
 * tests/fuzz/pieces.h with unit_check. */
#ifndef FCGI_LISP_UNIT_H
#define FCGI_LISP_UNIT_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

void suite_buf(void);
void suite_fcgi_record(void);
void suite_fcgi_params(void);
void suite_cgi_request(void);
void suite_modlisp(void);
void suite_cgi_response(void);
void suite_addr(void);
void suite_backend_url(void);
void suite_settings(void);
void suite_balance(void);
void suite_respawn(void);
void suite_scale(void);
void suite_command(void);
void suite_sock_backlog(void);
void suite_value(void);
void suite_spawn_args(void);
void suite_sexp(void);
void suite_form(void);
void suite_lisplets_reply(void);
void suite_lisplets_request(void);
void suite_lisplets_response(void);
void suite_store(void);

/* Adds a suite and its tests; aborts the run if CUnit cannot. Usage:
 *   static const CU_TestInfo tests[] = {{"name", fn}, ..., CU_TEST_INFO_NULL};
 *   unit_add_suite("fcgi_record", tests); */
void unit_add_suite(const char *name, const CU_TestInfo *tests);

/* A writable copy of the NULL-terminated v (argv for a parser that
 * permutes it), its length in *n unless NULL; unit_strv_free frees it. */
char **unit_strv_dup(const char *const *v, size_t *n);
void unit_strv_free(char **v);

/* The value of NAME in the NULL-terminated "NAME=VALUE" list env, or NULL. */
const char *unit_env_get(char *const *env, const char *name);

/* A pieces_check_fn (tests/fuzz/pieces.h): one CUnit assertion, fatal or not. */
void unit_check(bool ok, const char *cond, const char *file, int line, bool fatal);

/* True if got equals want[0, want_len); otherwise false, after printing
 * both to stderr: bytes_equal as hex, text_equal as text. */
bool bytes_equal(const void *got, size_t got_len, const void *want, size_t want_len);
bool text_equal(struct slice got, const char *want, size_t want_len);

/* Appends p[0, n) to out, printable ASCII as is, '\\' and other bytes as \xNN. */
void describe_bytes(struct buf *out, const uint8_t *p, size_t n);

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The unconsumed bytes of struct buf *b equal the string literal lit. */
#define ASSERT_BUF_BYTES(b, lit) \
    CU_ASSERT(bytes_equal(buf_data(b), buf_size(b), (lit), sizeof(lit) - 1))
#define ASSERT_BUF_TEXT(b, lit) \
    CU_ASSERT(text_equal(buf_slice(b), (lit), sizeof(lit) - 1))

#endif
