/* test_fcgi_params.c - FastCGI name-value pair decoder and encoder.
 * fcgi-lisp, MIT licence.
 *
 * Golden bytes follow the FastCGI 1.0 specification, section 3.4: a length
 * is one byte below 128, else four bytes big-endian with the high bit set;
 * both lengths come first, then the name, then the value. Every fixture is
 * fed whole, byte by byte and split at every index, each piece from a heap
 * copy of exactly its size; the pairs, the outcome and the bytes consumed
 * must be identical. Pairs inside one feed must borrow from the input. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/pieces.h"
#include "buf.h"
#include "fcgi_params.h"
#include "unit.h"

/* ------------------------------------------------------------------------ */
/* Decoder driver                                                            */
/* ------------------------------------------------------------------------ */

enum outcome { END_OK, END_CUT, END_ERROR };

struct run {
    struct buf desc;      /* "[name]=[value]\n" per pair, then "ok", "cut" or "error" */
    enum outcome end;
    size_t consumed;      /* input bytes consumed */
    size_t pairs;
    size_t biggest;       /* the largest name + value handed out */
    size_t scratch_cap;   /* the largest scratch allocation seen */
    bool scratch_used;    /* some pair was handed out from scratch */
};

/* Adds one pair to the run's description. */
static void run_pair(void *user, const struct fcgi_pair *pair, size_t at)
{
    struct run *r = user;
    (void)at;
    buf_append_byte(&r->desc, '[');
    describe_bytes(&r->desc, pair->name.ptr, pair->name.len);
    buf_append_str(&r->desc, "]=[");
    describe_bytes(&r->desc, pair->value.ptr, pair->value.len);
    buf_append_str(&r->desc, "]\n");
    r->pairs++;
    if (pair->name.len + pair->value.len > r->biggest)
        r->biggest = pair->name.len + pair->value.len;
}

/* Feeds input in pieces ending at cuts[] (increasing), each from a heap copy
 * of exactly its size; at the end calls fcgi_params_finish. */
static void run_pieces(struct run *r, const uint8_t *input, size_t len, const size_t *cuts,
                       size_t ncuts, size_t max_pair)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->desc);
    struct pieces_params f = {.on_pair = run_pair, .user = r};
    const struct pieces_parser pp = pieces_params_start(&f, max_pair, unit_check);
    enum parse_rc rc = pieces_feed(&pp, input, len, cuts, ncuts, &r->consumed);
    r->scratch_cap = f.scratch_cap;
    r->scratch_used = f.scratch_used;
    if (rc == PARSE_ERROR) {
        r->end = END_ERROR;
        CU_ASSERT(fcgi_params_finish(&f.d) == -1);
        CU_ASSERT(f.d.err != NULL);
    } else if (fcgi_params_finish(&f.d) == 0) {
        r->end = END_OK;
        CU_ASSERT(f.d.err == NULL);
        CU_ASSERT(r->consumed == len);
        /* the scratch is sized by the pairs it gathered, not by the limit */
        CU_ASSERT(r->scratch_cap <= (r->biggest > 64 ? 2 * r->biggest : 64));
    } else {
        r->end = END_CUT;
        CU_ASSERT(f.d.err != NULL);
        CU_ASSERT(r->consumed == len);
    }
    static const char *const names[] = {"ok\n", "cut\n", "error\n"};
    buf_append_str(&r->desc, names[r->end]);
    fcgi_params_free(&f.d);
    CU_ASSERT(f.d.scratch.ptr == NULL);
}

static bool runs_agree(const struct run *a, const struct run *b, const char *how, size_t at)
{
    bool same = buf_size(&a->desc) == buf_size(&b->desc)
                && memcmp(buf_data(&a->desc), buf_data(&b->desc), buf_size(&a->desc)) == 0
                && a->end == b->end && a->consumed == b->consumed && a->pairs == b->pairs;
    if (!same)
        fprintf(stderr, "\n%s %zu: consumed %zu/%zu\n--- whole\n%.*s--- split\n%.*s", how, at,
                a->consumed, b->consumed, (int)buf_size(&a->desc), (const char *)buf_data(&a->desc),
                (int)buf_size(&b->desc), (const char *)buf_data(&b->desc));
    return same;
}

/* Decodes input whole, byte by byte and split at every `step`-th index;
 * all runs must agree. Returns the whole run (caller frees desc). */
static struct run decode_everyway(const uint8_t *input, size_t len, size_t max_pair, size_t step)
{
    struct run whole, other;
    run_pieces(&whole, input, len, NULL, 0, max_pair);
    /* fed whole, nothing straddles, so nothing is copied (only a pair cut
     * by the end of the input is gathered) */
    CU_ASSERT(!whole.scratch_used);
    if (whole.end != END_CUT)
        CU_ASSERT(whole.scratch_cap == 0);

    size_t *cuts = pieces_every_byte(len);
    CU_ASSERT_FATAL(cuts != NULL);
    run_pieces(&other, input, len, cuts, len, max_pair);
    CU_ASSERT(runs_agree(&whole, &other, "byte by byte", 0));
    buf_free(&other.desc);
    free(cuts);

    for (size_t split = 0; split <= len; split += step) {
        run_pieces(&other, input, len, &split, 1, max_pair);
        CU_ASSERT(runs_agree(&whole, &other, "split at", split));
        buf_free(&other.desc);
    }
    return whole;
}

#define BIG_MAX ((size_t)1 << 20)

/* Appends n bytes cycling through the `period` values from `first` on. */
static void append_cycle(struct buf *b, size_t n, char first, size_t period)
{
    for (size_t i = 0; i < n; i++)
        buf_append_byte(b, (uint8_t)(first + i % period));
}

static void expect_pairs(const uint8_t *input, size_t len, size_t max_pair, const char *want,
                         size_t want_len)
{
    struct run r = decode_everyway(input, len, max_pair, 1);
    CU_ASSERT(text_equal(buf_slice(&r.desc), want, want_len));
    buf_free(&r.desc);
}

#define EXPECT_PAIRS(lit, max_pair, want)                                                  \
    expect_pairs((const uint8_t *)(lit), sizeof(lit) - 1, (max_pair), (want), sizeof(want) - 1)

/* ------------------------------------------------------------------------ */
/* Decoder tests                                                             */
/* ------------------------------------------------------------------------ */

static void test_one_byte_lengths(void)
{
    /* nginx's PARAMS content: pairs back to back, empty values included */
    EXPECT_PAIRS("\x0b\x04" "SCRIPT_NAME" "/app"
                 "\x0e\x03" "REQUEST_METHOD" "GET"
                 "\x0c\x00" "QUERY_STRING"
                 "\x0e\x00" "CONTENT_LENGTH"
                 "\x09\x09" "HTTP_HOST" "localhost",
                 BIG_MAX,
                 "[SCRIPT_NAME]=[/app]\n[REQUEST_METHOD]=[GET]\n[QUERY_STRING]=[]\n"
                 "[CONTENT_LENGTH]=[]\n[HTTP_HOST]=[localhost]\nok\n");
    /* GET_VALUES: names with empty values */
    EXPECT_PAIRS("\x0e\x00" "FCGI_MAX_CONNS"
                 "\x0d\x00" "FCGI_MAX_REQS"
                 "\x0f\x00" "FCGI_MPXS_CONNS",
                 BIG_MAX, "[FCGI_MAX_CONNS]=[]\n[FCGI_MAX_REQS]=[]\n[FCGI_MPXS_CONNS]=[]\nok\n");
    /* bytes are bytes: NUL, CR, LF, 0xff */
    EXPECT_PAIRS("\x03\x02" "a\x00" "b" "\r\n", BIG_MAX, "[a\\x00b]=[\\x0d\\x0a]\nok\n");
    EXPECT_PAIRS("\x01\x01" "\xff" "\x80", BIG_MAX, "[\\xff]=[\\x80]\nok\n");
}

/* The 4-byte form, also for lengths below 128 (h2o before 41c61d7 sent 127
 * that way); the high bit of byte 0 is the marker, not part of the length. */
static void test_four_byte_lengths(void)
{
    EXPECT_PAIRS("\x80\x00\x00\x03" "\x01" "abc" "x", BIG_MAX, "[abc]=[x]\nok\n");
    EXPECT_PAIRS("\x01" "\x80\x00\x00\x02" "k" "vv", BIG_MAX, "[k]=[vv]\nok\n");
    EXPECT_PAIRS("\x80\x00\x00\x00" "\x80\x00\x00\x00", BIG_MAX, "[]=[]\nok\n");
    EXPECT_PAIRS("\x80\x00\x00\x01" "\x80\x00\x00\x01" "N" "V"
                 "\x01\x01" "n" "v",
                 BIG_MAX, "[N]=[V]\n[n]=[v]\nok\n");

    /* 127 in one byte, 128 in four */
    struct buf in = BUF_INIT, want = BUF_INIT;
    buf_append(&in, "\x7f\x80\x00\x00\x80", 5);
    append_cycle(&in, 127, 'A', 26);
    append_cycle(&in, 128, 'a', 26);
    buf_append_byte(&want, '[');
    append_cycle(&want, 127, 'A', 26);
    buf_append_str(&want, "]=[");
    append_cycle(&want, 128, 'a', 26);
    buf_append_str(&want, "]\nok\n");
    expect_pairs(buf_data(&in), buf_size(&in), BIG_MAX, (const char *)buf_data(&want),
                 buf_size(&want));
    buf_free(&in);
    buf_free(&want);
}

/* A 128-byte value (the first length that needs four bytes) after a header
 * name, and a 100 KiB cookie. */
static void test_long_values(void)
{
    struct buf in = BUF_INIT, want = BUF_INIT;
    buf_append(&in, "\x04\x80\x00\x00\x80" "HTTP", 9);
    append_cycle(&in, 128, '0', 10);
    buf_append_str(&want, "[HTTP]=[");
    append_cycle(&want, 128, '0', 10);
    buf_append_str(&want, "]\nok\n");
    expect_pairs(buf_data(&in), buf_size(&in), BIG_MAX, (const char *)buf_data(&want),
                 buf_size(&want));
    buf_clear(&in);
    buf_clear(&want);

    const size_t big = 100 * 1024;
    buf_append(&in, "\x0b\x80\x01\x90\x00" "HTTP_COOKIE", 16);
    append_cycle(&in, big, 'a', 26);
    buf_append(&in, "\x01\x01" "z" "!", 4);
    buf_append_str(&want, "[HTTP_COOKIE]=[");
    append_cycle(&want, big, 'a', 26);
    buf_append_str(&want, "]\n[z]=[!]\nok\n");
    struct run r = decode_everyway(buf_data(&in), buf_size(&in), BIG_MAX, 1021);
    CU_ASSERT(text_equal(buf_slice(&r.desc), (const char *)buf_data(&want), buf_size(&want)));
    buf_free(&r.desc);
    /* split inside the value: it is assembled in scratch, bounded by the pair */
    size_t cut = 5000;
    struct run s;
    run_pieces(&s, buf_data(&in), buf_size(&in), &cut, 1, BIG_MAX);
    CU_ASSERT(s.scratch_used);
    CU_ASSERT(s.scratch_cap >= 11 + big && s.scratch_cap <= 2 * (11 + big));
    CU_ASSERT(text_equal(buf_slice(&s.desc), (const char *)buf_data(&want), buf_size(&want)));
    buf_free(&s.desc);
    /* exactly at the limit is fine, one byte under is not */
    struct run at_limit;
    run_pieces(&at_limit, buf_data(&in), buf_size(&in), &cut, 1, 11 + big);
    CU_ASSERT(at_limit.end == END_OK && at_limit.pairs == 2);
    buf_free(&at_limit.desc);
    struct run over;
    run_pieces(&over, buf_data(&in), buf_size(&in), &cut, 1, 11 + big - 1);
    CU_ASSERT(over.end == END_ERROR && over.pairs == 0 && over.scratch_cap == 0);
    buf_free(&over.desc);
    buf_free(&in);
    buf_free(&want);
}

/* Empty names and values are legal (httpd PR 60275 crashed on them). */
static void test_empty_name_value(void)
{
    EXPECT_PAIRS("\x00\x00"
                 "\x00\x03" "abc"
                 "\x03\x00" "abc"
                 "\x00\x00",
                 BIG_MAX, "[]=[]\n[]=[abc]\n[abc]=[]\n[]=[]\nok\n");
    EXPECT_PAIRS("\x00\x00", 0, "[]=[]\nok\n");
}

/* Names need not be unique; both come out, in order (nginx 1.22 sends a
 * repeated header as repeated params). */
static void test_duplicate_names(void)
{
    EXPECT_PAIRS("\x0b\x03" "HTTP_COOKIE" "a=1"
                 "\x08\x01" "HTTP_X_A" "1"
                 "\x0b\x03" "HTTP_COOKIE" "b=2"
                 "\x08\x01" "HTTP_X_A" "2",
                 BIG_MAX,
                 "[HTTP_COOKIE]=[a=1]\n[HTTP_X_A]=[1]\n[HTTP_COOKIE]=[b=2]\n[HTTP_X_A]=[2]\nok\n");
}

/* Pairs straddling several feeds: three pieces, each cut inside a pair. */
static void test_straddling_feeds(void)
{
    static const char in[] = "\x0e\x03" "REQUEST_METHOD" "GET"
                             "\x80\x00\x00\x0b" "\x04" "SCRIPT_NAME" "/app";
    static const char want[] = "[REQUEST_METHOD]=[GET]\n[SCRIPT_NAME]=[/app]\nok\n";
    size_t len = sizeof(in) - 1;
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b += 3) {
            size_t cuts[2] = {a, b};
            struct run r;
            run_pieces(&r, (const uint8_t *)in, len, cuts, 2, 64);
            CU_ASSERT(text_equal(buf_slice(&r.desc), want, sizeof(want) - 1));
            CU_ASSERT(r.scratch_cap <= 128);
            buf_free(&r.desc);
        }
    }
}

static void test_max_pair(void)
{
    /* name + value = 10 fits a limit of 10; 11 does not; the pairs before
     * the bad one still come out */
    EXPECT_PAIRS("\x04\x06" "NAME" "123456", 10, "[NAME]=[123456]\nok\n");
    EXPECT_PAIRS("\x01\x01" "a" "b"
                 "\x04\x07" "NAME" "1234567",
                 10, "[a]=[b]\nerror\n");
    EXPECT_PAIRS("\x01\x00" "a", 0, "error\n");
    /* lengths at the 31-bit limit: PARSE_ERROR before anything is allocated */
    static const struct {
        const char *bytes;
        size_t len;
    } huge[] = {
        {"\xff\xff\xff\xff" "\x00", 5},
        {"\x00" "\xff\xff\xff\xff", 5},
        {"\xff\xff\xff\xff" "\xff\xff\xff\xff", 8},
        {"\x80\x01\x00\x00" "\x00" "xxxx", 9}, /* 65536 + 0 */
        {"\x80\x00\x80\x00" "\x80\x00\x80\x01" "xxxx", 12}, /* 32768 + 32769 */
    };
    for (size_t i = 0; i < NELEMS(huge); i++) {
        struct run r = decode_everyway((const uint8_t *)huge[i].bytes, huge[i].len, 65535, 1);
        CU_ASSERT(text_equal(buf_slice(&r.desc), "error\n", 6));
        CU_ASSERT(r.scratch_cap == 0);
        buf_free(&r.desc);
        /* nor when the lengths arrive in pieces */
        for (size_t split = 0; split <= huge[i].len; split++) {
            run_pieces(&r, (const uint8_t *)huge[i].bytes, huge[i].len, &split, 1, 65535);
            CU_ASSERT(r.end == END_ERROR && r.scratch_cap == 0);
            buf_free(&r.desc);
        }
    }
    /* 32768 + 32768 is within 65536: accepted, then cut short at the end */
    struct run r = decode_everyway((const uint8_t *)"\x80\x00\x80\x00" "\x80\x00\x80\x00" "xx", 10,
                                   65536, 1);
    CU_ASSERT(text_equal(buf_slice(&r.desc), "cut\n", 4));
    buf_free(&r.desc);
}

static void test_finish(void)
{
    EXPECT_PAIRS("", BIG_MAX, "ok\n");
    EXPECT_PAIRS("\x01\x01" "a" "b", BIG_MAX, "[a]=[b]\nok\n");
    /* cut inside a 4-byte length, after a length, inside the body */
    EXPECT_PAIRS("\x80", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x80\x00\x00", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x03", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x03\x80\x00", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x03\x01", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x03\x01" "ab", BIG_MAX, "cut\n");
    EXPECT_PAIRS("\x01\x01" "a" "b" "\x03\x01" "abc", BIG_MAX, "[a]=[b]\ncut\n");
    /* an empty value at the very end is complete */
    EXPECT_PAIRS("\x03\x00" "abc", BIG_MAX, "[abc]=[]\nok\n");
}

/* fcgi_params_free releases the scratch; it may be called again; a decoder
 * that never allocated frees fine. LeakSanitizer checks the rest. */
static void test_free(void)
{
    struct fcgi_params_decoder d;
    fcgi_params_init(&d, 1024);
    fcgi_params_free(&d);
    fcgi_params_free(&d);

    /* a pair assembled in scratch, then an error with the scratch held */
    fcgi_params_init(&d, 1024);
    static const uint8_t in[] = "\x05\x05" "hello" "world" "\x80\x00\x10\x00" "\x01";
    const uint8_t *pos = in;
    struct fcgi_pair pair;
    CU_ASSERT(fcgi_params_feed(&d, &pos, in + 6, &pair) == PARSE_AGAIN);
    CU_ASSERT(fcgi_params_feed(&d, &pos, in + 12, &pair) == PARSE_OK);
    CU_ASSERT(slice_eq(pair.name, "hello") && slice_eq(pair.value, "world"));
    CU_ASSERT(d.scratch.cap > 0);
    CU_ASSERT(fcgi_params_feed(&d, &pos, in + sizeof(in) - 1, &pair) == PARSE_ERROR);
    fcgi_params_free(&d);
    CU_ASSERT(d.scratch.ptr == NULL && d.scratch.cap == 0);
    fcgi_params_free(&d);

    /* freed in the middle of assembling a pair */
    fcgi_params_init(&d, 1024);
    pos = in;
    CU_ASSERT(fcgi_params_feed(&d, &pos, in + 8, &pair) == PARSE_AGAIN);
    CU_ASSERT(d.scratch.cap > 0);
    fcgi_params_free(&d);
    CU_ASSERT(d.scratch.ptr == NULL);
}

/* ------------------------------------------------------------------------ */
/* Encoder                                                                   */
/* ------------------------------------------------------------------------ */

static void test_pair_append(void)
{
    struct buf b = BUF_INIT;
    fcgi_pair_append(&b, "SCRIPT_NAME", 11, "/app", 4);
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), "\x0b\x04" "SCRIPT_NAME" "/app", 17));
    /* appends after what is there */
    fcgi_pair_append(&b, "", 0, "", 0);
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), "\x0b\x04" "SCRIPT_NAME" "/app" "\x00\x00",
                          19));
    buf_clear(&b);
    fcgi_pair_append(&b, "FCGI_MPXS_CONNS", 15, "0", 1);
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), "\x0f\x01" "FCGI_MPXS_CONNS" "0", 18));
    buf_clear(&b);

    /* 127 is the largest 1-byte length, 128 the smallest 4-byte one */
    uint8_t *big = malloc(102400);
    CU_ASSERT_FATAL(big != NULL);
    memset(big, 'v', 102400);
    static const struct {
        size_t name_len, value_len;
        const char *prefix;
        size_t prefix_len;
    } cases[] = {
        {127, 0, "\x7f\x00", 2},
        {0, 127, "\x00\x7f", 2},
        {128, 1, "\x80\x00\x00\x80" "\x01", 5},
        {1, 128, "\x01" "\x80\x00\x00\x80", 5},
        {255, 256, "\x80\x00\x00\xff" "\x80\x00\x01\x00", 8},
        {11, 102400, "\x0b" "\x80\x01\x90\x00", 5},
        {70000, 0, "\x80\x01\x11\x70" "\x00", 5},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        buf_clear(&b);
        fcgi_pair_append(&b, big, cases[i].name_len, big, cases[i].value_len);
        size_t total = cases[i].prefix_len + cases[i].name_len + cases[i].value_len;
        CU_ASSERT_FATAL(buf_size(&b) == total);
        CU_ASSERT(bytes_equal(buf_data(&b), cases[i].prefix_len, cases[i].prefix,
                              cases[i].prefix_len));
        const uint8_t *name = buf_data(&b) + cases[i].prefix_len;
        CU_ASSERT(memcmp(name, big, cases[i].name_len) == 0);
        CU_ASSERT(memcmp(name + cases[i].name_len, big, cases[i].value_len) == 0);
    }
    free(big);
    buf_free(&b);
}

/* What the encoder writes, the decoder reads back, however it is split. */
static void test_round_trip(void)
{
    static const struct {
        const char *name;
        size_t name_len;
        const char *value;
        size_t value_len;
    } pairs[] = {
        {"REQUEST_METHOD", 14, "POST", 4},
        {"", 0, "", 0},
        {"CONTENT_LENGTH", 14, "", 0},
        {"", 0, "orphan", 6},
        {"BIN", 3, "\x00\x01\x80\xff", 4},
        {"HTTP_COOKIE", 11, "a=1", 3},
        {"HTTP_COOKIE", 11, "b=2", 3},
        {NULL, 127, NULL, 1},
        {NULL, 128, NULL, 0},
        {NULL, 3, NULL, 200},
    };
    uint8_t filler[256];
    for (size_t i = 0; i < sizeof(filler); i++)
        filler[i] = (uint8_t)(i * 13);
    struct buf enc = BUF_INIT, want = BUF_INIT;
    for (size_t i = 0; i < NELEMS(pairs); i++) {
        struct slice n = {pairs[i].name ? (const uint8_t *)pairs[i].name : filler,
                          pairs[i].name_len};
        struct slice v = {pairs[i].value ? (const uint8_t *)pairs[i].value : filler + 50,
                          pairs[i].value_len};
        fcgi_pair_append(&enc, n.ptr, n.len, v.ptr, v.len);
        buf_append_byte(&want, '[');
        describe_bytes(&want, n.ptr, n.len);
        buf_append_str(&want, "]=[");
        describe_bytes(&want, v.ptr, v.len);
        buf_append_str(&want, "]\n");
    }
    buf_append_str(&want, "ok\n");
    struct run r = decode_everyway(buf_data(&enc), buf_size(&enc), BIG_MAX, 1);
    CU_ASSERT(text_equal(buf_slice(&r.desc), (const char *)buf_data(&want), buf_size(&want)));
    CU_ASSERT(r.pairs == NELEMS(pairs));
    buf_free(&r.desc);
    buf_free(&enc);
    buf_free(&want);
}

void suite_fcgi_params(void)
{
    static const CU_TestInfo tests[] = {
        {"1-byte lengths", test_one_byte_lengths},
        {"4-byte lengths", test_four_byte_lengths},
        {"128-byte and 100 KiB values", test_long_values},
        {"empty name and value", test_empty_name_value},
        {"duplicate names", test_duplicate_names},
        {"pairs straddling feeds", test_straddling_feeds},
        {"max_pair", test_max_pair},
        {"finish", test_finish},
        {"free", test_free},
        {"pair append", test_pair_append},
        {"encode then decode", test_round_trip},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("fcgi_params", tests);
}
