/* fuzz_cookie.c - libFuzzer target for the Cookie header parser.
 * fcgi-lisp, MIT licence.
 *
 * The input is a Cookie header's value. Invariants: every pair's name is
 * non-empty and neither name nor value holds a ';' or starts or ends with
 * a blank (a value's quotes aside); each lies inside the header, the pairs
 * in increasing order; the count returned is the pairs seen; and no more
 * pairs than the header has ';' plus one. */
#include "config.h"

#include "cookie.h"
#include "fuzz.h"

struct fuzz_cookies {
    struct slice header;
    const uint8_t *last_end; /* where the previous pair ended */
    size_t seen;
};

static bool fuzz_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

static void fuzz_pair(void *ctx, struct slice name, struct slice value)
{
    struct fuzz_cookies *f = ctx;
    const uint8_t *lo = f->header.ptr, *hi = f->header.ptr + f->header.len;
    FUZZ_ASSERT(name.len > 0);
    FUZZ_ASSERT(name.ptr >= f->last_end && name.ptr + name.len <= hi);
    FUZZ_ASSERT(value.ptr >= name.ptr + name.len && value.ptr + value.len <= hi && lo <= name.ptr);
    FUZZ_ASSERT(memchr(name.ptr, ';', name.len) == NULL && memchr(name.ptr, '=', name.len) == NULL);
    FUZZ_ASSERT(value.len == 0 || memchr(value.ptr, ';', value.len) == NULL);
    FUZZ_ASSERT(!fuzz_blank(name.ptr[0]) && !fuzz_blank(name.ptr[name.len - 1]));
    bool quoted = value.ptr > lo && value.ptr[-1] == '"' && value.ptr + value.len < hi &&
                  value.ptr[value.len] == '"';
    if (value.len > 0 && !quoted)
        FUZZ_ASSERT(!fuzz_blank(value.ptr[0]) && !fuzz_blank(value.ptr[value.len - 1]));
    f->last_end = value.ptr + value.len;
    f->seen++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_cookies f = {{data, size}, data, 0};
    size_t n = cookie_parse(f.header, fuzz_pair, &f);
    FUZZ_ASSERT(n == f.seen);
    size_t semis = 0;
    for (size_t i = 0; i < size; i++)
        semis += data[i] == ';';
    FUZZ_ASSERT(n <= semis + 1);
    return 0;
}
