/* test_lisplets_request.c - the Lisplets request s-expression: the worked
 * example of lisplets.md §6 from FastCGI params, hostile names and values,
 * options (tag prefix, booleans, roles), sessions, the raw-body extension;
 * and the Cookie header's pairs.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <string.h>

#include "cookie.h"
#include "lisplets_request.h"
#include "unit.h"

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* req from name, value, name, value ... */
static void fill(struct cgi_request *req, const char *const *kv)
{
    cgi_request_init(req, 65536, 100);
    for (size_t i = 0; kv[i] != NULL && kv[i + 1] != NULL; i += 2) {
        struct slice name = {(const uint8_t *)kv[i], strlen(kv[i])};
        struct slice value = {(const uint8_t *)kv[i + 1], strlen(kv[i + 1])};
        CU_ASSERT_FATAL(cgi_request_add(req, name, value) == CGI_REQUEST_OK);
    }
}

static const struct lisplets_pair servlet_params[] = {
    {SLICE_INIT("lisp-host"), SLICE_INIT("127.0.0.1")},
    {SLICE_INIT("lisp-port"), SLICE_INIT("9000")},
};
static const struct lisplets_pair context_params[] = {{SLICE_INIT("site"), SLICE_INIT("demo")}};

static struct lisplets_opts opts(void)
{
    return (struct lisplets_opts){.tag_prefix = "", .tag_suffix = "", .true_text = "t",
                                  .false_text = "nil", .context_name = "Lisplets Demo",
                                  .context_params = context_params, .n_context_params = 1,
                                  .servlet_name = "lisplet", .servlet_params = servlet_params,
                                  .n_servlet_params = 2};
}

/* Encodes kv with the query string's pairs as params. */
static void encode(struct buf *out, const char *const *kv, const struct lisplets_opts *o,
                   const struct lisplets_session_info *session, int64_t body_length)
{
    struct cgi_request req;
    fill(&req, kv);
    struct form_pairs params;
    form_pairs_init(&params, 100, 4096);
    struct slice qs;
    const char *err;
    if (cgi_request_get(&req, "QUERY_STRING", &qs))
        CU_ASSERT_EQUAL(form_decode(&params, qs, &err), PARSE_OK);
    struct lisplets_request_input in = {.cgi = &req, .params = &params, .session = session,
                                        .body_length = body_length};
    lisplets_request_encode(out, &in, o);
    form_pairs_free(&params);
    cgi_request_free(&req);
}

#define EXPECT(kv, o, session, body, want)                                   \
    do {                                                                     \
        struct buf b_ = BUF_INIT;                                            \
        encode(&b_, (kv), (o), (session), (body));                           \
        CU_ASSERT(text_equal(buf_slice(&b_), (want), strlen(want)));         \
        buf_free(&b_);                                                       \
    } while (0)

/* lisplets.md §6's request, as nginx would send it through FastCGI. */
static void test_worked_example(void)
{
    struct lisplets_opts o = opts();
    static const struct lisplets_pair attrs[] = {{SLICE_INIT("user-id"), SLICE_INIT("42")}};
    struct lisplets_session_info s = {SLICE_INIT("node0142tepza8yjb3wkgftoaswa910"), true,
                                      1795332218943, 1795332218943, -1, attrs, 1};
    EXPECT(KV("REQUEST_METHOD", "GET", "REQUEST_URI",
              "/app/lisp/hello?name=Bob&x=1&x=2&q=%22a%5Cb%22", "QUERY_STRING",
              "name=Bob&x=1&x=2&q=%22a%5Cb%22", "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_ACCEPT",
              "*/*", "HTTP_X_MULTI", "1, 2", "HTTP_USER_AGENT", "curl/7.88.1", "HTTP_HOST",
              "127.0.0.1:8090", "HTTP_COOKIE", "JSESSIONID=none; theme=dark"),
           &o, &s, -1,
           "((method \"GET\")(uri \"/app/lisp/hello\")(protocol \"HTTP/1.1\")(is-secure nil)"
           "(headers (Accept \"*/*\")(X-Multi \"1, 2\")(User-Agent \"curl/7.88.1\")"
           "(Host \"127.0.0.1:8090\"))"
           "(cookies (JSESSIONID \"none\")(theme \"dark\"))"
           "(params (name \"Bob\")(x \"1\" \"2\")(q \"\\\"a\\\\b\\\"\"))"
           "(context (name \"Lisplets Demo\")(params (site \"demo\")))"
           "(servlet (name \"lisplet\")(params (lisp-host \"127.0.0.1\")(lisp-port \"9000\")))"
           "(session (id \"node0142tepza8yjb3wkgftoaswa910\")(is-new t)"
           "(creation-time 1795332218943)(last-accessed-time 1795332218943)"
           "(max-inactive-interval -1)(attrs (user-id \"42\"))))");
}

/* The smallest request: empty groups, no cookies, no session, no user. */
static void test_minimal(void)
{
    struct lisplets_opts o = opts();
    o.n_context_params = o.n_servlet_params = 0;
    EXPECT(KV("REQUEST_METHOD", "POST", "SCRIPT_NAME", "/app", "PATH_INFO", "/x",
              "SERVER_PROTOCOL", "HTTP/1.0", "HTTPS", "on"),
           &o, NULL, 12,
           "((method \"POST\")(uri \"/app/x\")(protocol \"HTTP/1.0\")(is-secure t)(headers )"
           "(params )(context (name \"Lisplets Demo\"))(servlet (name \"lisplet\"))"
           "(body-length 12))");
}

/* lisplets.md §7 item 1: what forged a user, ran #. or derailed the reader
 * through the servlet's raw names stays inside one name or string. */
static void test_hostile(void)
{
    struct lisplets_opts o = opts();
    o.tag_prefix = ":";
    o.n_context_params = o.n_servlet_params = 0;
    EXPECT(KV("REQUEST_METHOD", "GET\")(user (name \"admin\"))(x \"", "REQUEST_URI", "/",
              "QUERY_STRING",
              "x%29%29%28user%20%28name%20%22admin%22%29%29%28%28y=v&%23.(run)=1",
              "SERVER_PROTOCOL", "HTTP/1.1", "HTTP_X_A|B", "c", "HTTP_COOKIE",
              "a)(user=1; #.x=\"q\""),
           &o, NULL, -1,
           "((:method \"GET\\\")(user (name \\\"admin\\\"))(x \\\"\")(:uri \"/\")"
           "(:protocol \"HTTP/1.1\")(:is-secure nil)(:headers (:|X-A\\|b| \"c\"))"
           "(:cookies (:|a)(user| \"1\")(:|#.x| \"q\"))"
           "(:params (:|x))(user (name \"admin\"))((y| \"v\")(:|#.(run)| \"1\"))"
           "(:context (:name \"Lisplets Demo\"))(:servlet (:name \"lisplet\")))");
}

/* Values of a name together, names in the order they first came. */
static void test_grouping(void)
{
    struct lisplets_opts o = opts();
    o.n_context_params = o.n_servlet_params = 0;
    EXPECT(KV("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "SERVER_PROTOCOL", "HTTP/1.1",
              "QUERY_STRING", "b=1&a=2&b=3&c=4&a=5&bb=6&b=7"),
           &o, NULL, -1,
           "((method \"GET\")(uri \"/\")(protocol \"HTTP/1.1\")(is-secure nil)(headers )"
           "(params (b \"1\" \"3\" \"7\")(a \"2\" \"5\")(c \"4\")(bb \"6\"))"
           "(context (name \"Lisplets Demo\"))(servlet (name \"lisplet\")))");
}

static void test_user_roles(void)
{
    static const char *const admins[] = {"alice", NULL};
    static const char *const editors[] = {"bob", "alice", NULL};
    static const char *const none[] = {NULL};
    static const struct lisplets_role roles[] = {
        {"admin", admins}, {"editor", editors}, {"guest", none}};
    struct lisplets_opts o = opts();
    o.n_context_params = o.n_servlet_params = 0;
    o.roles = roles;
    o.n_roles = 3;
    o.true_text = "T";
    o.false_text = "NIL";
    o.tag_suffix = "-";
    EXPECT(KV("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "SERVER_PROTOCOL", "HTTP/1.1",
              "REMOTE_USER", "alice", "AUTH_TYPE", "Basic"),
           &o, NULL, -1,
           "((method- \"GET\")(uri- \"/\")(protocol- \"HTTP/1.1\")(is-secure- NIL)(headers- )"
           "(params- )(context- (name- \"Lisplets Demo\"))(servlet- (name- \"lisplet\"))"
           "(user- (name- \"alice\")(auth-type- \"Basic\")"
           "(roles- (admin- T)(editor- T)(guest- NIL))))");
}

struct cookie_seen {
    struct buf b;
};

static void cookie_collect(void *ctx, struct slice name, struct slice value)
{
    struct cookie_seen *s = ctx;
    describe_bytes(&s->b, name.ptr, name.len);
    buf_append_byte(&s->b, '=');
    describe_bytes(&s->b, value.ptr, value.len);
    buf_append_byte(&s->b, '|');
}

static void expect_cookies(const char *header, size_t want_n, const char *want)
{
    struct cookie_seen s = {BUF_INIT};
    size_t n = cookie_parse((struct slice){(const uint8_t *)header, strlen(header)},
                            cookie_collect, &s);
    CU_ASSERT_EQUAL(n, want_n);
    CU_ASSERT(text_equal(buf_slice(&s.b), want, strlen(want)));
    buf_free(&s.b);
}

static void test_cookies(void)
{
    expect_cookies("", 0, "");
    expect_cookies("a=b", 1, "a=b|");
    expect_cookies("a=b; c=d;e=f", 3, "a=b|c=d|e=f|");
    expect_cookies("  a = b  ;\tc=\"quoted value\" ; d=\"", 3, "a=b|c=quoted value|d=\"|");
    expect_cookies("novalue; =empty; x=; y==z; z=a,b", 3, "x=|y==z|z=a,b|");
    expect_cookies(";;; a=1 ;;", 1, "a=1|");
}

void suite_lisplets_request(void)
{
    static const CU_TestInfo tests[] = {
        {"lisplets.md's worked example", test_worked_example},
        {"a minimal request, the raw body announced", test_minimal},
        {"hostile names and values stay inside", test_hostile},
        {"values grouped, names in order", test_grouping},
        {"user, roles, booleans, tag suffix", test_user_roles},
        {"Cookie header pairs", test_cookies},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("lisplets_request", tests);
}
