/* sexp.c - strings and names for the Lisp reader.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "sexp.h"

#include <string.h>

#define SEXP_PLAIN_MAX 64

/* The UTF-8 replacement character, for bytes that are not UTF-8. */
static const uint8_t sexp_replacement[] = {0xef, 0xbf, 0xbd};

/* Length of the valid UTF-8 sequence at p[0, n) (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), or 0. */
static size_t sexp_utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t len;
    uint32_t min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    uint32_t cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* s as UTF-8, each byte in `special` preceded by a backslash. */
static void sexp_text_append(struct buf *out, struct slice s, const char *special)
{
    for (size_t i = 0; i < s.len;) {
        uint8_t c = s.ptr[i];
        if (c < 0x80) {
            if (c != '\0' && strchr(special, c) != NULL)
                buf_append_byte(out, '\\');
            buf_append_byte(out, c);
            i++;
            continue;
        }
        size_t len = sexp_utf8_len(s.ptr + i, s.len - i);
        if (len == 0) {
            buf_append(out, sexp_replacement, sizeof sexp_replacement);
            i++;
        } else {
            buf_append(out, s.ptr + i, len);
            i += len;
        }
    }
}

void sexp_string_append(struct buf *out, struct slice s)
{
    buf_append_byte(out, '"');
    sexp_text_append(out, s, "\"\\");
    buf_append_byte(out, '"');
}

static bool sexp_is_letter(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A constituent that reads the same in any position after the first. */
static bool sexp_is_plain_char(uint8_t c)
{
    return sexp_is_letter(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool sexp_name_is_plain(struct slice name)
{
    if (name.len == 0 || name.len > SEXP_PLAIN_MAX || !sexp_is_letter(name.ptr[0]))
        return false;
    for (size_t i = 1; i < name.len; i++)
        if (!sexp_is_plain_char(name.ptr[i]))
            return false;
    return true;
}

void sexp_name_append(struct buf *out, const char *prefix, const char *suffix, struct slice name)
{
    buf_append_str(out, prefix);
    if (sexp_name_is_plain(name)) {
        buf_append(out, name.ptr, name.len);
    } else {
        buf_append_byte(out, '|');
        sexp_text_append(out, name, "|\\");
        buf_append_byte(out, '|');
    }
    buf_append_str(out, suffix);
}

bool sexp_tag_ok(const char *affix, bool is_prefix)
{
    const uint8_t *p = (const uint8_t *)affix;
    if (is_prefix && *p == ':')
        p++;
    for (; *p != '\0'; p++)
        if (!sexp_is_plain_char(*p))
            return false;
    return true;
}
