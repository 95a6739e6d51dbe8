/* test_buf.c - the owned byte buffer and borrowed slices.
 * fcgi-lisp, MIT licence.
 *
 * Covers appends (raw, string, byte, printf), consume, reserve (compaction
 * keeps the unconsumed bytes, growth keeps them too), commit after a direct
 * write at the tail, clear, free (also of NULL and twice) and the two slice
 * comparisons. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

/* The struct invariants buf.h states: off <= len <= cap, ptr NULL iff cap 0. */
static void assert_invariants(const struct buf *b)
{
    CU_ASSERT(b->off <= b->len);
    CU_ASSERT(b->len <= b->cap);
    CU_ASSERT((b->ptr == NULL) == (b->cap == 0));
}

static void test_init_empty(void)
{
    struct buf a = BUF_INIT, b;
    buf_init(&b);
    CU_ASSERT(a.ptr == NULL && a.off == 0 && a.len == 0 && a.cap == 0);
    CU_ASSERT(b.ptr == NULL && b.off == 0 && b.len == 0 && b.cap == 0);
    /* buf_data is never NULL, even before the first append */
    CU_ASSERT_PTR_NOT_NULL(buf_data(&b));
    CU_ASSERT(buf_size(&b) == 0);
    struct slice s = buf_slice(&b);
    CU_ASSERT(s.ptr != NULL && s.len == 0);
    /* an empty append allocates nothing */
    buf_append(&b, "x", 0);
    buf_append_str(&b, "");
    CU_ASSERT(b.ptr == NULL && buf_size(&b) == 0);
    buf_free(&b);
}

static void test_append(void)
{
    struct buf b = BUF_INIT;
    buf_append(&b, "ab", 2);
    buf_append_str(&b, "cd");
    buf_append_byte(&b, 'e');
    buf_append_byte(&b, 0);
    buf_append_byte(&b, 0xff);
    ASSERT_BUF_BYTES(&b, "abcde\0\xff");
    assert_invariants(&b);

    /* growth past the first allocation keeps every byte, in order */
    struct buf big = BUF_INIT;
    uint8_t *want = malloc(100000);
    CU_ASSERT_FATAL(want != NULL);
    for (size_t i = 0; i < 100000; i++)
        want[i] = (uint8_t)(i * 7 + i / 251);
    for (size_t i = 0; i < 100000;) {
        size_t n = i % 13 + 1 < 100000 - i ? i % 13 + 1 : 100000 - i;
        buf_append(&big, want + i, n);
        i += n;
        assert_invariants(&big);
    }
    CU_ASSERT(bytes_equal(buf_data(&big), buf_size(&big), want, 100000));
    free(want);
    buf_free(&big);
    buf_free(&b);
}

static void wrap_vprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void wrap_vprintf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void test_printf(void)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, "%d-%s-%03u", -12, "x", 7u);
    ASSERT_BUF_BYTES(&b, "-12-x-007");
    /* appends after what is there; no NUL is counted */
    buf_printf(&b, "[%c]", 'z');
    ASSERT_BUF_BYTES(&b, "-12-x-007[z]");
    /* an empty result appends nothing */
    buf_printf(&b, "%s", "");
    ASSERT_BUF_BYTES(&b, "-12-x-007[z]");
    wrap_vprintf(&b, "%zu", (size_t)42);
    ASSERT_BUF_BYTES(&b, "-12-x-007[z]42");
    assert_invariants(&b);

    /* a result larger than the whole current allocation */
    buf_clear(&b);
    buf_printf(&b, "%0300d|", 5);
    char wide[301];
    memset(wide, '0', 299);
    wide[299] = '5';
    wide[300] = '|';
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), wide, sizeof(wide)));
    assert_invariants(&b);

    /* after a consume, printf still appends at the end of the data */
    buf_clear(&b);
    buf_append_str(&b, "0123456789");
    buf_consume(&b, 4);
    buf_printf(&b, "%s", "ab");
    ASSERT_BUF_BYTES(&b, "456789ab");
    buf_free(&b);
}

static void test_consume(void)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "hello world");
    buf_consume(&b, 0);
    ASSERT_BUF_BYTES(&b, "hello world");
    buf_consume(&b, 6);
    ASSERT_BUF_BYTES(&b, "world");
    CU_ASSERT(b.off == 6);
    buf_consume(&b, 2);
    ASSERT_BUF_BYTES(&b, "rld");
    /* consuming everything makes the whole allocation free again */
    uint8_t *ptr = b.ptr;
    size_t cap = b.cap;
    buf_consume(&b, 3);
    CU_ASSERT(buf_size(&b) == 0);
    CU_ASSERT(b.off == 0 && b.len == 0);
    CU_ASSERT(b.ptr == ptr && b.cap == cap);
    buf_append_str(&b, "again");
    ASSERT_BUF_BYTES(&b, "again");
    assert_invariants(&b);
    buf_free(&b);
}

/* The read-parse-consume pattern: reserve moves the unconsumed bytes to the
 * front instead of growing when the consumed space is enough. */
static void test_reserve_compacts(void)
{
    struct buf b = BUF_INIT;
    uint8_t block[64];
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] = (uint8_t)('A' + i % 26);
    buf_append(&b, block, sizeof(block));
    size_t cap = b.cap;
    CU_ASSERT_FATAL(cap >= 64);
    /* fill exactly to capacity, then consume all but the last 4 bytes */
    if (cap > 64) {
        uint8_t *fill = calloc(1, cap - 64);
        CU_ASSERT_FATAL(fill != NULL);
        buf_append(&b, fill, cap - 64);
        free(fill);
    }
    CU_ASSERT(b.len == cap);
    uint8_t tail[4];
    memcpy(tail, b.ptr + cap - 4, 4);
    buf_consume(&b, cap - 4);
    CU_ASSERT(buf_size(&b) == 4);

    uint8_t *ptr = b.ptr;
    buf_reserve(&b, cap - 4);
    CU_ASSERT(b.cap == cap);           /* no growth: the consumed space sufficed */
    CU_ASSERT(b.ptr == ptr);           /* no reallocation */
    CU_ASSERT(b.off == 0 && b.len == 4);
    /* the unconsumed bytes survive the move */
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), tail, 4));
    CU_ASSERT(buf_space(&b) >= cap - 4);
    assert_invariants(&b);
    buf_free(&b);
}

/* When compaction is not enough, reserve grows and still keeps the bytes. */
static void test_reserve_grows(void)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "0123456789abcdefghij");
    buf_consume(&b, 10);
    buf_reserve(&b, 5000);
    CU_ASSERT(buf_space(&b) >= 5000);
    ASSERT_BUF_BYTES(&b, "abcdefghij");
    assert_invariants(&b);
    /* reserving what is already there changes nothing */
    uint8_t *ptr = b.ptr;
    size_t cap = b.cap, off = b.off, len = b.len;
    buf_reserve(&b, 0);
    buf_reserve(&b, buf_space(&b));
    CU_ASSERT(b.ptr == ptr && b.cap == cap && b.off == off && b.len == len);
    buf_free(&b);

    /* reserve on an empty buffer allocates */
    buf_reserve(&b, 1);
    CU_ASSERT(b.ptr != NULL && buf_space(&b) >= 1 && buf_size(&b) == 0);
    buf_free(&b);
}

/* A direct write at the tail (as read(2) into the buffer does). */
static void test_commit(void)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "head:");
    buf_reserve(&b, 6);
    CU_ASSERT_FATAL(buf_space(&b) >= 6);
    memcpy(buf_tail(&b), "direct", 6);
    /* nothing is visible before the commit */
    ASSERT_BUF_BYTES(&b, "head:");
    buf_commit(&b, 6);
    ASSERT_BUF_BYTES(&b, "head:direct");
    /* commit 0 is a no-op */
    buf_reserve(&b, 1);
    buf_commit(&b, 0);
    ASSERT_BUF_BYTES(&b, "head:direct");
    /* reserve after a consume: the tail is after the kept bytes */
    buf_consume(&b, 5);
    buf_reserve(&b, 3);
    memcpy(buf_tail(&b), "!!!", 3);
    buf_commit(&b, 3);
    ASSERT_BUF_BYTES(&b, "direct!!!");
    assert_invariants(&b);
    buf_free(&b);
}

static void test_clear_free(void)
{
    struct buf b = BUF_INIT;
    buf_append_str(&b, "some data");
    buf_consume(&b, 2);
    uint8_t *ptr = b.ptr;
    size_t cap = b.cap;
    buf_clear(&b);
    CU_ASSERT(buf_size(&b) == 0 && b.off == 0 && b.len == 0);
    CU_ASSERT(b.ptr == ptr && b.cap == cap); /* the memory is kept */
    buf_append_str(&b, "x");
    ASSERT_BUF_BYTES(&b, "x");
    CU_ASSERT(b.ptr == ptr);

    buf_free(&b);
    CU_ASSERT(b.ptr == NULL && b.off == 0 && b.len == 0 && b.cap == 0);
    buf_free(&b); /* twice is fine */
    buf_free(NULL);
    /* usable again after free */
    buf_append_str(&b, "y");
    ASSERT_BUF_BYTES(&b, "y");
    buf_free(&b);
    /* clear on a never-used buffer */
    buf_clear(&b);
    CU_ASSERT(b.ptr == NULL && buf_size(&b) == 0);
}

static void test_slice_eq(void)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *str;
        bool eq, eq_nocase;
    } cases[] = {
        {"abc", 3, "abc", true, true},
        {"abc", 3, "ABC", false, true},
        {"Content-Type", 12, "content-type", false, true},
        {"abc", 3, "abcd", false, false},
        {"abcd", 4, "abc", false, false},
        {"abc", 2, "ab", true, true},  /* only len bytes count */
        {"ab\0", 3, "ab", false, false}, /* an embedded NUL is a byte */
        {"", 0, "", true, true},
        {"x", 0, "", true, true},
        {"", 0, "a", false, false},
        /* only ASCII letters fold: '@' vs '`', '[' vs '{', '^' vs '~' differ by 0x20 */
        {"@[^", 3, "`{~", false, false},
        {"\xc4", 1, "\xe4", false, false},
        {"Z", 1, "z", false, true},
        {"a1-_", 4, "A1-_", false, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct slice s = {(const uint8_t *)cases[i].bytes, cases[i].len};
        CU_ASSERT(slice_eq(s, cases[i].str) == cases[i].eq);
        CU_ASSERT(slice_eq_nocase(s, cases[i].str) == cases[i].eq_nocase);
    }
    struct slice lit = SLICE_STR("lit\0eral");
    CU_ASSERT(lit.len == 8);
    CU_ASSERT(!slice_eq(lit, "lit"));
    /* a slice of an empty buffer compares equal to "" */
    struct buf b = BUF_INIT;
    CU_ASSERT(slice_eq(buf_slice(&b), ""));
    CU_ASSERT(slice_eq_nocase(buf_slice(&b), ""));
    buf_append_str(&b, "Keep-Socket");
    CU_ASSERT(slice_eq_nocase(buf_slice(&b), "keep-socket"));
    CU_ASSERT(!slice_eq(buf_slice(&b), "keep-socket"));
    buf_free(&b);
}

/* slice_is_one_line guards both line-framed outputs (mod_lisp, CGI head). */
static void test_slice_is_one_line(void)
{
    static const struct {
        const char *p;
        size_t len;
        bool one_line;
    } cases[] = {
        {"", 0, true},
        {"text/html; charset=utf-8", 24, true},
        {"\t tab and \x7f and \xff are bytes like others", 39, true},
        {"a\nb", 3, false},
        {"a\rb", 3, false},
        {"a\0b", 3, false},
        {"end\n", 4, false},
        {"\r", 1, false},
        {"ok\n", 2, true}, /* only len bytes count */
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        struct slice s = {(const uint8_t *)cases[i].p, cases[i].len};
        CU_ASSERT(slice_is_one_line(s) == cases[i].one_line);
    }
    /* each forbidden byte at every offset and in every length around the
     * eight-byte steps, next to bytes that differ from it by one bit */
    static const uint8_t bad[] = {'\n', '\r', '\0'};
    for (size_t len = 1; len <= 40; len++) {
        uint8_t buf[40];
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)("\x0b\x0c\x0e\x01\x8a\x8d\x80 x"[i % 9]);
        CU_ASSERT(slice_is_one_line((struct slice){buf, len}));
        for (size_t b = 0; b < NELEMS(bad); b++) {
            for (size_t at = 0; at < len; at++) {
                uint8_t keep = buf[at];
                buf[at] = bad[b];
                CU_ASSERT(!slice_is_one_line((struct slice){buf, len}));
                CU_ASSERT(slice_is_one_line((struct slice){buf, at}));
                buf[at] = keep;
            }
        }
    }
}

static void test_append_u64(void)
{
    static const struct {
        uint64_t v;
        const char *text;
    } cases[] = {
        {0, "0"}, {7, "7"}, {10, "10"}, {65535, "65535"}, {1073741824, "1073741824"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < NELEMS(cases); i++) {
        char digits[20];
        size_t n = u64_decimal(digits, cases[i].v);
        CU_ASSERT(n == strlen(cases[i].text) && memcmp(digits, cases[i].text, n) == 0);
        struct buf b = BUF_INIT;
        buf_append_str(&b, "x");
        buf_append_u64(&b, cases[i].v);
        CU_ASSERT(buf_size(&b) == n + 1 && memcmp(buf_data(&b) + 1, cases[i].text, n) == 0);
        buf_free(&b);
    }
}

void suite_buf(void)
{
    static const CU_TestInfo tests[] = {
        {"init and empty", test_init_empty},
        {"append", test_append},
        {"printf", test_printf},
        {"consume", test_consume},
        {"reserve compacts", test_reserve_compacts},
        {"reserve grows", test_reserve_grows},
        {"commit", test_commit},
        {"clear and free", test_clear_free},
        {"slice_eq and slice_eq_nocase", test_slice_eq},
        {"slice_is_one_line", test_slice_is_one_line},
        {"u64_decimal and buf_append_u64", test_append_u64},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("buf", tests);
}
