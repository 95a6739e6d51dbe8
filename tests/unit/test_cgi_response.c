/* test_cgi_response.c - CGI response heads built from mod_lisp replies, and
 * the bridge's own error responses.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <string.h>

#include "buf.h"
#include "cgi_response.h"
#include "modlisp.h"
#include "unit.h"

/* Parses a whole mod_lisp reply header block into r (initialised here). */
static void reply_parse(struct modlisp_response *r, const char *reply)
{
    struct modlisp_parser p;
    modlisp_response_init(r);
    modlisp_parser_init(&p, r, NULL);
    const uint8_t *pos = (const uint8_t *)reply;
    CU_ASSERT_FATAL(modlisp_response_feed(&p, &pos, pos + strlen(reply)) == PARSE_OK);
    modlisp_parser_free(&p);
}

/* Encodes the head of `reply` into out (initialised here). */
static void head_of(struct buf *out, const char *reply, bool head_request, const char *type)
{
    struct modlisp_response r;
    reply_parse(&r, reply);
    buf_init(out);
    cgi_response_head_encode(out, &r, head_request, type);
    modlisp_response_free(&r);
}

/* modlisp.md section 5: what Apache made of the stub's reply (every
 * Set-Cookie kept, X-Dup last wins, Log and Note not for the client). */
static void test_head_apache_worked_example(void)
{
    struct buf out;
    head_of(&out,
            "Status\n201 Created\nContent-Type\ntext/plain; charset=utf-8\nSet-Cookie\n"
            "a=1; Path=/\nSet-Cookie\nb=2; Path=/\nX-Dup\none\nX-Dup\ntwo\nLog-Error\n"
            "hello from lisp\nNote\nmynote some value\nContent-Length\n5\nKeep-Socket\n1\nend\n",
            false, "text/html");
    ASSERT_BUF_TEXT(&out, "Status: 201 Created\r\n"
                          "Content-Type: text/plain; charset=utf-8\r\n"
                          "Set-Cookie: a=1; Path=/\r\n"
                          "Set-Cookie: b=2; Path=/\r\n"
                          "X-Dup: two\r\n"
                          "Content-Length: 5\r\n"
                          "\r\n");
    buf_free(&out);
}

/* cl-modlisp's reply: Connection and Keep-Socket are not for the client. */
static void test_head_clm(void)
{
    struct buf out;
    head_of(&out,
            "Status\n200 OK\nContent-Type\ntext/plain\nContent-Length\n5\nKeep-Socket\n1\n"
            "Connection\nKeep-Alive\nend\n",
            false, "text/html");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 5\r\n\r\n");
    buf_free(&out);
}

static void test_head_defaults(void)
{
    struct buf out;
    /* no Status: 200 with its phrase; no Content-Type: the default; no length: none */
    head_of(&out, "X-A\n1\nend\n", false, "text/html; charset=utf-8");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nX-A: 1\r\n"
                          "Content-Type: text/html; charset=utf-8\r\n\r\n");
    buf_free(&out);
    /* a code without a phrase gets the standard one, or none if unknown */
    head_of(&out, "Status\n404\nContent-Type\ntext/html\nend\n", false, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n");
    buf_free(&out);
    head_of(&out, "Status\n599\nend\n", false, NULL);
    ASSERT_BUF_TEXT(&out, "Status: 599\r\n\r\n");
    buf_free(&out);
    /* the Lisp's own phrase is kept */
    head_of(&out, "Status\n200 Fine Thanks\nend\n", false, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 Fine Thanks\r\nContent-Type: text/plain\r\n\r\n");
    buf_free(&out);
}

/* HEAD: the client sees the Lisp's Content-Length; a GET sees the bytes
 * that really follow (Lisp-Content-Length when given). */
static void test_head_request(void)
{
    static const char tbnl_head[] =
        "Status\n200 OK\nContent-Type\ntext/html\nContent-Length\n1234\nLisp-Content-Length\n0\nend\n";
    struct buf out;
    head_of(&out, tbnl_head, true, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nContent-Type: text/html\r\n"
                          "Content-Length: 1234\r\n\r\n");
    buf_free(&out);
    head_of(&out, tbnl_head, false, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n");
    buf_free(&out);
    /* HEAD without any length: none */
    head_of(&out, "Lisp-Content-Length\n0\nend\n", true, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    buf_free(&out);
}

/* Names compare case-insensitively; the first spelling and place are kept,
 * the last value wins; Set-Cookie of any case repeats. */
static void test_head_repeats(void)
{
    struct buf out;
    head_of(&out,
            "x-a\n1\nset-cookie\nc=1\nContent-Type\ntext/plain\nX-A\n2\nSET-COOKIE\nd=2\n"
            "content-type\ntext/html\nX-B\n3\nX-a\n4\nend\n",
            false, "application/octet-stream");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nx-a: 4\r\nset-cookie: c=1\r\n"
                          "Content-Type: text/html\r\nSET-COOKIE: d=2\r\nX-B: 3\r\n\r\n");
    buf_free(&out);
}

/* Transport fields and invalid names never reach the web server. */
static void test_head_dropped(void)
{
    struct buf out;
    head_of(&out,
            "Connection\nclose\nKeep-Alive\ntimeout=5\nTransfer-Encoding\nchunked\n"
            "Bad Name\nv\nBad:Name\nv\nX-Ok\nv v\nLog\nx\nNote\nn v\nContent-Length\n3\nend\n",
            false, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nX-Ok: v v\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 3\r\n\r\n");
    buf_free(&out);
}

/* A response built by other code with a CR in a value is not passed on. */
static void test_head_refuses_cr(void)
{
    struct modlisp_response r;
    reply_parse(&r, "X-A\nfine\nend\n");
    /* corrupt the stored value in place: "fi\rne" */
    ((uint8_t *)r.store.ptr)[r.fields[0].value_off + 2] = '\r';
    struct buf out = BUF_INIT;
    cgi_response_head_encode(&out, &r, false, "text/plain");
    ASSERT_BUF_TEXT(&out, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    buf_free(&out);
    modlisp_response_free(&r);
}

static void test_error_encode(void)
{
    struct buf out = BUF_INIT;
    cgi_response_error_encode(&out, 502, 0);
    ASSERT_BUF_TEXT(&out, "Status: 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 16\r\n\r\n502 Bad Gateway\n");
    buf_clear(&out);
    cgi_response_error_encode(&out, 503, 5);
    ASSERT_BUF_TEXT(&out, "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 24\r\nRetry-After: 5\r\n\r\n503 Service Unavailable\n");
    buf_clear(&out);
    cgi_response_error_encode(&out, 599, 0);
    ASSERT_BUF_TEXT(&out, "Status: 599\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 4\r\n\r\n599\n");
    buf_free(&out);
}

static void test_status_reason(void)
{
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(100), "Continue");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(200), "OK");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(302), "Found");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(400), "Bad Request");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(413), "Content Too Large");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(504), "Gateway Timeout");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(511), "Network Authentication Required");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(299), "");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(0), "");
    CU_ASSERT_STRING_EQUAL(cgi_status_reason(-1), "");
}

void suite_cgi_response(void)
{
    static const CU_TestInfo tests[] = {
        {"head Apache worked example", test_head_apache_worked_example},
        {"head cl-modlisp", test_head_clm},
        {"head defaults", test_head_defaults},
        {"head HEAD request", test_head_request},
        {"head repeated names", test_head_repeats},
        {"head dropped fields", test_head_dropped},
        {"head refuses CR", test_head_refuses_cr},
        {"error encode", test_error_encode},
        {"status reason", test_status_reason},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("cgi_response", tests);
}
