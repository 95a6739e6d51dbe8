/* test_cgi_request.c - the CGI request model: pairs, caps, lookups, header names.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cgi_request.h"
#include "unit.h"

static struct slice cstr(const char *s)
{
    return (struct slice){(const uint8_t *)s, strlen(s)};
}

static void test_add_get_at(void)
{
    struct cgi_request r;
    cgi_request_init(&r, 1024, 10);
    struct slice v, n;
    CU_ASSERT(!cgi_request_get(&r, "REQUEST_METHOD", &v));
    CU_ASSERT(cgi_request_add(&r, cstr("REQUEST_METHOD"), cstr("GET")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_COOKIE"), cstr("a=1")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("CONTENT_LENGTH"), cstr("")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_COOKIE"), cstr("b=2")) == CGI_REQUEST_OK);
    CU_ASSERT(r.n == 4);
    CU_ASSERT(r.n_headers == 2);
    /* first value wins; lookups are case-sensitive */
    CU_ASSERT(cgi_request_get(&r, "HTTP_COOKIE", &v) && slice_eq(v, "a=1"));
    CU_ASSERT(!cgi_request_get(&r, "http_cookie", &v));
    CU_ASSERT(!cgi_request_get(&r, "HTTP_COOKI", &v));
    /* an empty value is present */
    CU_ASSERT(cgi_request_get(&r, "CONTENT_LENGTH", &v) && v.len == 0);
    cgi_request_at(&r, 3, &n, &v);
    CU_ASSERT(slice_eq(n, "HTTP_COOKIE") && slice_eq(v, "b=2"));
    cgi_request_at(&r, 0, &n, &v);
    CU_ASSERT(slice_eq(n, "REQUEST_METHOD") && slice_eq(v, "GET"));
    cgi_request_free(&r);
    CU_ASSERT(r.n == 0 && r.n_headers == 0 && r.max_bytes == 1024 && r.max_headers == 10);
    CU_ASSERT(!cgi_request_get(&r, "REQUEST_METHOD", &v));
    cgi_request_free(&r);
}

/* Bytes are kept as given, NUL and high bytes included. */
static void test_binary_values(void)
{
    struct cgi_request r;
    cgi_request_init(&r, 1024, 10);
    static const uint8_t bin[] = {'c', 'a', 'f', 0xc3, 0xa9, 0, 0xff, '\t'};
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_X_BIN"), (struct slice){bin, sizeof(bin)})
              == CGI_REQUEST_OK);
    struct slice v;
    CU_ASSERT(cgi_request_get(&r, "HTTP_X_BIN", &v));
    CU_ASSERT(v.len == sizeof(bin) && memcmp(v.ptr, bin, sizeof(bin)) == 0);
    cgi_request_free(&r);
}

/* An empty name and value with an empty store still give valid slices. */
static void test_empty_pair(void)
{
    struct cgi_request r;
    cgi_request_init(&r, 1024, 10);
    CU_ASSERT(cgi_request_add(&r, cstr(""), cstr("")) == CGI_REQUEST_OK);
    struct slice n, v;
    cgi_request_at(&r, 0, &n, &v);
    CU_ASSERT(n.ptr != NULL && n.len == 0 && v.ptr != NULL && v.len == 0);
    CU_ASSERT(cgi_request_get(&r, "", &v) && v.len == 0);
    cgi_request_free(&r);
}

/* Caps: the byte total is exact; a refused pair changes nothing. */
static void test_caps(void)
{
    struct cgi_request r;
    cgi_request_init(&r, 10, 2);
    CU_ASSERT(cgi_request_add(&r, cstr("ABCD"), cstr("12345")) == CGI_REQUEST_OK); /* 9 */
    CU_ASSERT(cgi_request_add(&r, cstr("AB"), cstr("")) == CGI_REQUEST_TOO_LARGE);   /* 11 */
    CU_ASSERT(r.n == 1 && buf_size(&r.store) == 9);
    CU_ASSERT(cgi_request_add(&r, cstr("A"), cstr("")) == CGI_REQUEST_OK);           /* 10 */
    CU_ASSERT(cgi_request_add(&r, cstr(""), cstr("")) == CGI_REQUEST_OK);            /* still 10 */
    CU_ASSERT(cgi_request_add(&r, cstr(""), cstr("x")) == CGI_REQUEST_TOO_LARGE);
    /* a value longer than the cap on its own */
    CU_ASSERT(cgi_request_add(&r, cstr("A"), cstr("0123456789ABCDEF")) == CGI_REQUEST_TOO_LARGE);
    CU_ASSERT(r.n == 3);
    cgi_request_free(&r);

    cgi_request_init(&r, 1024, 2);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_A"), cstr("1")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_A"), cstr("2")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP_B"), cstr("3")) == CGI_REQUEST_TOO_MANY_HEADERS);
    /* non-header params are not counted against max_headers; "HTTP" alone is not a header */
    CU_ASSERT(cgi_request_add(&r, cstr("HTTPS"), cstr("on")) == CGI_REQUEST_OK);
    CU_ASSERT(cgi_request_add(&r, cstr("HTTP"), cstr("x")) == CGI_REQUEST_OK);
    CU_ASSERT(r.n == 4 && r.n_headers == 2);
    struct slice v;
    CU_ASSERT(!cgi_request_get(&r, "HTTP_B", &v));
    cgi_request_free(&r);
}

/* Many pairs: the arrays and the store grow, earlier slices stay right. */
static void test_growth(void)
{
    struct cgi_request r;
    cgi_request_init(&r, 1 << 20, 1000);
    char name[32], value[32];
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof(name), "HTTP_X_%d", i);
        snprintf(value, sizeof(value), "value-%d", i * 7);
        CU_ASSERT_FATAL(cgi_request_add(&r, cstr(name), cstr(value)) == CGI_REQUEST_OK);
    }
    struct slice v;
    CU_ASSERT(cgi_request_get(&r, "HTTP_X_0", &v) && slice_eq(v, "value-0"));
    CU_ASSERT(cgi_request_get(&r, "HTTP_X_499", &v) && slice_eq(v, "value-3493"));
    CU_ASSERT(r.n_headers == 500);
    cgi_request_free(&r);
}

static void test_header_names(void)
{
    static const char *const cases[][2] = {
        {"HTTP_HOST", "Host"},
        {"HTTP_USER_AGENT", "User-Agent"},
        {"HTTP_X_FORWARDED_FOR", "X-Forwarded-For"},
        {"HTTP_CONTENT_MD5", "Content-Md5"},
        {"HTTP_DNT", "Dnt"},
        {"HTTP_X__A", "X--A"},
        {"HTTP_X_1A", "X-1a"},
        {"HTTP_x_lower", "X-Lower"},
        {"HTTP_", ""},
        {"HTTP_END", "End"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf out = BUF_INIT;
        buf_append_str(&out, ">");
        cgi_header_name_append(&out, cstr(cases[i][0]));
        struct slice got = buf_slice(&out);
        CU_ASSERT(got.len == 1 + strlen(cases[i][1])
                  && memcmp(got.ptr + 1, cases[i][1], got.len - 1) == 0);
        buf_free(&out);
    }
}

void suite_cgi_request(void)
{
    static const CU_TestInfo tests[] = {
        {"add, get, at", test_add_get_at},
        {"binary values", test_binary_values},
        {"empty pair", test_empty_pair},
        {"caps", test_caps},
        {"growth", test_growth},
        {"header names", test_header_names},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("cgi_request", tests);
}
