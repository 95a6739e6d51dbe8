/* fuzz_sexp.c - libFuzzer target for the Lisplets writer primitives.
 * fcgi-lisp, MIT licence.
 *
 * The input, split at its first NUL, is a name and a value. They are
 * written as "(" name " " value ")" with sexp_name_append (prefix ":") and
 * sexp_string_append, and the result is read back here with the Common
 * Lisp reader's rules for what may appear (CLHS 2.2, 2.4): it must be one
 * list of exactly a symbol and a string, nothing after it; the symbol must
 * be the keyword of the name (plain names as written, others between bars)
 * and the string the value, both valid UTF-8, equal to the input when the
 * input was valid UTF-8. Nothing may start a #-dispatch, comment, quote or
 * a second element. */
#include "config.h"

#include "cl_read.h"
#include "fuzz.h"
#include "sexp.h"

/* RFC 3629 validity, written independently of sexp.c's. */
static bool fuzz_utf8_valid(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0xff >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    struct slice name = {data, nul ? (size_t)(nul - data) : size};
    struct slice value = {nul ? nul + 1 : data + size, nul ? size - name.len - 1 : 0};
    struct buf out = BUF_INIT, sym = BUF_INIT, str = BUF_INIT;
    buf_append_byte(&out, '(');
    sexp_name_append(&out, ":", "", name);
    buf_append_byte(&out, ' ');
    sexp_string_append(&out, value);
    buf_append_byte(&out, ')');

    const uint8_t *p = buf_data(&out), *end = p + buf_size(&out);
    bool escaped, str_escaped;
    FUZZ_ASSERT(cl_next(&p, end, &sym, &escaped) == CL_OPEN);
    /* the symbol: a keyword (":" then no second package marker), one token */
    FUZZ_ASSERT(cl_next(&p, end, &sym, &escaped) == CL_SYMBOL);
    FUZZ_ASSERT(buf_size(&sym) >= 1 && buf_data(&sym)[0] == ':');
    buf_consume(&sym, 1);
    FUZZ_ASSERT(cl_next(&p, end, &str, &str_escaped) == CL_STRING);
    struct buf rest = BUF_INIT;
    FUZZ_ASSERT(cl_next(&p, end, &rest, &str_escaped) == CL_CLOSE);
    FUZZ_ASSERT(cl_next(&p, end, &rest, &str_escaped) == CL_END); /* one list, nothing after */
    buf_free(&rest);

    FUZZ_ASSERT(escaped == !sexp_name_is_plain(name));
    if (!escaped) {
        /* plain: a letter first, so no number, no dots-only token */
        FUZZ_ASSERT(buf_size(&sym) > 0);
        uint8_t first = buf_data(&sym)[0];
        FUZZ_ASSERT((first | 0x20) >= 'a' && (first | 0x20) <= 'z');
    }
    /* a ':' left in the name would be a second package marker, unless escaped */
    FUZZ_ASSERT(escaped || memchr(buf_data(&sym), ':', buf_size(&sym)) == NULL);
    FUZZ_ASSERT(fuzz_utf8_valid(buf_data(&sym), buf_size(&sym)));
    FUZZ_ASSERT(fuzz_utf8_valid(buf_data(&str), buf_size(&str)));
    if (fuzz_utf8_valid(name.ptr, name.len))
        FUZZ_ASSERT(buf_size(&sym) == name.len &&
                    (name.len == 0 || memcmp(buf_data(&sym), name.ptr, name.len) == 0));
    if (fuzz_utf8_valid(value.ptr, value.len))
        FUZZ_ASSERT(buf_size(&str) == value.len &&
                    (value.len == 0 || memcmp(buf_data(&str), value.ptr, value.len) == 0));
    buf_free(&out);
    buf_free(&sym);
    buf_free(&str);
    return 0;
}
