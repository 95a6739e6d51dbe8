/* fcgi_params.h - FastCGI name-value pairs (spec section 3.4); no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The decoder is fed the concatenated content of a PARAMS (or GET_VALUES)
 * stream in whatever pieces the records arrive in: a pair may straddle records.
 * Lengths may use the 4-byte form even below 128. */
#ifndef FCGI_LISP_FCGI_PARAMS_H
#define FCGI_LISP_FCGI_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parse.h"

struct fcgi_pair {
    struct slice name;  /* borrowed: into the input or into the decoder's scratch; */
    struct slice value; /* valid until the next fcgi_params_feed call */
};

enum fcgi_params_state {
    FCGI_PARAMS_NAME_LEN,
    FCGI_PARAMS_VALUE_LEN,
    FCGI_PARAMS_BODY,
};

struct fcgi_params_decoder {
    enum fcgi_params_state state;
    uint8_t len_bytes[4];  /* length bytes gathered so far */
    size_t len_have;
    uint32_t name_len;
    uint32_t value_len;
    struct buf scratch;    /* owned: a pair that straddles feeds is assembled here */
    size_t max_pair;       /* name_len + value_len above this is PARSE_ERROR */
    const char *err;       /* static string, set with PARSE_ERROR */
};

/* max_pair: the largest name + value accepted, checked before any allocation. */
void fcgi_params_init(struct fcgi_params_decoder *d, size_t max_pair);
void fcgi_params_free(struct fcgi_params_decoder *d);

/* Consumes bytes from [*pos, end) and advances *pos.
 * PARSE_OK: *out holds one pair. PARSE_AGAIN: all input consumed, no pair is
 * complete. PARSE_ERROR: d->err says why (pair over max_pair); once in error
 * the decoder keeps returning PARSE_ERROR. A new stream needs
 * fcgi_params_free then fcgi_params_init (free may be called twice). */
enum parse_rc fcgi_params_feed(struct fcgi_params_decoder *d, const uint8_t **pos,
                               const uint8_t *end, struct fcgi_pair *out);

/* At the end of the stream: 0 if it ended on a pair boundary, -1 (and d->err
 * set) if a pair was cut short. */
int fcgi_params_finish(struct fcgi_params_decoder *d);

/* Appends one encoded pair (1-byte lengths below 128, else 4-byte); each
 * length must be below 2^31 (spec 3.4). */
void fcgi_pair_append(struct buf *out, const void *name, size_t name_len, const void *value,
                      size_t value_len);

#endif
