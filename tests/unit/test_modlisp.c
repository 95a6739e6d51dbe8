/* test_modlisp.c - mod_lisp request encoder and response parser.
 * fcgi-lisp, MIT licence.
 *
 * Golden bytes come from shared/reference/modlisp.md (section 5: what
 * Apache's mod_lisp2 wrote and what its Lisp stub replied; section 8.1:
 * cl-modlisp's replies). Every response fixture is parsed whole, byte by
 * byte and split at every index, and the results must be identical. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "../fuzz/pieces.h"
#include "buf.h"
#include "cgi_request.h"
#include "modlisp.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Request encoder                                                           */
/* ------------------------------------------------------------------------ */

struct pair {
    const char *name;
    const char *value;
};

static void request_fill(struct cgi_request *req, const struct pair *pairs, size_t n)
{
    cgi_request_init(req, 65536, 100);
    for (size_t i = 0; i < n; i++) {
        struct slice name = {(const uint8_t *)pairs[i].name, strlen(pairs[i].name)};
        struct slice value = {(const uint8_t *)pairs[i].value, strlen(pairs[i].value)};
        CU_ASSERT_FATAL(cgi_request_add(req, name, value) == CGI_REQUEST_OK);
    }
}

static const struct modlisp_request_opts test_opts = {"fcgi-lisp", "fcgi-lisp/0.1.0"};

/* Encodes pairs; expects MODLISP_ENCODE_OK; the block is left in out. */
static void encode_ok(struct buf *out, const struct pair *pairs, size_t n,
                      const struct modlisp_request_opts *opts, uint64_t body_length)
{
    struct cgi_request req;
    struct slice bad = {NULL, 0};
    request_fill(&req, pairs, n);
    buf_init(out);
    CU_ASSERT(modlisp_request_encode(out, &req, opts, body_length, &bad) == MODLISP_ENCODE_OK);
    CU_ASSERT(bad.ptr == NULL);
    cgi_request_free(&req);
}

/* nginx 1.22 with Debian's fastcgi_params, GET /app/hello?x=1 from curl. */
static void test_encode_nginx_get(void)
{
    static const struct pair params[] = {
        {"QUERY_STRING", "x=1"},        {"REQUEST_METHOD", "GET"},
        {"CONTENT_TYPE", ""},           {"CONTENT_LENGTH", ""},
        {"SCRIPT_NAME", "/app/hello"},  {"REQUEST_URI", "/app/hello?x=1"},
        {"DOCUMENT_URI", "/app/hello"}, {"DOCUMENT_ROOT", "/srv/www"},
        {"SERVER_PROTOCOL", "HTTP/1.1"}, {"REQUEST_SCHEME", "http"},
        {"GATEWAY_INTERFACE", "CGI/1.1"}, {"SERVER_SOFTWARE", "nginx/1.22.1"},
        {"REMOTE_ADDR", "127.0.0.1"},   {"REMOTE_PORT", "51234"},
        {"REMOTE_USER", ""},            {"SERVER_ADDR", "127.0.0.1"},
        {"SERVER_PORT", "18080"},       {"SERVER_NAME", "localhost"},
        {"REDIRECT_STATUS", "200"},     {"HTTP_HOST", "localhost"},
        {"HTTP_USER_AGENT", "curl/7.88.1"}, {"HTTP_ACCEPT", "*/*"},
    };
    struct buf out;
    encode_ok(&out, params, NELEMS(params), &test_opts, 0);
    ASSERT_BUF_TEXT(&out, "server-protocol\nHTTP/1.1\n"
                          "method\nGET\n"
                          "url\n/app/hello?x=1\n"
                          "server-ip-addr\n127.0.0.1\n"
                          "server-ip-port\n18080\n"
                          "remote-ip-addr\n127.0.0.1\n"
                          "remote-ip-port\n51234\n"
                          "server-id\nfcgi-lisp\n"
                          "server-baseversion\nnginx/1.22.1\n"
                          "modlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\n"
                          "Host\nlocalhost\n"
                          "User-Agent\ncurl/7.88.1\n"
                          "Accept\n*/*\n"
                          "end\n");
    buf_free(&out);
}

/* nginx 1.22 over TLS, POST with two Cookie lines (1.22 sends two
 * HTTP_COOKIE params) and HTTP_CONTENT_* in the client's order. */
static void test_encode_nginx_post(void)
{
    static const struct pair params[] = {
        {"QUERY_STRING", ""},
        {"REQUEST_METHOD", "POST"},
        {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
        {"CONTENT_LENGTH", "7"},
        {"SCRIPT_NAME", "/lisp/cookies"},
        {"REQUEST_URI", "/lisp/cookies"},
        {"SCRIPT_FILENAME", "/srv/www/lisp"},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"HTTPS", "on"},
        {"SERVER_SOFTWARE", "nginx/1.22.1"},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"REMOTE_PORT", "43264"},
        {"REMOTE_USER", "alice"},
        {"SERVER_ADDR", "127.0.0.1"},
        {"SERVER_PORT", "8443"},
        {"HTTP_HOST", "127.0.0.1:8443"},
        {"HTTP_USER_AGENT", "curl/7.88.1"},
        {"HTTP_ACCEPT", "*/*"},
        {"HTTP_COOKIE", "a=1"},
        {"HTTP_CONTENT_LENGTH", "7"},
        {"HTTP_CONTENT_TYPE", "application/x-www-form-urlencoded"},
        {"HTTP_COOKIE", "b=2"},
    };
    struct buf out;
    encode_ok(&out, params, NELEMS(params), &test_opts, 7);
    ASSERT_BUF_TEXT(&out, "https\non\n"
                          "server-protocol\nHTTP/1.1\n"
                          "method\nPOST\n"
                          "url\n/lisp/cookies\n"
                          "content-length\n7\n"
                          "content-type\napplication/x-www-form-urlencoded\n"
                          "server-ip-addr\n127.0.0.1\n"
                          "server-ip-port\n8443\n"
                          "remote-ip-addr\n127.0.0.1\n"
                          "script-filename\n/srv/www/lisp\n"
                          "remote-ip-port\n43264\n"
                          "remote-user\nalice\n"
                          "server-id\nfcgi-lisp\n"
                          "server-baseversion\nnginx/1.22.1\n"
                          "modlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\n"
                          "Host\n127.0.0.1:8443\n"
                          "User-Agent\ncurl/7.88.1\n"
                          "Accept\n*/*\n"
                          "Cookie\na=1; b=2\n"
                          "Content-Length\n7\n"
                          "Content-Type\napplication/x-www-form-urlencoded\n"
                          "end\n");
    buf_free(&out);
}

/* modlisp.md section 5 byte for byte: the params Apache's mod_proxy_fcgi
 * sends for the same request (no HTTP_CONTENT_*) give the block mod_lisp2
 * wrote, given the same server-id and base version. */
static void test_encode_apache_worked_example(void)
{
    static const struct pair params[] = {
        {"HTTP_HOST", "127.0.0.1:8088"},
        {"HTTP_USER_AGENT", "curl/7.88.1"},
        {"HTTP_ACCEPT", "*/*"},
        {"CONTENT_LENGTH", "7"},
        {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
        {"SERVER_SOFTWARE", "Apache/2.4.54"},
        {"SERVER_NAME", "127.0.0.1"},
        {"SERVER_ADDR", "127.0.0.1"},
        {"SERVER_PORT", "8088"},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"DOCUMENT_ROOT", "/var/www"},
        {"SCRIPT_FILENAME", "/var/www/lisp"},
        {"REMOTE_PORT", "43264"},
        {"GATEWAY_INTERFACE", "CGI/1.1"},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"REQUEST_METHOD", "POST"},
        {"QUERY_STRING", ""},
        {"REQUEST_URI", "/lisp/cookies"},
        {"SCRIPT_NAME", "/lisp/cookies"},
    };
    static const struct modlisp_request_opts opts = {"bridge-test", "unused"};
    struct buf out;
    encode_ok(&out, params, NELEMS(params), &opts, 7);
    ASSERT_BUF_TEXT(&out,
                    "server-protocol\nHTTP/1.1\nmethod\nPOST\nurl\n/lisp/cookies\n"
                    "content-length\n7\n"
                    "content-type\napplication/x-www-form-urlencoded\nserver-ip-addr\n127.0.0.1\n"
                    "server-ip-port\n8088\n"
                    "remote-ip-addr\n127.0.0.1\nscript-filename\n/var/www/lisp\n"
                    "remote-ip-port\n43264\n"
                    "server-id\nbridge-test\nserver-baseversion\nApache/2.4.54\n"
                    "modlisp-version\n1.3.1\n"
                    "modlisp-major-version\n2\nHost\n127.0.0.1:8088\nUser-Agent\ncurl/7.88.1\n"
                    "Accept\n*/*\n"
                    "Content-Length\n7\nContent-Type\napplication/x-www-form-urlencoded\nend\n");
    buf_free(&out);
}

/* Repeated params merge with ", " at the first one's place; empty values
 * are skipped, a header with only empty values is omitted. */
static void test_encode_header_merge(void)
{
    static const struct pair params[] = {
        {"HTTP_X_MULTI", "1"}, {"HTTP_X_EMPTY", ""}, {"HTTP_ACCEPT", "*/*"},
        {"HTTP_X_MULTI", ""},  {"HTTP_X_MULTI", "2"}, {"HTTP_X_EMPTY", ""},
        {"HTTP_X_MULTI", "3"},
    };
    struct buf out;
    encode_ok(&out, params, NELEMS(params), NULL, 0);
    ASSERT_BUF_TEXT(&out, "modlisp-version\n1.3.1\nmodlisp-major-version\n2\n"
                          "X-Multi\n1, 2, 3\nAccept\n*/*\nend\n");
    buf_free(&out);
}

/* "end" and the fixed keys cannot be forged by a client header. */
static void test_encode_reserved_names(void)
{
    static const struct pair params[] = {
        {"REQUEST_URI", "/real"},
        {"HTTP_END", "injected"},
        {"HTTP_URL", "/evil"},
        {"HTTP_SERVER_ID", "evil"},
        {"HTTP_REMOTE_IP_ADDR", "10.0.0.1"},
        {"HTTP_ENDING", "fine"},
        {"HTTP_", "no name"},
    };
    struct buf out;
    encode_ok(&out, params, NELEMS(params), NULL, 0);
    ASSERT_BUF_TEXT(&out, "url\n/real\nmodlisp-version\n1.3.1\nmodlisp-major-version\n2\n"
                          "end-header\ninjected\nurl-header\n/evil\n"
                          "server-id-header\nevil\nremote-ip-addr-header\n10.0.0.1\n"
                          "Ending\nfine\nend\n");
    buf_free(&out);
}

/* content-length: the real body length, sent when non-zero or announced;
 * Transfer-Encoding never reaches the Lisp. */
static void test_encode_content_length(void)
{
    struct buf out;
    /* lighttpd GET: CONTENT_LENGTH "0" and its HTTP_ duplicate */
    static const struct pair lighttpd_get[] = {
        {"CONTENT_LENGTH", "0"}, {"HTTP_CONTENT_LENGTH", "0"}, {"HTTP_HOST", "h"},
    };
    encode_ok(&out, lighttpd_get, NELEMS(lighttpd_get), NULL, 0);
    ASSERT_BUF_TEXT(&out, "content-length\n0\nmodlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\nContent-Length\n0\nHost\nh\nend\n");
    buf_free(&out);

    /* nginx streaming a chunked upload: no CONTENT_LENGTH, the bridge counted 12 */
    static const struct pair chunked[] = {
        {"CONTENT_LENGTH", ""},
        {"HTTP_TRANSFER_ENCODING", "chunked"},
        {"HTTP_HOST", "h"},
    };
    encode_ok(&out, chunked, NELEMS(chunked), NULL, 12);
    ASSERT_BUF_TEXT(&out, "content-length\n12\nmodlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\nHost\nh\nContent-Length\n12\nend\n");
    buf_free(&out);

    /* the declared length never overrides the bytes that will follow */
    static const struct pair lying[] = {{"CONTENT_LENGTH", "999"}, {"HTTP_CONTENT_LENGTH", "999"}};
    encode_ok(&out, lying, NELEMS(lying), NULL, 7);
    ASSERT_BUF_TEXT(&out, "content-length\n7\nmodlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\nContent-Length\n7\nend\n");
    buf_free(&out);

    /* a Content-Type header without CONTENT_TYPE is not forwarded */
    static const struct pair type_only[] = {{"HTTP_CONTENT_TYPE", "text/plain"}};
    encode_ok(&out, type_only, NELEMS(type_only), NULL, 0);
    ASSERT_BUF_TEXT(&out, "modlisp-version\n1.3.1\nmodlisp-major-version\n2\nend\n");
    buf_free(&out);
}

static void test_encode_url_fallback(void)
{
    struct buf out;
    static const struct pair parts[] = {
        {"SCRIPT_NAME", "/app"}, {"PATH_INFO", "/x y"}, {"QUERY_STRING", "a=b"},
    };
    encode_ok(&out, parts, NELEMS(parts), NULL, 0);
    ASSERT_BUF_TEXT(&out, "url\n/app/x y?a=b\nmodlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\nend\n");
    buf_free(&out);

    static const struct pair no_query[] = {
        {"REQUEST_URI", ""}, {"SCRIPT_NAME", "/app"}, {"QUERY_STRING", ""},
    };
    encode_ok(&out, no_query, NELEMS(no_query), NULL, 0);
    ASSERT_BUF_TEXT(&out, "url\n/app\nmodlisp-version\n1.3.1\n"
                          "modlisp-major-version\n2\nend\n");
    buf_free(&out);
}

/* server-baseversion falls back to the option; empty options send nothing. */
static void test_encode_opts(void)
{
    struct buf out;
    static const struct pair none[] = {{"SERVER_SOFTWARE", ""}};
    encode_ok(&out, none, NELEMS(none), &test_opts, 0);
    ASSERT_BUF_TEXT(&out, "server-id\nfcgi-lisp\nserver-baseversion\nfcgi-lisp/0.1.0\n"
                          "modlisp-version\n1.3.1\nmodlisp-major-version\n2\nend\n");
    buf_free(&out);
    static const struct modlisp_request_opts empty = {"", NULL};
    encode_ok(&out, none, NELEMS(none), &empty, 0);
    ASSERT_BUF_TEXT(&out, "modlisp-version\n1.3.1\nmodlisp-major-version\n2\nend\n");
    buf_free(&out);
}

/* A CR, LF or NUL anywhere refuses the request, names the param and leaves
 * out as it was, even when out had consumed bytes before its data. */
static void expect_bad_byte(struct cgi_request *req, const struct modlisp_request_opts *opts,
                            const char *want_name)
{
    struct buf out = BUF_INIT;
    buf_append_str(&out, "xxprevious");
    buf_consume(&out, 2);
    struct slice bad = {NULL, 0};
    CU_ASSERT(modlisp_request_encode(&out, req, opts, 3, &bad) == MODLISP_ENCODE_BAD_BYTE);
    ASSERT_BUF_TEXT(&out, "previous");
    CU_ASSERT(bad.len == strlen(want_name) && memcmp(bad.ptr, want_name, bad.len) == 0);
    /* the buffer still works */
    buf_append_str(&out, "!");
    ASSERT_BUF_TEXT(&out, "previous!");
    buf_free(&out);
}

static void test_encode_bad_bytes(void)
{
    static const struct {
        const char *name;
        const char *value;
        size_t value_len;
    } cases[] = {
        {"HTTP_X_A", "a\nserver-id\nevil", 16},
        {"HTTP_X_A", "a\rb", 3},
        {"HTTP_X_A", "a\0b", 3},
        {"REQUEST_URI", "/x\nend\n", 7},
        {"REQUEST_METHOD", "GET\r", 4},
        {"CONTENT_TYPE", "text/plain\n", 11},
        {"SERVER_SOFTWARE", "x\ny", 3},
        {"HTTP_X\nEND", "v", 1},
        {"HTTP_COOKIE", "b=2\n", 4},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        struct cgi_request req;
        static const struct pair base[] = {{"HTTP_COOKIE", "a=1"}, {"HTTP_HOST", "h"}};
        request_fill(&req, base, NELEMS(base));
        struct slice name = {(const uint8_t *)cases[i].name, strlen(cases[i].name)};
        struct slice value = {(const uint8_t *)cases[i].value, cases[i].value_len};
        CU_ASSERT_FATAL(cgi_request_add(&req, name, value) == CGI_REQUEST_OK);
        expect_bad_byte(&req, &test_opts, cases[i].name);
        cgi_request_free(&req);
    }

    struct cgi_request req;
    cgi_request_init(&req, 1024, 10);
    static const struct modlisp_request_opts bad_id = {"a\nb", "v"};
    expect_bad_byte(&req, &bad_id, "server-id");
    static const struct modlisp_request_opts bad_version = {"id", "v\r"};
    expect_bad_byte(&req, &bad_version, "server-baseversion");
    cgi_request_free(&req);

    /* a bad value in a header that is dropped anyway does not matter */
    static const struct pair dropped[] = {{"HTTP_TRANSFER_ENCODING", "chunked\n"}};
    struct buf out;
    encode_ok(&out, dropped, NELEMS(dropped), NULL, 0);
    buf_free(&out);
}

/* ------------------------------------------------------------------------ */
/* Response parser                                                           */
/* ------------------------------------------------------------------------ */

static const struct modlisp_limits default_limits = MODLISP_LIMITS_DEFAULT;

/* Everything a parse produced, as text, so that runs compare with strcmp;
 * rest is the input the parser left unconsumed. */
static void result_describe(struct buf *out, enum parse_rc rc, struct slice rest,
                            const struct modlisp_parser *p, const struct modlisp_response *r)
{
    buf_printf(out, "rc=%d rest=[%.*s] err=%s status=%d reason=[%.*s] cl=%" PRId64 " bl=%" PRId64
                    " keep=%d\n",
               (int)rc, (int)rest.len, (const char *)rest.ptr, p->err ? p->err : "-", r->status,
               (int)r->reason.len,
               (const char *)r->reason.ptr, r->content_length, r->body_length, (int)r->keep_socket);
    for (size_t i = 0; i < r->nfields; i++) {
        struct slice n = modlisp_field_name(r, &r->fields[i]);
        struct slice v = modlisp_field_value(r, &r->fields[i]);
        buf_printf(out, "%d/%d [%.*s]=[%.*s]\n", (int)r->fields[i].kind, r->fields[i].log_level,
                   (int)n.len, (const char *)n.ptr, (int)v.len, (const char *)v.ptr);
    }
}

/* Feeds input in pieces ending at cuts[] (increasing), each from a heap copy
 * of exactly its size. Stops at the first result other than PARSE_AGAIN; at
 * the end of input calls finish when `eof`. Describes the result into out. */
static void parse_pieces(struct buf *out, const char *input, size_t len, const size_t *cuts,
                         size_t ncuts, const struct modlisp_limits *limits, bool eof)
{
    struct modlisp_response r;
    struct modlisp_parser p;
    const struct pieces_parser pp = pieces_modlisp_start(&p, &r, limits, unit_check);
    const uint8_t *in = (const uint8_t *)input;
    size_t consumed;
    enum parse_rc rc = pieces_feed(&pp, in, len, cuts, ncuts, &consumed);
    if (rc == PARSE_AGAIN && eof)
        rc = modlisp_response_finish(&p);
    result_describe(out, rc, (struct slice){in + consumed, len - consumed}, &p, &r);
    modlisp_parser_free(&p);
    modlisp_response_free(&r);
}

/* Parses input whole, byte by byte and at every split point; all must agree.
 * Returns the description of the whole parse (caller frees). */
static struct buf parse_everyway(const char *input, size_t len, const struct modlisp_limits *limits,
                                 bool eof)
{
    struct buf whole = BUF_INIT, other = BUF_INIT;
    parse_pieces(&whole, input, len, NULL, 0, limits, eof);
    size_t *cuts = pieces_every_byte(len);
    CU_ASSERT_FATAL(cuts != NULL);
    parse_pieces(&other, input, len, cuts, len, limits, eof);
    CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole), buf_size(&whole)));
    for (size_t split = 0; split <= len; split++) {
        buf_clear(&other);
        parse_pieces(&other, input, len, &split, 1, limits, eof);
        CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole), buf_size(&whole)));
    }
    free(cuts);
    buf_free(&other);
    return whole;
}

#define EXPECT_PARSE(input, limits, eof, want)                                   \
    do {                                                                         \
        struct buf got_ = parse_everyway((input), sizeof(input) - 1, (limits), (eof)); \
        ASSERT_BUF_TEXT(&got_, want);                                            \
        buf_free(&got_);                                                         \
    } while (0)

/* rc values in the descriptions: PARSE_OK=0, PARSE_AGAIN=1, PARSE_ERROR=2 */

static void test_parse_clm_replies(void)
{
    /* section 8.1 T1: cl-modlisp with a length */
    EXPECT_PARSE("Status\n200 OK\nContent-Type\ntext/plain\nContent-Length\n5\nKeep-Socket\n1\n"
                 "Connection\nKeep-Alive\nend\nhello",
                 &default_limits, false,
                 "rc=0 rest=[hello] err=- status=200 reason=[OK] cl=5 bl=5 keep=1\n"
                 "0/0 [Content-Type]=[text/plain]\n0/0 [Connection]=[Keep-Alive]\n");
    /* T3: no length, body until EOF */
    EXPECT_PARSE("Status\n200 OK\nContent-Type\ntext/plain\nend\nstreamed hello", &default_limits,
                 false,
                 "rc=0 rest=[streamed hello] err=- status=200 reason=[OK] cl=-1 bl=-1 keep=0\n"
                 "0/0 [Content-Type]=[text/plain]\n");
}

/* section 5: the Lisp stub's reply behind Apache. */
static void test_parse_apache_stub_reply(void)
{
    EXPECT_PARSE("Status\n201 Created\nContent-Type\ntext/plain; charset=utf-8\nSet-Cookie\n"
                 "a=1; Path=/\nSet-Cookie\nb=2; Path=/\nX-Dup\none\nX-Dup\ntwo\nLog-Error\n"
                 "hello from lisp\nNote\nmynote some value\nContent-Length\n5\nKeep-Socket\n1\n"
                 "end\nhello",
                 &default_limits, false,
                 "rc=0 rest=[hello] err=- status=201 reason=[Created] cl=5 bl=5 keep=1\n"
                 "0/0 [Content-Type]=[text/plain; charset=utf-8]\n"
                 "0/0 [Set-Cookie]=[a=1; Path=/]\n0/0 [Set-Cookie]=[b=2; Path=/]\n"
                 "0/0 [X-Dup]=[one]\n0/0 [X-Dup]=[two]\n"
                 "1/3 [Log-Error]=[hello from lisp]\n2/0 [Note]=[mynote some value]\n");
}

static void test_parse_variants(void)
{
    /* TBNL HEAD: Content-Length for the client, no body bytes */
    EXPECT_PARSE("Status\n200 OK\nContent-Length\n1234\nLisp-Content-Length\n0\nend\n",
                 &default_limits, false,
                 "rc=0 rest=[] err=- status=200 reason=[OK] cl=1234 bl=0 keep=0\n");
    /* Lisp-Content-Length wins wherever it is */
    EXPECT_PARSE("Lisp-Content-Length\n0\nContent-Length\n10\nContent-Length\n 10 \nend\n",
                 &default_limits, false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=10 bl=0 keep=0\n");
    /* CRLF lines; one CR dropped; keys any case; "END" ends */
    EXPECT_PARSE("STATUS\r\n404  Not Found \r\ncontent-type\r\ntext/html\r\nKEEP-SOCKET\r\n0\r\n"
                 "END\r\nbody",
                 &default_limits, false,
                 "rc=0 rest=[body] err=- status=404 reason=[Not Found] cl=-1 bl=-1 keep=0\n"
                 "0/0 [content-type]=[text/html]\n");
    /* Status without a reason; the last Status wins; a value "end" is data;
     * an empty value is kept; junk Keep-Socket means close */
    EXPECT_PARSE("Status\n500 Oops\nStatus\n418\nX\nend\nX-Empty\n\nKeep-Socket\nyes\nend\n",
                 &default_limits, false,
                 "rc=0 rest=[] err=- status=418 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [X]=[end]\n0/0 [X-Empty]=[]\n");
    /* every log level; plain Log is an error, as in mod_lisp2 */
    EXPECT_PARSE("Log\na\nLog-Emerg\nb\nlog-alert\nc\nLog-Crit\nd\nLOG-ERROR\ne\nLog-Warning\nf\n"
                 "Log-Notice\ng\nLog-Info\nh\nLog-Debug\ni\nLog-Other\nj\nend\n",
                 &default_limits, false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "1/3 [Log]=[a]\n1/0 [Log-Emerg]=[b]\n1/1 [log-alert]=[c]\n1/2 [Log-Crit]=[d]\n"
                 "1/3 [LOG-ERROR]=[e]\n1/4 [Log-Warning]=[f]\n1/5 [Log-Notice]=[g]\n"
                 "1/6 [Log-Info]=[h]\n1/7 [Log-Debug]=[i]\n0/0 [Log-Other]=[j]\n");
    /* bytes beyond the block are left for the caller */
    EXPECT_PARSE("end\nStatus\n200\nend\n", &default_limits, false,
                 "rc=0 rest=[Status\n200\nend\n] err=- status=200 reason=[] cl=-1 bl=-1 keep=0\n");
}

static void test_parse_bad_status(void)
{
    static const char *const bad[] = {
        "Status\nOK\nend\n",     "Status\n99 Low\nend\n",  "Status\n2000\nend\n",
        "Status\n200OK\nend\n",  "Status\n\nend\n",        "Status\n2x0 X\nend\n",
        "Status\n-20 X\nend\n",  "Status\n 20\nend\n",
    };
    for (size_t i = 0; i < NELEMS(bad); i++) {
        struct buf got = parse_everyway(bad[i], strlen(bad[i]), &default_limits, false);
        CU_ASSERT(strstr((const char *)buf_data(&got), "rc=2 ") == (const char *)buf_data(&got));
        CU_ASSERT(strstr((const char *)buf_data(&got), "err=Status is not") != NULL);
        buf_free(&got);
    }
    EXPECT_PARSE("Status\n999 Max\nend\n", &default_limits, false,
                 "rc=0 rest=[] err=- status=999 reason=[Max] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("Status\n100\tContinue\nend\n", &default_limits, false,
                 "rc=0 rest=[] err=- status=100 reason=[Continue] cl=-1 bl=-1 keep=0\n");
}

static void test_parse_bad_lengths(void)
{
    EXPECT_PARSE("Content-Length\nabc\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=Content-Length is not a decimal number status=200 reason=[] "
                 "cl=-1 bl=-1 keep=0\n");
    static const char *const bad[] = {
        "Content-Length\n-1\nend\n",
        "Content-Length\n\nend\n",
        "Content-Length\n+5\nend\n",
        "Content-Length\n1 2\nend\n",
        "Content-Length\n9223372036854775808\nend\n",
        "Content-Length\n99999999999999999999\nend\n",
        "Lisp-Content-Length\n1x\nend\n",
        "Lisp-Content-Length\n0x10\nend\n",
        "Content-Length\n5\nContent-Length\n6\nend\n",
    };
    for (size_t i = 0; i < NELEMS(bad); i++) {
        struct buf got = parse_everyway(bad[i], strlen(bad[i]), &default_limits, false);
        CU_ASSERT(strncmp((const char *)buf_data(&got), "rc=2 ", 5) == 0);
        CU_ASSERT(strstr((const char *)buf_data(&got), "Content-Length") != NULL);
        buf_free(&got);
    }
    EXPECT_PARSE("Content-Length\n9223372036854775807\nend\n", &default_limits, false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=9223372036854775807 "
                 "bl=9223372036854775807 keep=0\n");
}

/* CR (other than the one before LF) and NUL never get into a field. */
static void test_parse_bad_bytes(void)
{
    EXPECT_PARSE("X-A\na\rb\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=CR or NUL inside a line status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("X-A\na\r\r\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=CR or NUL inside a line status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("X\rA\nv\nend\n", &default_limits, false,
                 "rc=2 rest=[v\nend\n] err=CR or NUL inside a line status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("X-A\na\0b\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=CR or NUL inside a line status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=empty key status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("\r\nend\n", &default_limits, false,
                 "rc=2 rest=[end\n] err=empty key status=200 reason=[] cl=-1 bl=-1 keep=0\n");
}

static void test_parse_limits(void)
{
    const struct modlisp_limits small = {8, 64, 3};
    /* an 8-byte key and value, with or without CR, fit */
    EXPECT_PARSE("X-ABCDEF\n12345678\nY-ABCDEF\r\n12345678\r\nend\n", &small, false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [X-ABCDEF]=[12345678]\n0/0 [Y-ABCDEF]=[12345678]\n");
    /* 9 bytes do not, whatever follows */
    EXPECT_PARSE("X-ABCDEFG\nv\nend\n", &small, false,
                 "rc=2 rest=[v\nend\n] err=line too long status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("X\n123456789\r\nend\n", &small, false,
                 "rc=2 rest=[\r\nend\n] err=line too long status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("X\n123456789abcdef", &small, true,
                 "rc=2 rest=[abcdef] err=line too long status=200 reason=[] cl=-1 bl=-1 keep=0\n");
    /* 3 pairs fit, a 4th does not */
    EXPECT_PARSE("A\n1\nB\n2\nC\n3\nend\n", &small, false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [A]=[1]\n0/0 [B]=[2]\n0/0 [C]=[3]\n");
    EXPECT_PARSE("A\n1\nB\n2\nC\n3\nD\n4\nend\n", &small, false,
                 "rc=2 rest=[4\nend\n] err=too many fields status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [A]=[1]\n0/0 [B]=[2]\n0/0 [C]=[3]\n");
    /* a 64-byte block fits exactly; one byte more does not */
    const struct modlisp_limits block = {100, 64, 100};
    EXPECT_PARSE("X\n123456789012345678901234567890123456789012345678901234567\nend\n", &block,
                 false,
                 "rc=0 rest=[] err=- status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [X]=[123456789012345678901234567890123456789012345678901234567]\n");
    EXPECT_PARSE("X\n1234567890123456789012345678901234567890123456789012345678\nend\n", &block,
                 false,
                 "rc=2 rest=[\n] err=header block too large status=200 reason=[] cl=-1 bl=-1 keep=0\n"
                 "0/0 [X]=[1234567890123456789012345678901234567890123456789012345678]\n");
}

static void test_parse_finish(void)
{
    /* "end" missing only its LF (cl-modlisp at EOF), also with its CR */
    EXPECT_PARSE("Status\n200 OK\nend", &default_limits, true,
                 "rc=0 rest=[] err=- status=200 reason=[OK] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("Status\n200 OK\nEnd\r", &default_limits, true,
                 "rc=0 rest=[] err=- status=200 reason=[OK] cl=-1 bl=-1 keep=0\n");
    EXPECT_PARSE("Status\n200 OK\nen", &default_limits, true,
                 "rc=2 rest=[] err=EOF inside the header block status=200 reason=[OK] cl=-1 bl=-1 "
                 "keep=0\n");
    /* "end" in the value position is data, even at EOF */
    EXPECT_PARSE("X\nend", &default_limits, true,
                 "rc=2 rest=[] err=EOF inside the header block status=200 reason=[] cl=-1 bl=-1 "
                 "keep=0\n");
    EXPECT_PARSE("", &default_limits, true,
                 "rc=2 rest=[] err=EOF before any response byte status=200 reason=[] cl=-1 bl=-1 "
                 "keep=0\n");
    /* not at EOF: simply more needed */
    EXPECT_PARSE("Status\n200 OK\nContent-Le", &default_limits, false,
                 "rc=1 rest=[] err=- status=200 reason=[OK] cl=-1 bl=-1 keep=0\n");
}

/* After PARSE_OK or PARSE_ERROR the parser consumes nothing more. */
static void test_parse_sticky_results(void)
{
    struct modlisp_response r;
    struct modlisp_parser p;
    modlisp_response_init(&r);
    modlisp_parser_init(&p, &r, NULL);
    const uint8_t *in = (const uint8_t *)"end\nX\n", *pos = in;
    CU_ASSERT(modlisp_response_feed(&p, &pos, in + 6) == PARSE_OK);
    CU_ASSERT(pos == in + 4);
    CU_ASSERT(modlisp_response_feed(&p, &pos, in + 6) == PARSE_OK);
    CU_ASSERT(pos == in + 4);
    CU_ASSERT(modlisp_response_finish(&p) == PARSE_OK);
    modlisp_parser_free(&p);
    modlisp_response_free(&r);

    modlisp_response_init(&r);
    modlisp_parser_init(&p, &r, NULL);
    in = (const uint8_t *)"\nX\n";
    pos = in;
    CU_ASSERT(modlisp_response_feed(&p, &pos, in + 3) == PARSE_ERROR);
    const uint8_t *after = pos;
    CU_ASSERT(modlisp_response_feed(&p, &pos, in + 3) == PARSE_ERROR);
    CU_ASSERT(pos == after);
    CU_ASSERT(modlisp_response_finish(&p) == PARSE_ERROR);
    CU_ASSERT_STRING_EQUAL(p.err, "empty key");
    modlisp_parser_free(&p);
    modlisp_response_free(&r);
}

/* The reason phrase stays valid while the store grows behind it. */
static void test_parse_reason_survives_growth(void)
{
    struct buf in = BUF_INIT;
    buf_append_str(&in, "Status\n299 Custom Reason\n");
    for (int i = 0; i < 90; i++)
        buf_printf(&in, "X-Field-%02d\n%0100d\n", i, i);
    buf_append_str(&in, "end\n");
    struct modlisp_response r;
    struct modlisp_parser p;
    modlisp_response_init(&r);
    modlisp_parser_init(&p, &r, NULL);
    const uint8_t *pos = buf_data(&in);
    CU_ASSERT(modlisp_response_feed(&p, &pos, buf_data(&in) + buf_size(&in)) == PARSE_OK);
    CU_ASSERT(r.status == 299);
    CU_ASSERT(text_equal(r.reason, "Custom Reason", 13));
    CU_ASSERT(r.nfields == 90);
    struct slice v = modlisp_field_value(&r, &r.fields[89]);
    CU_ASSERT(v.len == 100 && v.ptr[99] == '9' && v.ptr[98] == '8');
    modlisp_parser_free(&p);
    modlisp_response_free(&r);
    /* free leaves an initialised response */
    CU_ASSERT(r.status == 200 && r.nfields == 0 && r.content_length == -1);
    modlisp_response_free(&r);
    buf_free(&in);
}

void suite_modlisp(void)
{
    static const CU_TestInfo tests[] = {
        {"encode nginx GET", test_encode_nginx_get},
        {"encode nginx POST", test_encode_nginx_post},
        {"encode Apache worked example", test_encode_apache_worked_example},
        {"encode header merge", test_encode_header_merge},
        {"encode reserved names", test_encode_reserved_names},
        {"encode content-length", test_encode_content_length},
        {"encode url fallback", test_encode_url_fallback},
        {"encode opts", test_encode_opts},
        {"encode bad bytes", test_encode_bad_bytes},
        {"parse cl-modlisp replies", test_parse_clm_replies},
        {"parse Apache stub reply", test_parse_apache_stub_reply},
        {"parse variants", test_parse_variants},
        {"parse bad Status", test_parse_bad_status},
        {"parse bad lengths", test_parse_bad_lengths},
        {"parse bad bytes", test_parse_bad_bytes},
        {"parse limits", test_parse_limits},
        {"parse finish", test_parse_finish},
        {"parse sticky results", test_parse_sticky_results},
        {"parse reason survives growth", test_parse_reason_survives_growth},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("modlisp", tests);
}
