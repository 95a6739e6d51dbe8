/* sexp-encode.c - writes test cases for the Lisp reader check of the
 * Lisplets writer (t-lisplets-sexp.sh): for each NAME VALUE pair of its
 * arguments, the element fcgi-lisp would send, "(" name " " value ")"
 * (bridge/sexp.h, prefix ":"), then the name's and the value's bytes as
 * two vectors of octets, "#(78 65 ...)", for the reader to compare with.
 * One case per line (a value may hold newlines). fcgi-lisp, MIT licence. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sexp.h"

static void sexp_encode_octets(struct buf *out, const char *s)
{
    buf_append_str(out, " #(");
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        buf_printf(out, "%s%u", p == (const unsigned char *)s ? "" : " ", *p);
    buf_append_byte(out, ')');
}

int main(int argc, char **argv)
{
    if (argc % 2 != 1) {
        fprintf(stderr, "usage: sexp-encode [NAME VALUE]...\n");
        return 2;
    }
    struct buf out = BUF_INIT;
    for (int i = 1; i + 1 < argc; i += 2) {
        struct slice name = {(const uint8_t *)argv[i], strlen(argv[i])};
        struct slice value = {(const uint8_t *)argv[i + 1], strlen(argv[i + 1])};
        buf_append_byte(&out, '(');
        sexp_name_append(&out, ":", "", name);
        buf_append_byte(&out, ' ');
        sexp_string_append(&out, value);
        buf_append_byte(&out, ')');
        sexp_encode_octets(&out, argv[i]);
        sexp_encode_octets(&out, argv[i + 1]);
        buf_printf(&out, " %s\n", sexp_name_is_plain(name) ? ":plain" : ":quoted");
    }
    int rc = fwrite(buf_data(&out), 1, buf_size(&out), stdout) == buf_size(&out) ? 0 : 1;
    buf_free(&out);
    return rc;
}
