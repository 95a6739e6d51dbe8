/* buf.c - owned growable byte buffer with a read offset.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void buf_init(struct buf *b)
{
    *b = (struct buf)BUF_INIT;
}

void buf_free(struct buf *b)
{
    if (b == NULL)
        return;
    free(b->ptr);
    buf_init(b);
}

void buf_clear(struct buf *b)
{
    b->off = b->len = 0;
}

void buf_grow(struct buf *b, size_t extra)
{
    size_t used = b->len - b->off;
    if (b->off > 0 && b->cap - used >= extra) {
        memmove(b->ptr, b->ptr + b->off, used);
        b->off = 0;
        b->len = used;
        return;
    }
    if (b->off > 0) {
        memmove(b->ptr, b->ptr + b->off, used);
        b->off = 0;
        b->len = used;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap - used < extra) {
        if (cap > SIZE_MAX / 2) {
            fprintf(stderr, "fcgi-lisp: buffer size overflow\n");
            abort();
        }
        cap *= 2;
    }
    b->ptr = xrealloc(b->ptr, cap);
    b->cap = cap;
}

void buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

size_t u64_decimal(char out[static 20], uint64_t v)
{
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    return n;
}

void buf_append_u64(struct buf *b, uint64_t v)
{
    char digits[20];
    buf_append(b, digits, u64_decimal(digits, v));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    /* Formats into the free space first; only a result that does not fit
     * is formatted a second time, after growing. */
    buf_reserve(b, 64);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf((char *)b->ptr + b->len, buf_space(b), fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    if ((size_t)n >= buf_space(b)) {
        buf_reserve(b, (size_t)n + 1);
        vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_consume(struct buf *b, size_t n)
{
    b->off += n;
    if (b->off >= b->len)
        b->off = b->len = 0;
}

void buf_commit(struct buf *b, size_t n)
{
    b->len += n;
}

bool slice_eq_nocase_slice(struct slice a, struct slice b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = a.ptr[i], y = b.ptr[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

bool slice_eq_nocase(struct slice s, const char *str)
{
    return slice_eq_nocase_slice(s, (struct slice){(const uint8_t *)str, strlen(str)});
}

bool slice_eq(struct slice s, const char *str)
{
    size_t n = strlen(str);
    return s.len == n && (n == 0 || memcmp(s.ptr, str, n) == 0);
}

bool slice_is_one_line(struct slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '\n' || s.ptr[i] == '\r' || s.ptr[i] == '\0')
            return false;
    return true;
}
