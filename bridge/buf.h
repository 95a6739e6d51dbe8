/* buf.h - owned growable byte buffer with a read offset, and borrowed slices.
 * fcgi-lisp, MIT licence.
 *
 * The bytes not yet consumed are ptr[off, len). Appends go at len, buf_consume
 * advances off; the space before off is reclaimed by buf_reserve when needed
 * (one memmove), so a read-parse-consume loop never grows without bound.
 * Nothing relies on a trailing NUL. */
#ifndef FCGI_LISP_BUF_H
#define FCGI_LISP_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
    uint8_t *ptr; /* owned; NULL until the first append */
    size_t off;   /* first unconsumed byte; off <= len */
    size_t len;   /* end of the data; len <= cap */
    size_t cap;   /* bytes allocated at ptr */
};

/* Borrowed view of bytes owned elsewhere; its owner says how long it stays valid. */
struct slice {
    const uint8_t *ptr;
    size_t len;
};

#define BUF_INIT {NULL, 0, 0, 0}
/* A slice of a string literal: SLICE_INIT in static initializers. */
#define SLICE_INIT(s) {(const uint8_t *)(s), sizeof(s) - 1}
#define SLICE_STR(s) ((struct slice)SLICE_INIT(s))

void buf_init(struct buf *b);
/* Releases the memory; b is then as after buf_init. b may be NULL. */
void buf_free(struct buf *b);
/* Drops the data but keeps the memory. */
void buf_clear(struct buf *b);
/* The slow path of buf_reserve: moves the data to off 0, grows if that is
 * not enough. */
void buf_grow(struct buf *b, size_t extra);
/* Makes room for `extra` more bytes after len (may move the data to off 0). */
static inline void buf_reserve(struct buf *b, size_t extra)
{
    if (b->cap - b->len < extra)
        buf_grow(b, extra);
}
static inline void buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    buf_reserve(b, n);
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
}
static inline void buf_append_byte(struct buf *b, uint8_t c)
{
    buf_reserve(b, 1);
    b->ptr[b->len++] = c;
}
void buf_append_str(struct buf *b, const char *s);
/* Writes v in decimal into out (no NUL); returns the digit count (1..20). */
size_t u64_decimal(char out[static 20], uint64_t v);
/* Appends v in decimal: the hot path's numbers, without printf. */
void buf_append_u64(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Marks n unconsumed bytes as consumed; n <= buf_size(b). */
void buf_consume(struct buf *b, size_t n);
/* Keeps only the first `size` unconsumed bytes; size <= buf_size(b). Sizes
 * stay valid across buf_reserve, which may move the data but not reorder it. */
static inline void buf_truncate(struct buf *b, size_t size) { b->len = b->off + size; }
/* Records that n bytes were written directly at buf_tail(b) (after buf_reserve). */
void buf_commit(struct buf *b, size_t n);

/* Never NULL, so that empty data can be passed to memcpy and friends. */
static inline const uint8_t *buf_data(const struct buf *b)
{
    return b->ptr != NULL ? b->ptr + b->off : (const uint8_t *)"";
}
static inline size_t buf_size(const struct buf *b) { return b->len - b->off; }
static inline uint8_t *buf_tail(struct buf *b) { return b->ptr + b->len; }
static inline size_t buf_space(const struct buf *b) { return b->cap - b->len; }
static inline struct slice buf_slice(const struct buf *b)
{
    return (struct slice){buf_data(b), buf_size(b)};
}

/* Case-insensitive ASCII comparison of a slice with a C string, or with
 * another slice (lengths compared first). */
bool slice_eq_nocase(struct slice s, const char *str);
bool slice_eq_nocase_slice(struct slice a, struct slice b);
bool slice_eq(struct slice s, const char *str);
/* True when s holds no CR, LF or NUL: it can travel inside one line of a
 * line-framed protocol (mod_lisp, CGI headers) without splitting it. */
bool slice_is_one_line(struct slice s);

#endif
