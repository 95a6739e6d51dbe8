/* test_addr.c - socket addresses as text: parsing, range checks, formatting.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <CUnit/CUnit.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "unit.h"

struct addr_good {
    const char *text;
    int family;
    const char *formatted;
};

static const struct addr_good addr_goods[] = {
    {"unix:/tmp/fcgi.sock", AF_UNIX, "unix:/tmp/fcgi.sock"},
    {"unix:relative/fcgi.sock", AF_UNIX, "unix:relative/fcgi.sock"},
    {"unix:x", AF_UNIX, "unix:x"},
    {"127.0.0.1:3000", AF_INET, "127.0.0.1:3000"},
    {"0.0.0.0:1", AF_INET, "0.0.0.0:1"},
    {"10.1.2.3:65535", AF_INET, "10.1.2.3:65535"},
    {"127.0.0.1:03000", AF_INET, "127.0.0.1:3000"},
    {"[::1]:3000", AF_INET6, "[::1]:3000"},
    {"[::]:9000", AF_INET6, "[::]:9000"},
    {"[2001:db8::17]:80", AF_INET6, "[2001:db8::17]:80"},
    {"[::ffff:192.0.2.1]:8080", AF_INET6, "[::ffff:192.0.2.1]:8080"},
};

static void test_addr_good(void)
{
    for (size_t i = 0; i < sizeof addr_goods / sizeof addr_goods[0]; i++) {
        const struct addr_good *g = &addr_goods[i];
        struct addr a;
        char err[256] = "";
        char out[256];
        int rc = addr_parse(&a, g->text, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "\n%s: %s\n", g->text, err);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(a.family, g->family);
        CU_ASSERT_EQUAL(a.sa.ss_family, g->family);
        addr_format(&a, out, sizeof out);
        CU_ASSERT_STRING_EQUAL(out, g->formatted);
    }
}

/* The port lands in network order, and the lengths are those bind() wants. */
static void test_addr_fields(void)
{
    struct addr a;
    char err[256];
    CU_ASSERT_FATAL(addr_parse(&a, "127.0.0.1:3000", err, sizeof err) == 0);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&a.sa;
    CU_ASSERT_EQUAL(ntohs(in->sin_port), 3000);
    CU_ASSERT_EQUAL(ntohl(in->sin_addr.s_addr), 0x7f000001u);
    CU_ASSERT_EQUAL(a.len, sizeof(struct sockaddr_in));

    CU_ASSERT_FATAL(addr_parse(&a, "[::1]:443", err, sizeof err) == 0);
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a.sa;
    CU_ASSERT_EQUAL(ntohs(in6->sin6_port), 443);
    CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
    CU_ASSERT_EQUAL(a.len, sizeof(struct sockaddr_in6));

    CU_ASSERT_FATAL(addr_parse(&a, "unix:/run/x.sock", err, sizeof err) == 0);
    const struct sockaddr_un *un = (const struct sockaddr_un *)&a.sa;
    CU_ASSERT_STRING_EQUAL(un->sun_path, "/run/x.sock");
    CU_ASSERT_EQUAL(a.len, offsetof(struct sockaddr_un, sun_path) + strlen("/run/x.sock") + 1);
}

/* sun_path holds 107 bytes and the NUL; one more is refused, by length. */
static void test_addr_unix_length(void)
{
    struct sockaddr_un un;
    size_t max = sizeof un.sun_path - 1;
    char text[sizeof un.sun_path + 16];
    char err[256] = "";
    struct addr a;
    strcpy(text, "unix:/");
    memset(text + 6, 'p', max - 1);
    text[6 + max - 1] = '\0';
    CU_ASSERT_EQUAL(strlen(text + 5), max);
    CU_ASSERT_EQUAL(addr_parse(&a, text, err, sizeof err), 0);
    CU_ASSERT_EQUAL(strlen(((const struct sockaddr_un *)&a.sa)->sun_path), max);

    strcat(text, "p");
    CU_ASSERT_EQUAL(addr_parse(&a, text, err, sizeof err), -1);
    char want[64];
    snprintf(want, sizeof want, "%zu bytes long, at most %zu fit", max + 1, max);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

struct addr_bad {
    const char *text;
    const char *reason;   /* must occur in err */
};

static const struct addr_bad addr_bads[] = {
    {"", "empty address"},
    {"unix:", "missing socket path"},
    {"127.0.0.1", "expected unix:/PATH, HOST:PORT or [IPV6]:PORT"},
    {"/tmp/x.sock", "expected unix:/PATH"},
    {"127.0.0.1:", "missing port"},
    {"127.0.0.1:0", "port 0 is out of range (1..65535)"},
    {"127.0.0.1:65536", "port 65536 is out of range"},
    {"127.0.0.1:99999999999999999999999", "out of range"},
    {"127.0.0.1:+80", "port \"+80\" is not a decimal number"},
    {"127.0.0.1:-1", "not a decimal number"},
    {"127.0.0.1:80x", "not a decimal number"},
    {"127.0.0.1: 80", "not a decimal number"},
    {"127.0.0.1:0x50", "not a decimal number"},
    {":80", "missing host"},
    {"::1:80", "must be in brackets"},
    {"[::1]", "expected \":PORT\" after \"]\""},
    {"[::1]80", "expected \":PORT\""},
    {"[::1:80", "missing ']'"},
    {"[]:80", "missing host"},
    {"[127.0.0.1]:80", "\"127.0.0.1\" is not an IPv6 address"},
    {"[zz::1]:80", "not an IPv6 address"},
    {"[::1]:0", "out of range"},
    {"127.0.0.1 :80", "\"127.0.0.1 \" is not a host name or IPv4 address"},
    {"host/x:80", "is not a host name"},
    {"no-such-host.invalid:80", "cannot resolve host \"no-such-host.invalid\""},
};

static void test_addr_bad(void)
{
    for (size_t i = 0; i < sizeof addr_bads / sizeof addr_bads[0]; i++) {
        const struct addr_bad *b = &addr_bads[i];
        struct addr a;
        char err[256] = "";
        int rc = addr_parse(&a, b->text, err, sizeof err);
        CU_ASSERT_EQUAL(rc, -1);
        if (strstr(err, b->reason) == NULL)
            fprintf(stderr, "\n\"%s\": want \"%s\" in \"%s\"\n", b->text, b->reason, err);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, b->reason));
        CU_ASSERT_EQUAL(a.family, 0);
    }
}

/* localhost is in /etc/hosts everywhere; the first result is taken. */
static void test_addr_name(void)
{
    struct addr a;
    char err[256] = "";
    char out[64];
    CU_ASSERT_FATAL(addr_parse(&a, "localhost:8080", err, sizeof err) == 0);
    CU_ASSERT(a.family == AF_INET || a.family == AF_INET6);
    addr_format(&a, out, sizeof out);
    CU_ASSERT(strcmp(out, "127.0.0.1:8080") == 0 || strcmp(out, "[::1]:8080") == 0);
}

/* addr_format truncates to the buffer and always terminates it. */
static void test_addr_format_truncates(void)
{
    struct addr a;
    char err[256];
    CU_ASSERT_FATAL(addr_parse(&a, "127.0.0.1:3000", err, sizeof err) == 0);
    char out[8];
    memset(out, 'z', sizeof out);
    addr_format(&a, out, sizeof out);
    CU_ASSERT_STRING_EQUAL(out, "127.0.0");
    out[0] = 'z';
    addr_format(&a, out, 0);
    CU_ASSERT_EQUAL(out[0], 'z');

    struct addr none;
    memset(&none, 0, sizeof none);
    char text[64];
    addr_format(&none, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "(address family 0)");
}

/* A pool's slot N: port+N, or the socket path with -N (lighttpd's layout). */
static void test_addr_slot(void)
{
    struct addr base, a;
    char err[128], text[128];
    CU_ASSERT_FATAL(addr_parse(&base, "127.0.0.1:3000", err, sizeof err) == 0);
    CU_ASSERT_EQUAL(addr_port(&base), 3000);
    CU_ASSERT_PTR_NULL(addr_unix_path(&base));
    CU_ASSERT_FATAL(addr_slot(&a, &base, 3) == 0);
    addr_format(&a, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "127.0.0.1:3003");
    CU_ASSERT_FATAL(addr_parse(&base, "[::1]:65534", err, sizeof err) == 0);
    CU_ASSERT(addr_slot(&a, &base, 1) == 0);
    CU_ASSERT_EQUAL(addr_port(&a), 65535);
    CU_ASSERT(addr_slot(&a, &base, 2) == -1);
    CU_ASSERT_FATAL(addr_parse(&base, "unix:/run/lisp.sock", err, sizeof err) == 0);
    CU_ASSERT_EQUAL(addr_port(&base), 0);
    CU_ASSERT_STRING_EQUAL(addr_unix_path(&base), "/run/lisp.sock");
    CU_ASSERT_FATAL(addr_slot(&a, &base, 12) == 0);
    CU_ASSERT_STRING_EQUAL(addr_unix_path(&a), "/run/lisp.sock-12");
    CU_ASSERT_EQUAL(a.len, offsetof(struct sockaddr_un, sun_path) + strlen("/run/lisp.sock-12") + 1);
    CU_ASSERT_STRING_EQUAL(addr_unix_path(&base), "/run/lisp.sock"); /* base unchanged */
    char path[200] = "unix:/";
    memset(path + 6, 'p', 100); /* 101 bytes: fits sun_path (108), with -N up to 106 */
    CU_ASSERT_FATAL(addr_parse(&base, path, err, sizeof err) == 0);
    CU_ASSERT(addr_slot(&a, &base, 99999) == 0);
    CU_ASSERT(addr_slot(&a, &base, 999999) == -1);
}

/* Addresses as parts of file names: no '/', ':' or brackets. */
static void test_addr_file_part(void)
{
    static const char *const cases[][2] = {{"127.0.0.1:3000", "127.0.0.1-3000"},
                                           {"[::1]:3000", "_--1_-3000"},
                                           {"unix:/run/lisp.sock", "_run_lisp.sock"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct addr a;
        char err[128], out[160];
        CU_ASSERT_EQUAL_FATAL(addr_parse(&a, cases[i][0], err, sizeof err), 0);
        addr_file_part(&a, out, sizeof out);
        CU_ASSERT_STRING_EQUAL(out, cases[i][1]);
    }
}

void suite_addr(void)
{
    static const CU_TestInfo tests[] = {
        {"good addresses and their printed form", test_addr_good},
        {"sockaddr fields", test_addr_fields},
        {"unix path length limit", test_addr_unix_length},
        {"bad addresses and their reasons", test_addr_bad},
        {"host names resolve", test_addr_name},
        {"addr_format truncates", test_addr_format_truncates},
        {"pool slots", test_addr_slot},
        {"as part of a file name", test_addr_file_part},
        CU_TEST_INFO_NULL,
    };
    unit_add_suite("addr", tests);
}
