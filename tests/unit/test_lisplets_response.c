/* test_lisplets_response.c - what a Lisplets reply asks for: the worked
 * example of lisplets.md §6, status over redirect and error, what a
 * redirect or an error drops, cookies with every attribute, session and
 * context operations, lisp-null and lisp-true, the tag prefix, and the
 * replies refused.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <string.h>

#include "cgi_response.h"
#include "lisplets_response.h"
#include "unit.h"

static const struct lisplets_response_opts plain_opts = {"", "t", "nil"};
static const struct lisplets_response_opts keyword_opts = {":", "t", "nil"};

/* The head cgi_response writes, then "body:..." for a fixed body, then
 * the state operations, or "ERROR: why". */
static void build(struct buf *out, const char *reply, const struct lisplets_response_opts *o)
{
    static const struct lisplets_reply_limits limits = LISPLETS_REPLY_LIMITS_DEFAULT;
    struct lisplets_reply r;
    struct lisplets_reader rd;
    lisplets_reply_init(&r);
    lisplets_reader_init(&rd, &r, &limits);
    const uint8_t *pos = (const uint8_t *)reply;
    CU_ASSERT_EQUAL_FATAL(lisplets_reader_feed(&rd, &pos, pos + strlen(reply)), PARSE_OK);
    struct modlisp_response resp;
    struct lisplets_outcome oc;
    modlisp_response_init(&resp);
    lisplets_outcome_init(&oc);
    char err[256];
    if (lisplets_response_build(&resp, &oc, &r, o, err, sizeof err) < 0) {
        buf_printf(out, "ERROR: %s", err);
    } else {
        cgi_response_head_encode(out, &resp, false, "application/octet-stream");
        for (size_t i = 0; i < resp.nfields; i++)
            if (resp.fields[i].kind == MODLISP_FIELD_LOG) {
                struct slice v = modlisp_field_value(&resp, &resp.fields[i]);
                buf_printf(out, "log:%.*s\n", (int)v.len, (const char *)v.ptr);
            }
        if (oc.fixed_body)
            buf_printf(out, "body:%.*s", (int)buf_size(&oc.body), (const char *)buf_data(&oc.body));
        const struct lisplets_ops *sets[2] = {&oc.session_ops, &oc.context_ops};
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < sets[k]->n; i++) {
                const struct lisplets_attr_op *op = &sets[k]->v[i];
                buf_printf(out, "%s %s %.*s=%.*s\n", k == 0 ? "session" : "context",
                           op->remove ? "remove" : "set", (int)op->name.len,
                           (const char *)op->name.ptr, (int)op->value.len,
                           (const char *)op->value.ptr);
            }
        if (oc.session)
            buf_printf(out, "session%s max-inactive=%lld\n", oc.session_invalidate ? " invalidate" : "",
                       oc.max_inactive == INT64_MIN ? -2LL : (long long)oc.max_inactive);
    }
    lisplets_outcome_free(&oc);
    modlisp_response_free(&resp);
    lisplets_reply_free(&r);
}

static void expect(const char *reply, const struct lisplets_response_opts *o, const char *want)
{
    struct buf b = BUF_INIT;
    build(&b, reply, o);
    CU_ASSERT(text_equal(buf_slice(&b), want, strlen(want)));
    buf_free(&b);
}

static void test_worked_example(void)
{
    expect("((status 200)(headers (\"Content-Type\" \"text/plain; charset=utf-8\")(X-A \"1\")"
           "(X-A \"2\"))(cookies ((name \"pref\")(value \"dark\")(path \"/\")(max-age 3600))"
           "((name \"b\")(value \"2\")))(session (attrs (user-id \"42\")(gone nil))"
           "(max-inactive-interval 600))(context (attrs (hits \"17\")))(log \"served hello\"))",
           &plain_opts,
           "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-A: 1\r\nX-A: 2\r\n"
           "Set-Cookie: pref=dark; Max-Age=3600; Path=/\r\nSet-Cookie: b=2\r\n\r\n"
           "log:served hello\n"
           "session set user-id=42\nsession remove gone=nil\ncontext set hits=17\n"
           "session max-inactive=600\n");
}

static void test_status_redirect_error(void)
{
    expect("()", &plain_opts,
           "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
    /* status wins: redirect ignored */
    expect("((redirect \"/x\")(status 201))", &plain_opts,
           "Status: 201 Created\r\nContent-Type: application/octet-stream\r\n\r\n");
    /* redirect ends it: headers, cookies, state and log dropped, no body */
    expect("((redirect \"/login?next=/a\")(headers (X-Lost \"1\"))(log \"lost\")"
           "(session (attrs (a \"b\"))))",
           &plain_opts,
           "Status: 302 Found\r\nLocation: /login?next=/a\r\n"
           "Content-Type: application/octet-stream\r\n\r\nbody:");
    expect("((error 404 \"no such page\"))", &plain_opts,
           "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nbody:no such page\n");
    expect("((error 503))", &plain_opts,
           "Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n"
           "body:503 Service Unavailable\n");
}

static void test_cookies_and_prefix(void)
{
    expect("((:status 200)(:cookies ((:name \"s\")(:value \"v\")(:comment \"c\")"
           "(:domain \"example.org\")(:max-age -1)(:path \"/app\")(:secure T)(:version 1))"
           "((:name \"t\")(:value \"\")(:max-age 0)(:secure nil))))",
           &keyword_opts,
           "Status: 200 OK\r\n"
           "Set-Cookie: s=v; Comment=c; Domain=example.org; Path=/app; Version=1; Secure\r\n"
           "Set-Cookie: t=; Max-Age=0\r\nContent-Type: application/octet-stream\r\n\r\n");
    /* without the prefix, :status is no status */
    expect("((:status 201))", &plain_opts,
           "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
    /* tags without case; a string name keeps its prefix, a token loses it */
    expect("((STATUS 204)(Headers (:X-Tok \"1\")(\":X-Str\" \"2\")))", &keyword_opts,
           "ERROR: header name ':X-Str' is not an HTTP token");
}

static void test_session_ops(void)
{
    expect("((session (invalidate)(attrs (a \"b\"))))", &plain_opts,
           "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
           "session invalidate max-inactive=-2\n");
    expect("((context (attrs (n \"NIL\")(m \"x\"))))", &plain_opts,
           "Status: 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
           "context remove n=NIL\ncontext set m=x\n");
}

static void test_refused(void)
{
    expect("((status abc))", &plain_opts, "ERROR: (status ...) needs a code from 100 to 999");
    expect("((status 99))", &plain_opts, "ERROR: (status ...) needs a code from 100 to 999");
    expect("((status (200)))", &plain_opts, "ERROR: (status ...) needs a code from 100 to 999");
    expect("((error 1000))", &plain_opts, "ERROR: (error ...) needs a code from 100 to 999");
    expect("((headers (\"Bad Name\" \"v\")))", &plain_opts,
           "ERROR: header name 'Bad Name' is not an HTTP token");
    expect("((headers (X \"a\r\nSet-Cookie: evil=1\")))", &plain_opts,
           "ERROR: header X: a value that is not one line of text");
    expect("((cookies ((name \"a\"))))", &plain_opts,
           "ERROR: a cookie without (name ...) and (value ...)");
    expect("((cookies ((name \"a\")(value \"x; Domain=evil\"))))", &plain_opts,
           "ERROR: cookie 'a': a name that is not a token or a value with ';', ',', a blank "
           "or a line break");
    expect("((cookies ((name \"a\")(value \"x\")(path \"/; Secure\"))))", &plain_opts,
           "ERROR: cookie a: path holds ';' or a line break");
    expect("((cookies ((name \"a\")(value \"x\")(max-age soon))))", &plain_opts,
           "ERROR: cookie a: max-age is not a whole number");
    expect("((redirect \"/a\r\nX: y\"))", &plain_opts,
           "ERROR: (redirect ...) needs a URL on one line");
    expect("((session (max-inactive-interval 1.5)))", &plain_opts,
           "ERROR: (max-inactive-interval ...) is not a whole number");
    expect("((log (nested)))", &plain_opts, "ERROR: (log ...) holds a list");
}

void suite_lisplets_response(void)
{
    static const CU_TestInfo tests[] = {
        {"lisplets.md's worked example", test_worked_example},
        {"status, redirect, error", test_status_redirect_error},
        {"cookies, the tag prefix", test_cookies_and_prefix},
        {"session and context operations", test_session_ops},
        {"replies refused", test_refused},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("lisplets_response", tests);
}
