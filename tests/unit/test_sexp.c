/* test_sexp.c - strings and names for the Lisp reader: the escaping table,
 * plain and quoted names, UTF-8 kept or replaced.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <string.h>

#include "sexp.h"
#include "unit.h"

static void expect_string(const char *in, size_t len, const char *want)
{
    struct buf b = BUF_INIT;
    sexp_string_append(&b, (struct slice){(const uint8_t *)in, len});
    CU_ASSERT(text_equal(buf_slice(&b), want, strlen(want)));
    buf_free(&b);
}

#define EXPECT_STRING(in, want) expect_string((in), sizeof(in) - 1, (want))

static void test_strings(void)
{
    EXPECT_STRING("", "\"\"");
    EXPECT_STRING("hello", "\"hello\"");
    EXPECT_STRING("a\"b", "\"a\\\"b\"");
    EXPECT_STRING("a\\b", "\"a\\\\b\"");
    EXPECT_STRING("\"a\\b\"", "\"\\\"a\\\\b\\\"\"");
    /* nothing else is special inside a Lisp string */
    EXPECT_STRING("x\"))(user (name \"admin\"))((", "\"x\\\"))(user (name \\\"admin\\\"))((\"");
    EXPECT_STRING("#.(run)|;'`,", "\"#.(run)|;'`,\"");
    EXPECT_STRING("line\r\nnext\ttab", "\"line\r\nnext\ttab\"");
    /* UTF-8 stays; what is not UTF-8 becomes U+FFFD */
    EXPECT_STRING("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    EXPECT_STRING("\xff", "\"\xef\xbf\xbd\"");
    EXPECT_STRING("\xc3", "\"\xef\xbf\xbd\"");                   /* cut short */
    EXPECT_STRING("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");   /* overlong '/' */
    EXPECT_STRING("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    EXPECT_STRING("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    EXPECT_STRING("\xe2\x82\"", "\"\xef\xbf\xbd\xef\xbf\xbd\\\"\""); /* a quote ends no sequence */
}

/* A NUL inside: the string is one atom with the NUL in it. */
static void test_string_nul(void)
{
    struct buf b = BUF_INIT;
    sexp_string_append(&b, (struct slice){(const uint8_t *)"a\0b", 3});
    CU_ASSERT(bytes_equal(buf_data(&b), buf_size(&b), "\"a\0b\"", 5));
    buf_free(&b);
}

static void expect_name(const char *prefix, const char *in, size_t len, const char *want)
{
    struct buf b = BUF_INIT;
    sexp_name_append(&b, prefix, "", (struct slice){(const uint8_t *)in, len});
    CU_ASSERT(text_equal(buf_slice(&b), want, strlen(want)));
    buf_free(&b);
}

#define EXPECT_NAME(prefix, in, want) expect_name((prefix), (in), sizeof(in) - 1, (want))

static void test_names(void)
{
    /* plain: read (and upcased) as Lisplets code expects */
    EXPECT_NAME(":", "Accept-Language", ":Accept-Language");
    EXPECT_NAME("", "x", "x");
    EXPECT_NAME(":", "org.eclipse.jetty.server.Executor", ":org.eclipse.jetty.server.Executor");
    EXPECT_NAME(":", "user_id2", ":user_id2");
    /* anything else between bars: one symbol, whatever it holds */
    EXPECT_NAME(":", "x))(user (name \"admin\"))((y", ":|x))(user (name \"admin\"))((y|");
    EXPECT_NAME(":", "#.(run)", ":|#.(run)|");
    EXPECT_NAME("", "a|b\\c", "|a\\|b\\\\c|");
    EXPECT_NAME(":", "", ":||");
    EXPECT_NAME(":", "1x", ":|1x|");       /* would be a number without a prefix */
    EXPECT_NAME("", "123", "|123|");
    EXPECT_NAME("", "...", "|...|");       /* a token of dots is a reader error */
    EXPECT_NAME("", "pkg:sym", "|pkg:sym|"); /* a package marker */
    EXPECT_NAME("", "it's", "|it's|");
    EXPECT_NAME("", "a b", "|a b|");
    EXPECT_NAME("", "_x", "|_x|");
    EXPECT_NAME("", "caf\xc3\xa9", "|caf\xc3\xa9|");
    EXPECT_NAME("", "\xff", "|\xef\xbf\xbd|");
    /* 64 bytes are plain, 65 are not */
    char n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = '\0';
    memset(n65, 'a', 65);
    n65[65] = '\0';
    CU_ASSERT_TRUE(sexp_name_is_plain((struct slice){(const uint8_t *)n64, 64}));
    CU_ASSERT_FALSE(sexp_name_is_plain((struct slice){(const uint8_t *)n65, 65}));
    /* the suffix follows the name */
    struct buf b = BUF_INIT;
    sexp_name_append(&b, "lisp-", "-tag", SLICE_STR("Host"));
    ASSERT_BUF_TEXT(&b, "lisp-Host-tag");
    buf_free(&b);
}

static void test_tags(void)
{
    CU_ASSERT_TRUE(sexp_tag_ok("", true));
    CU_ASSERT_TRUE(sexp_tag_ok(":", true));
    CU_ASSERT_TRUE(sexp_tag_ok("lisp-", true));
    CU_ASSERT_TRUE(sexp_tag_ok("-x", false));
    CU_ASSERT_FALSE(sexp_tag_ok(":", false));     /* a suffix ':' is a package marker */
    CU_ASSERT_FALSE(sexp_tag_ok("::", true));
    CU_ASSERT_FALSE(sexp_tag_ok("#.", true));
    CU_ASSERT_FALSE(sexp_tag_ok("(", true));
    CU_ASSERT_FALSE(sexp_tag_ok("a b", false));
    CU_ASSERT_FALSE(sexp_tag_ok("|", false));
}

void suite_sexp(void)
{
    static const CU_TestInfo tests[] = {
        {"strings: the escaping table, UTF-8", test_strings},
        {"strings: a NUL stays inside", test_string_nul},
        {"names: plain or between bars", test_names},
        {"tag prefix and suffix", test_tags},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("sexp", tests);
}
