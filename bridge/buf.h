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
#define SLICE_STR(s) ((struct slice){(const uint8_t *)(s), sizeof(s) - 1})

void buf_init(struct buf *b);
/* Releases the memory; b is then as after buf_init. b may be NULL. */
void buf_free(struct buf *b);
/* Drops the data but keeps the memory. */
void buf_clear(struct buf *b);
/* Makes room for `extra` more bytes after len (may move the data to off 0). */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_append_str(struct buf *b, const char *s);
void buf_append_byte(struct buf *b, uint8_t c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Marks n unconsumed bytes as consumed; n <= buf_size(b). */
void buf_consume(struct buf *b, size_t n);
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

/* Case-insensitive ASCII comparison of a slice with a C string. */
bool slice_eq_nocase(struct slice s, const char *str);
bool slice_eq(struct slice s, const char *str);
/* True when s holds no CR, LF or NUL: it can travel inside one line of a
 * line-framed protocol (mod_lisp, CGI headers) without splitting it. */
bool slice_is_one_line(struct slice s);

#endif
