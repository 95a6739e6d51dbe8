/* unit.h - shared declarations for the CUnit suites.
 * fcgi-lisp, MIT licence.
 *
 * Each tests/unit/test_<module>.c defines one `void suite_<module>(void)` that
 * adds its suite with CU_add_suite/CU_add_test; run_unit.c calls them all. */
#ifndef FCGI_LISP_UNIT_H
#define FCGI_LISP_UNIT_H

#include <CUnit/CUnit.h>

void suite_buf(void);
void suite_fcgi_record(void);
void suite_fcgi_params(void);
void suite_cgi_request(void);
void suite_modlisp(void);
void suite_cgi_response(void);
void suite_addr(void);
void suite_backend_url(void);
void suite_settings(void);

/* Adds a suite and its tests; aborts the run if CUnit cannot. Usage:
 *   static const CU_TestInfo tests[] = {{"name", fn}, ..., CU_TEST_INFO_NULL};
 *   unit_add_suite("fcgi_record", tests); */
void unit_add_suite(const char *name, const CU_TestInfo *tests);

#endif
