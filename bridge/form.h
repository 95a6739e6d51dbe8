/* form.h - application/x-www-form-urlencoded (a query string, or a form
 * body) decoded into name-value pairs, as a servlet container's
 * getParameterMap() sees them; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Rules (WHATWG URL "application/x-www-form-urlencoded parsing"): pairs are
 * separated by '&'; a pair's name ends at its first '='; '+' is a space;
 * %XX is the byte XX (either case); a '%' not followed by two hex digits is
 * kept as it is; an empty pair is skipped; a pair without '=' has the
 * empty value. Decoded bytes are kept as they are (the Lisplets encoder
 * makes them UTF-8). A push decoder: fed whole or split anywhere, it gives
 * the same pairs. */
#ifndef FCGI_LISP_FORM_H
#define FCGI_LISP_FORM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parse.h"

struct form_pair {
    uint32_t name_off, name_len;   /* into form_pairs.store */
    uint32_t value_off, value_len;
};

struct form_pairs {
    struct buf store;          /* owned: names and values, back to back */
    struct form_pair *v;       /* owned: n pairs, in order */
    size_t n, cap;
    size_t max_pairs;          /* more is an error */
    size_t max_bytes;          /* decoded names and values together; more is an error */
};

void form_pairs_init(struct form_pairs *p, size_t max_pairs, size_t max_bytes);
void form_pairs_clear(struct form_pairs *p);
void form_pairs_free(struct form_pairs *p);
struct slice form_pair_name(const struct form_pairs *p, size_t i);
struct slice form_pair_value(const struct form_pairs *p, size_t i);

struct form_decoder {
    struct form_pairs *out;   /* borrowed */
    struct buf name, value;   /* owned: the pair being decoded */
    uint8_t in_value;         /* past the pair's '=' */
    uint8_t pct;              /* hex digits seen after a '%': 0, 1 or 2 */
    uint8_t pct_hi;           /* the first of them, as written */
    const char *err;          /* static, with PARSE_ERROR */
};

void form_decoder_init(struct form_decoder *d, struct form_pairs *out);
void form_decoder_free(struct form_decoder *d);
/* Decodes [*pos, end), appending complete pairs to d->out; consumes it all.
 * PARSE_AGAIN, or PARSE_ERROR with d->err when a limit of out is passed. */
enum parse_rc form_decode_feed(struct form_decoder *d, const uint8_t **pos, const uint8_t *end);
/* The input ended: the last pair is appended. PARSE_OK or PARSE_ERROR. */
enum parse_rc form_decode_finish(struct form_decoder *d);

/* Decodes all of text into out (a query string): form_decode_feed then
 * form_decode_finish. */
enum parse_rc form_decode(struct form_pairs *out, struct slice text, const char **err);

#endif
