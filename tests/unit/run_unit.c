/* run_unit.c - runs every CUnit suite; exit status 1 if any assertion failed.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

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
