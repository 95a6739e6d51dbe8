/* test_lisplets_reply.c - the Lisplets reply reader: the servlet's rules
 * (golden trees and the errors), where the body starts, the limits, the
 * same tree fed whole, byte by byte or split at any point, and finding a
 * tag.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <string.h>

#include "../fuzz/pieces.h"
#include "lisplets_reply.h"
#include "unit.h"

/* A node as text: lists in parentheses, items separated by one space,
 * tokens bare, strings in quotes; bytes described (unit.h). */
static void render_node(struct buf *out, const struct lisplets_reply *r, uint32_t i)
{
    const struct lisplets_node *nd = &r->nodes[i];
    if (!nd->is_list) {
        struct slice t = lisplets_node_text(r, i);
        if (nd->is_string)
            buf_append_byte(out, '"');
        describe_bytes(out, t.ptr, t.len);
        if (nd->is_string)
            buf_append_byte(out, '"');
        return;
    }
    buf_append_byte(out, '(');
    for (uint32_t c = nd->first; c != LISPLETS_REPLY_NONE; c = r->nodes[c].next) {
        render_node(out, r, c);
        if (r->nodes[c].next != LISPLETS_REPLY_NONE)
            buf_append_byte(out, ' ');
    }
    buf_append_byte(out, ')');
}

static void read_pieces(struct buf *out, const char *in, size_t len, const size_t *cuts,
                        size_t ncuts, const struct lisplets_reply_limits *limits)
{
    struct lisplets_reader rd;
    struct lisplets_reply r;
    const struct pieces_parser pp = pieces_lisplets_start(&rd, &r, limits, unit_check);
    size_t consumed;
    enum parse_rc rc = pieces_feed(&pp, (const uint8_t *)in, len, cuts, ncuts, &consumed);
    if (rc == PARSE_OK) {
        render_node(out, &r, 0);
        buf_printf(out, " body@%zu", consumed);
    } else if (rc == PARSE_ERROR) {
        buf_printf(out, "ERROR: %s", rd.err);
    } else {
        buf_append_str(out, "AGAIN");
    }
    lisplets_reply_free(&r);
}

static void expect_len(const char *in, size_t len, const char *want,
                       const struct lisplets_reply_limits *limits)
{
    struct buf whole = BUF_INIT, other = BUF_INIT;
    read_pieces(&whole, in, len, NULL, 0, limits);
    CU_ASSERT(text_equal(buf_slice(&whole), want, strlen(want)));
    size_t *cuts = pieces_every_byte(len);
    read_pieces(&other, in, len, cuts, len, limits);
    CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole), buf_size(&whole)));
    free(cuts);
    for (size_t split = 0; split <= len; split++) {
        buf_clear(&other);
        read_pieces(&other, in, len, &split, 1, limits);
        CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole),
                             buf_size(&whole)));
    }
    buf_free(&whole);
    buf_free(&other);
}

static void expect(const char *in, const char *want)
{
    expect_len(in, strlen(in), want, NULL);
}

static void test_golden(void)
{
    expect("()", "() body@2");
    expect("()hello", "() body@2");
    expect("((status 200))\n", "((status 200)) body@14");   /* the newline is body */
    /* lisplets.md §6, the worked example's reply */
    expect("((status 200)(headers (\"Content-Type\" \"text/plain; charset=utf-8\")(X-A \"1\")"
           "(X-A \"2\"))(cookies ((name \"pref\")(value \"dark\")(path \"/\")(max-age 3600))"
           "((name \"b\")(value \"2\")))(session (attrs (user-id \"42\")(gone nil))"
           "(max-inactive-interval 600))(context (attrs (hits \"17\")))(log \"served hello\"))"
           "hello body\n",
           "((status 200) (headers (\"Content-Type\" \"text/plain; charset=utf-8\") (X-A \"1\") "
           "(X-A \"2\")) (cookies ((name \"pref\") (value \"dark\") (path \"/\") "
           "(max-age 3600)) ((name \"b\") (value \"2\"))) (session (attrs (user-id \"42\") "
           "(gone nil)) (max-inactive-interval 600)) (context (attrs (hits \"17\"))) "
           "(log \"served hello\")) body@290");
    /* separators: Java's whitespace, 0x09-0x0d and 0x1c-0x20 */
    expect("( (status\t\n\r\x0b\x0c\x1c\x1f 201 ) )", "((status 201)) body@24");
    /* tokens run to a separator or a parenthesis; ; ' | # . " are token bytes */
    expect("((log a;b 'q |x| #.(run) . x\"y\"))",
           "((log a;b 'q |x| #. (run) . x\"y\")) body@33");
    expect("((k(l)m))", "((k (l) m)) body@9");
    /* strings: \" and \\ only; raw newlines and any byte kept */
    expect("((log \"a\\\"b\\\\c\" \"two\nlines\" \"\"))",
           "((log \"a\"b\\x5cc\" \"two\\x0alines\" \"\")) body@32");
    expect("((log \"caf\xc3\xa9\"))", "((log \"caf\\xc3\\xa9\")) body@15");
    expect("((:status 201)(:headers (:X-K \"v\")))",
           "((:status 201) (:headers (:X-K \"v\"))) body@36");
}

static void test_errors(void)
{
    expect(" ((status 200))", "ERROR: the reply does not begin with '('");
    expect("\n()", "ERROR: the reply does not begin with '('");
    expect("status", "ERROR: the reply does not begin with '('");
    expect("((log \"a\\nb\"))",
           "ERROR: a string in the reply has an escape other than \\\" and \\\\");
    expect("(status)", "ERROR: a top-level element of the reply is not a list headed by a tag");
    expect("(())", "ERROR: a top-level element of the reply is not a list headed by a tag");
    expect("(((a) b))", "ERROR: a top-level element of the reply is not a list headed by a tag");
    expect("((status 200)", "AGAIN");               /* EOF here: the caller's 502 */
    expect("((log \"open", "AGAIN");
    expect("((status 20", "AGAIN");
    expect_len("((log \"nul\0\"))", 14, "((log \"nul\\x00\")) body@14", NULL);
}

static void test_limits(void)
{
    const struct lisplets_reply_limits tiny = {16, 3, 6};
    expect_len("((a (b (c))))", 13, "ERROR: the reply nests lists too deeply", &tiny);
    expect_len("((a (b c)))", 11, "((a (b c))) body@11", &tiny);
    expect_len("((a b c d e f g))", 17, "ERROR: the reply has too many elements", &tiny);
    expect_len("((log \"0123456789ab\"))", 22, "ERROR: the reply's s-expression is too long",
               &tiny);
    /* the limit is on the s-expression, not on the body after it */
    expect_len("((a b))0123456789abcdef", 23, "((a b)) body@7", &tiny);
}

static void test_find(void)
{
    struct lisplets_reader rd;
    struct lisplets_reply r;
    static const struct lisplets_reply_limits limits = LISPLETS_REPLY_LIMITS_DEFAULT;
    lisplets_reply_init(&r);
    lisplets_reader_init(&rd, &r, &limits);
    const char *in = "((:STATUS 302)(redirect \"/x\")(status 200)(Headers (a \"1\")))";
    const uint8_t *pos = (const uint8_t *)in;
    CU_ASSERT_EQUAL_FATAL(lisplets_reader_feed(&rd, &pos, pos + strlen(in)), PARSE_OK);
    uint32_t st = lisplets_reply_find(&r, 0, "status", ":");
    CU_ASSERT_NOT_EQUAL_FATAL(st, LISPLETS_REPLY_NONE);
    /* the first match, without case, the prefix stripped */
    uint32_t value = r.nodes[r.nodes[st].first].next;
    CU_ASSERT(text_equal(lisplets_node_text(&r, value), "302", 3));
    CU_ASSERT_NOT_EQUAL(lisplets_reply_find(&r, 0, "headers", ":"), LISPLETS_REPLY_NONE);
    CU_ASSERT_EQUAL(lisplets_reply_find(&r, 0, "cookies", ":"), LISPLETS_REPLY_NONE);
    /* without the prefix, :STATUS is not status: the second one is found */
    uint32_t plain = lisplets_reply_find(&r, 0, "status", "");
    CU_ASSERT_NOT_EQUAL_FATAL(plain, LISPLETS_REPLY_NONE);
    CU_ASSERT_NOT_EQUAL(plain, st);
    CU_ASSERT(text_equal(lisplets_node_text(&r, r.nodes[r.nodes[plain].first].next), "200", 3));
    lisplets_reply_free(&r);
}

void suite_lisplets_reply(void)
{
    static const CU_TestInfo tests[] = {
        {"golden trees, whole and split", test_golden},
        {"errors the servlet raises", test_errors},
        {"limits", test_limits},
        {"find a tag", test_find},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("lisplets_reply", tests);
}
