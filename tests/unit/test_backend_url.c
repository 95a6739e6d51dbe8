/* test_backend_url.c - Lisp backend URLs: schemes, addresses, refusals.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "backend_url.h"
#include "unit.h"

struct backend_url_good {
    const char *text;
    int family;
    const char *addr;   /* addr_format of the address */
};

static const struct backend_url_good backend_url_goods[] = {
    {"modlisp://127.0.0.1:3000", AF_INET, "127.0.0.1:3000"},
    {"modlisp://[::1]:3001", AF_INET6, "[::1]:3001"},
    {"modlisp://localhost:3000", 0, NULL},
    {"modlisp+unix:/run/lisp.sock", AF_UNIX, "unix:/run/lisp.sock"},
    {"modlisp+unix:lisp.sock", AF_UNIX, "unix:lisp.sock"},
    {"MODLISP://127.0.0.1:80", AF_INET, "127.0.0.1:80"},
    {"ModLisp+Unix:/x", AF_UNIX, "unix:/x"},
};

static void test_backend_url_good(void)
{
    for (size_t i = 0; i < sizeof backend_url_goods / sizeof backend_url_goods[0]; i++) {
        const struct backend_url_good *g = &backend_url_goods[i];
        struct backend_url u;
        char err[256] = "";
        int rc = backend_url_parse(&u, g->text, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "\n%s: %s\n", g->text, err);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_EQUAL(u.proto, BACKEND_MODLISP);
        CU_ASSERT_PTR_NOT_NULL_FATAL(u.text);
        CU_ASSERT_STRING_EQUAL(u.text, g->text);
        CU_ASSERT_PTR_NOT_EQUAL(u.text, g->text);
        if (g->addr != NULL) {
            char out[128];
            CU_ASSERT_EQUAL(u.addr.family, g->family);
            addr_format(&u.addr, out, sizeof out);
            CU_ASSERT_STRING_EQUAL(out, g->addr);
        } else {
            CU_ASSERT(u.addr.family == AF_INET || u.addr.family == AF_INET6);
        }
        backend_url_free(&u);
        CU_ASSERT_PTR_NULL(u.text);
        backend_url_free(&u);
    }
}

struct backend_url_bad {
    const char *text;
    const char *reason;   /* must occur in err */
};

static const struct backend_url_bad backend_url_bads[] = {
    {"", "no URL scheme: use modlisp://HOST:PORT, modlisp+unix:/PATH, lisplets://HOST:PORT or "
         "lisplets+unix:/PATH"},
    {"127.0.0.1:3000", "no URL scheme"},
    {"/run/lisp.sock", "no URL scheme"},
    {"http://127.0.0.1:3000", "unknown scheme \"http\": use modlisp://HOST:PORT"},
    {"fastcgi+unix:/x", "unknown scheme \"fastcgi+unix\""},
    {"localhost:3000", "unknown scheme \"localhost\""},
    {"modlisp:127.0.0.1:3000", "expected modlisp://HOST:PORT"},
    {"modlisp+unix//x", "no URL scheme"},
    {"modlisp+unix:", "missing socket path"},
    {"modlisp://", "expected modlisp://HOST:PORT"},
    {"modlisp://127.0.0.1", "expected modlisp://HOST:PORT"},
    {"lisplets://127.0.0.1", "expected lisplets://HOST:PORT"},
    {"modlisp://127.0.0.1:0", "port 0 is out of range (1..65535)"},
    {"modlisp://127.0.0.1:70000", "out of range"},
    {"modlisp://127.0.0.1:3000/", "a backend URL has no path: write modlisp://HOST:PORT"},
    {"modlisp://127.0.0.1:3000/app", "has no path"},
    {"modlisp://127.0.0.1:3000?x", "has no path"},
    {"modlisp://unix:/run/x.sock", "for a unix socket write modlisp+unix:/PATH"},
    {"modlisp://::1:3000", "must be in brackets"},
    {"lisplets://127.0.0.1:0", "port 0 is out of range"},
    {"lisplets:/x", "expected lisplets://HOST:PORT"},
};

static void test_backend_url_bad(void)
{
    for (size_t i = 0; i < sizeof backend_url_bads / sizeof backend_url_bads[0]; i++) {
        const struct backend_url_bad *b = &backend_url_bads[i];
        struct backend_url u;
        char err[256] = "";
        CU_ASSERT_EQUAL(backend_url_parse(&u, b->text, err, sizeof err), -1);
        if (strstr(err, b->reason) == NULL)
            fprintf(stderr, "\n\"%s\": want \"%s\" in \"%s\"\n", b->text, b->reason, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, b->reason));
        /* nothing to free after a failure, and freeing is still safe */
        CU_ASSERT_PTR_NULL(u.text);
        backend_url_free(&u);
    }
}

void suite_backend_url(void)
{
    static const CU_TestInfo tests[] = {
        {"good URLs", test_backend_url_good},
        {"bad URLs and their reasons", test_backend_url_bad},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("backend_url", tests);
}
