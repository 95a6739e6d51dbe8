/* test_form.c - urlencoded pairs: the decoding rules, the limits, and the
 * same pairs whether the input is fed whole, byte by byte or split at any
 * point.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <string.h>

#include "../fuzz/pieces.h"
#include "form.h"
#include "unit.h"

/* The pairs as "name=value;" with bytes described (unit.h), "ERROR: why"
 * at a failure. */
static void render(struct buf *out, const struct form_pairs *p, enum parse_rc rc,
                   const char *err)
{
    for (size_t i = 0; i < p->n; i++) {
        struct slice n = form_pair_name(p, i), v = form_pair_value(p, i);
        describe_bytes(out, n.ptr, n.len);
        buf_append_byte(out, '=');
        describe_bytes(out, v.ptr, v.len);
        buf_append_byte(out, ';');
    }
    if (rc == PARSE_ERROR)
        buf_printf(out, "ERROR: %s", err);
}

static void decode_pieces(struct buf *out, const char *in, size_t len, const size_t *cuts,
                          size_t ncuts, size_t max_pairs, size_t max_bytes)
{
    struct form_decoder d;
    struct form_pairs p;
    const struct pieces_parser pp = pieces_form_start(&d, &p, max_pairs, max_bytes, unit_check);
    size_t consumed;
    enum parse_rc rc = pieces_feed(&pp, (const uint8_t *)in, len, cuts, ncuts, &consumed);
    if (rc != PARSE_ERROR)
        rc = form_decode_finish(&d);
    render(out, &p, rc, d.err);
    form_decoder_free(&d);
    form_pairs_free(&p);
}

/* Decodes in whole, byte by byte and split at every point: all agree, and
 * equal want. */
static void expect_limited(const char *in, const char *want, size_t max_pairs, size_t max_bytes)
{
    size_t len = strlen(in);
    struct buf whole = BUF_INIT, other = BUF_INIT;
    decode_pieces(&whole, in, len, NULL, 0, max_pairs, max_bytes);
    CU_ASSERT(text_equal(buf_slice(&whole), want, strlen(want)));
    size_t *cuts = pieces_every_byte(len);
    decode_pieces(&other, in, len, cuts, len, max_pairs, max_bytes);
    CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole), buf_size(&whole)));
    free(cuts);
    for (size_t split = 0; split <= len; split++) {
        buf_clear(&other);
        decode_pieces(&other, in, len, &split, 1, max_pairs, max_bytes);
        CU_ASSERT(text_equal(buf_slice(&other), (const char *)buf_data(&whole),
                             buf_size(&whole)));
    }
    buf_free(&whole);
    buf_free(&other);
}

static void expect(const char *in, const char *want)
{
    expect_limited(in, want, 100, 4096);
}

static void test_rules(void)
{
    expect("", "");
    expect("a=1", "a=1;");
    expect("a=1&b=2&a=3", "a=1;b=2;a=3;");      /* order and repeats kept */
    expect("name=Bob+Smith&q=%22a%5Cb%22", "name=Bob Smith;q=\"a\\x5cb\";");
    expect("x&y=", "x=;y=;");                    /* no '=': empty value */
    expect("&&a=1&&", "a=1;");                   /* empty pairs skipped */
    expect("=v&=", "=v;=;");
    expect("a=b=c", "a=b=c;");                   /* the name ends at the first '=' */
    expect("k%3Dx=v%26w", "k=x=v&w;");           /* encoded separators are data */
    expect("%41%4a%4A%7e", "AJJ~=;");
    expect("p=%zz%4%", "p=%zz%4%;");             /* bad escapes stay as written */
    expect("p=%%41", "p=%A;");
    expect("p=100%", "p=100%;");
    expect("n=%00%FF%c3%a9", "n=\\x00\\xff\\xc3\\xa9;");
    expect("a=1;b=2", "a=1;b=2;");               /* ';' is no separator */
    expect("%26=%3D", "&==;");
}

static void test_limits(void)
{
    expect_limited("a=1&b=2&c=3", "a=1;b=2;ERROR: too many form fields", 2, 4096);
    expect_limited("a=1&b=2", "a=1;b=2;", 2, 4096);
    expect_limited("name=0123456789", "ERROR: form fields too large", 10, 8);
    expect_limited("ab=cd&ef=gh", "ab=cd;ERROR: form fields too large", 10, 6);
}

void suite_form(void)
{
    static const CU_TestInfo tests[] = {
        {"decoding rules, whole and split", test_rules},
        {"limits", test_limits},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("form", tests);
}
