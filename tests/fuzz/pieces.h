/* pieces.h - feeds an input to the bridge's push parsers in pieces, for the
 * unit suites and the fuzz targets alike.
 * fcgi-lisp, MIT licence.
 *
 * Each piece is fed from a heap copy of exactly its size, freed before the
 * next piece, so ASan reports a parser that reads past end or keeps a pointer
 * into input it was given earlier. On every call the driver checks what
 * bridge/parse.h promises of every parser: *pos only advances and never
 * passes end; PARSE_AGAIN consumes all input; err is set exactly with
 * PARSE_ERROR; once in error the parser keeps returning PARSE_ERROR and
 * consumes nothing, not even valid input; a PARSE_OK that ends the input (a
 * header block) is repeated without consuming anything.
 *
 * The checks go through the caller's pieces_check_fn: unit_check (a CUnit
 * assertion) in the unit suites, fuzz_check (abort) in the fuzz targets, so
 * this header does not depend on CUnit. Everything is static inline: the
 * Makefile builds no object of its own for it.
 *
 * The second half binds fcgi_parser, fcgi_params_decoder, modlisp_parser,
 * form_decoder and lisplets_reader to the driver, with the checks every caller makes of their results. */
#ifndef FCGI_LISP_PIECES_H
#define FCGI_LISP_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi_params.h"
#include "fcgi_record.h"
#include "form.h"
#include "lisplets_reply.h"
#include "modlisp.h"
#include "parse.h"

/* Reports one check. A failed fatal check does not return. */
typedef void pieces_check_fn(bool ok, const char *cond, const char *file, int line, bool fatal);

/* The parser under test, as the driver sees it. */
struct pieces_parser {
    void *ctx; /* borrowed: the parser and what the caller collects; passed to each function */
    /* Calls the parser on [*pos, end); returns its result. */
    enum parse_rc (*feed)(void *ctx, const uint8_t **pos, const uint8_t *end);
    /* The parser's err: non-NULL exactly after PARSE_ERROR. */
    const char *(*err)(const void *ctx);
    /* Called after each PARSE_OK, or NULL. piece/piece_len is the input of
     * this call (what the result may borrow from); at is the input offset
     * the parser has reached. */
    void (*on_ok)(void *ctx, const uint8_t *piece, size_t piece_len, size_t at);
    bool ok_is_final;     /* PARSE_OK ends the parse (a header block), not one item of many */
    const uint8_t *valid; /* borrowed: input a fresh parser accepts; refused once in error */
    size_t valid_len;
    pieces_check_fn *check;
};

/* One check through check, a pieces_check_fn; PIECES_REQUIRE is fatal. */
#define PIECES_CHECK(check, cond) (check)((cond), #cond, __FILE__, __LINE__, false)
#define PIECES_REQUIRE(check, cond) (check)((cond), #cond, __FILE__, __LINE__, true)

/* After PARSE_ERROR, or a final PARSE_OK, at *pos in [.., end): the parser
 * repeats rc and consumes nothing, from the rest of this piece or (after an
 * error) from valid input. */
static inline void pieces_check_sticky(const struct pieces_parser *pp, enum parse_rc rc,
                                       const uint8_t *pos, const uint8_t *end)
{
    const uint8_t *again = pos;
    PIECES_CHECK(pp->check, pp->feed(pp->ctx, &again, end) == rc);
    PIECES_CHECK(pp->check, again == pos);
    if (rc != PARSE_ERROR)
        return;
    const uint8_t *fresh = pp->valid;
    PIECES_CHECK(pp->check, pp->feed(pp->ctx, &fresh, pp->valid + pp->valid_len) == PARSE_ERROR);
    PIECES_CHECK(pp->check, fresh == pp->valid);
    PIECES_CHECK(pp->check, pp->err(pp->ctx) != NULL);
}

/* Feeds one piece, piece[0, n), from a heap copy of exactly n bytes until
 * the parser needs more or stops. Returns its last result and sets *used to
 * the bytes of the piece it consumed. at is the piece's input offset. */
/* (Not inlined: gcc 12 inlining it into pieces_feed's loop warns of a
 * use after free that is not there, -Wuse-after-free.) */
__attribute__((noinline)) static enum parse_rc pieces_feed_one(const struct pieces_parser *pp,
                                                               const uint8_t *piece, size_t n,
                                                               size_t at, size_t *used)
{
    uint8_t *copy = malloc(n > 0 ? n : 1);
    PIECES_REQUIRE(pp->check, copy != NULL);
    if (n > 0)
        memcpy(copy, piece, n);
    const uint8_t *pos = copy, *end = copy + n;
    enum parse_rc rc;
    for (;;) {
        const uint8_t *before = pos;
        rc = pp->feed(pp->ctx, &pos, end);
        /* *pos only advances and never passes end */
        PIECES_REQUIRE(pp->check, pos >= before && pos <= end);
        PIECES_CHECK(pp->check, (rc == PARSE_ERROR) == (pp->err(pp->ctx) != NULL));
        if (rc == PARSE_OK) {
            if (pp->on_ok != NULL)
                pp->on_ok(pp->ctx, copy, n, at + (size_t)(pos - copy));
            if (!pp->ok_is_final)
                continue;
            pieces_check_sticky(pp, rc, pos, end);
            break;
        }
        if (rc == PARSE_AGAIN) {
            PIECES_CHECK(pp->check, pos == end); /* AGAIN means all input was consumed */
            break;
        }
        PIECES_REQUIRE(pp->check, rc == PARSE_ERROR);
        pieces_check_sticky(pp, rc, pos, end);
        break;
    }
    *used = (size_t)(pos - copy);
    free(copy);
    return rc;
}

/* Feeds input[0, len) in pieces ending at cuts[0 .. ncuts) (increasing, at
 * most len) and at len, until the input ends, the parser returns
 * PARSE_ERROR or, with ok_is_final, PARSE_OK. Returns the last result and
 * sets *consumed to the input bytes consumed. */
static inline enum parse_rc pieces_feed(const struct pieces_parser *pp, const uint8_t *input,
                                        size_t len, const size_t *cuts, size_t ncuts,
                                        size_t *consumed)
{
    enum parse_rc rc = PARSE_AGAIN;
    size_t start = 0;
    *consumed = 0;
    for (size_t i = 0; i <= ncuts && rc == PARSE_AGAIN; i++) {
        size_t stop = i < ncuts ? cuts[i] : len;
        if (stop < start || stop > len) { /* a bug in the caller, not in the parser */
            fprintf(stderr, "pieces_feed: cut %zu at %zu is outside [%zu, %zu]\n", i, stop,
                    start, len);
            abort();
        }
        size_t used;
        rc = pieces_feed_one(pp, input + start, stop - start, start, &used);
        *consumed = start + used;
        start = stop;
    }
    return rc;
}

/* {1, 2, ..., len}: the cuts that feed an input of len bytes one byte at a
 * time (never a 0-byte allocation). Caller frees; NULL if out of memory. */
static inline size_t *pieces_every_byte(size_t len)
{
    size_t *cuts = malloc((len + 1) * sizeof(*cuts));
    if (cuts != NULL)
        for (size_t i = 0; i <= len; i++) /* the spare last one too: nothing uninitialised */
            cuts[i] = i < len ? i + 1 : len;
    return cuts;
}

/* Runs a parse of input[0, len) three ways: whole into out[0], one byte at
 * a time into out[1], and split in two at a point taken from the first
 * byte into out[2]; run(out, input, len, cuts, ncuts) does one parse. The
 * caller compares the three. */
static inline void pieces_three_ways(void *out[3], const uint8_t *input, size_t len,
                                     void (*run)(void *out, const uint8_t *input, size_t len,
                                                 const size_t *cuts, size_t ncuts),
                                     pieces_check_fn *check)
{
    run(out[0], input, len, NULL, 0);
    size_t *cuts = pieces_every_byte(len);
    PIECES_REQUIRE(check, cuts != NULL);
    run(out[1], input, len, cuts, len);
    free(cuts);
    size_t at = len > 0 ? input[0] % (len + 1) : 0;
    run(out[2], input, len, &at, 1);
}

/* True if [p, p+n) lies inside [lo, lo+lo_len): where a borrowed result may point. */
static inline bool pieces_within(const uint8_t *p, size_t n, const uint8_t *lo, size_t lo_len)
{
    return lo != NULL && p >= lo && p <= lo + lo_len && n <= (size_t)(lo + lo_len - p);
}

/* ------------------------------------------------------------------------ */
/* The bridge's parsers, bound for pieces_feed                               */
/* ------------------------------------------------------------------------ */

/* BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE: the parser hands out an
 * 8-byte body assembled in fcgi_parser.body (fcgi_record.h). */
static inline bool pieces_record_fixed_body(uint8_t type)
{
    return type == FCGI_BEGIN_REQUEST || type == FCGI_END_REQUEST || type == FCGI_UNKNOWN_TYPE;
}

/* fcgi_parser (fcgi_record.h). Each chunk handed out is checked against
 * its header and the chunks before it: in order, first to last, with the
 * same type, request id and content_length; len 0 only for an empty
 * record; the lengths add up to content_length (8 for a fixed body); stream
 * content inside this call's input, a fixed body there or in the parser. */
struct pieces_record {
    struct fcgi_parser p;
    struct fcgi_chunk chunk; /* the last chunk handed out; poisoned before each call */
    /* Sees each chunk handed out, after the checks. */
    void (*on_chunk)(void *user, const struct fcgi_chunk *c);
    void *user;
    pieces_check_fn *check;
    /* the record being handed out */
    bool open;               /* its first chunk came, its last did not */
    uint8_t type;
    uint16_t request_id, content_length;
    size_t got;              /* its content bytes handed out so far */
};

static inline enum parse_rc pieces_record_feed(void *ctx, const uint8_t **pos, const uint8_t *end)
{
    struct pieces_record *f = ctx;
    memset(&f->chunk, 0x5a, sizeof(f->chunk));
    return fcgi_parser_feed(&f->p, pos, end, &f->chunk);
}

static inline const char *pieces_record_err(const void *ctx)
{
    return ((const struct pieces_record *)ctx)->p.err;
}

static inline void pieces_record_chunk(void *ctx, const uint8_t *piece, size_t piece_len,
                                       size_t at)
{
    struct pieces_record *f = ctx;
    const struct fcgi_chunk *c = &f->chunk;
    bool fixed = pieces_record_fixed_body(c->type);
    (void)at;
    PIECES_CHECK(f->check, c->first == !f->open);
    if (c->first) {
        f->open = true;
        f->type = c->type;
        f->request_id = c->request_id;
        f->content_length = c->content_length;
        f->got = 0;
    } else {
        PIECES_CHECK(f->check, c->type == f->type);
        PIECES_CHECK(f->check, c->request_id == f->request_id);
        PIECES_CHECK(f->check, c->content_length == f->content_length);
    }
    /* an empty record is one chunk, len 0, first and last */
    if (c->content_length == 0)
        PIECES_CHECK(f->check, c->len == 0 && c->first && c->last);
    if (fixed) {
        PIECES_CHECK(f->check, c->len == 8 && c->first && c->last);
        PIECES_CHECK(f->check, pieces_within(c->data, c->len, piece, piece_len)
                                   || pieces_within(c->data, c->len, f->p.body, sizeof(f->p.body)));
    } else if (c->len > 0) {
        PIECES_CHECK(f->check, pieces_within(c->data, c->len, piece, piece_len));
    } else {
        PIECES_CHECK(f->check, c->content_length == 0);
    }
    size_t want = fixed ? 8 : f->content_length;
    f->got += c->len;
    PIECES_CHECK(f->check, f->got <= f->content_length && f->got <= want);
    if (c->last)
        PIECES_CHECK(f->check, f->got == want);
    f->on_chunk(f->user, c);
    if (c->last)
        f->open = false;
}

/* Initialises f->p, checks it starts without an error, and returns the
 * driver's view of it. */
static inline struct pieces_parser pieces_record_start(struct pieces_record *f,
                                                       pieces_check_fn *check)
{
    static const uint8_t valid[] = {FCGI_VERSION_1, FCGI_ABORT_REQUEST, 0, 1, 0, 0, 0, 0};
    fcgi_parser_init(&f->p);
    f->check = check;
    f->open = false;
    PIECES_CHECK(check, f->p.err == NULL);
    return (struct pieces_parser){
        .ctx = f,
        .feed = pieces_record_feed,
        .err = pieces_record_err,
        .on_ok = pieces_record_chunk,
        .valid = valid,
        .valid_len = sizeof(valid),
        .check = check,
    };
}

/* fcgi_params_decoder (fcgi_params.h). Each pair handed out is checked:
 * name + value within max_pair, each slice inside this call's input or
 * the decoder's scratch. */
struct pieces_params {
    struct fcgi_params_decoder d;
    struct fcgi_pair pair; /* the last pair handed out; poisoned before each call */
    size_t max_pair;
    size_t scratch_cap;    /* the largest scratch allocation seen */
    bool scratch_used;     /* some pair was handed out from the scratch */
    /* Sees each pair handed out; at is the input offset just after it. */
    void (*on_pair)(void *user, const struct fcgi_pair *pair, size_t at);
    void *user;
    pieces_check_fn *check;
};

static inline enum parse_rc pieces_params_feed(void *ctx, const uint8_t **pos, const uint8_t *end)
{
    struct pieces_params *f = ctx;
    memset(&f->pair, 0x5a, sizeof(f->pair));
    enum parse_rc rc = fcgi_params_feed(&f->d, pos, end, &f->pair);
    if (f->d.scratch.cap > f->scratch_cap)
        f->scratch_cap = f->d.scratch.cap;
    return rc;
}

static inline const char *pieces_params_err(const void *ctx)
{
    return ((const struct pieces_params *)ctx)->d.err;
}

/* A non-empty slice points into this call's input or into the scratch. */
static inline void pieces_params_borrowed(struct pieces_params *f, struct slice s,
                                          const uint8_t *piece, size_t piece_len)
{
    if (s.len == 0)
        return;
    PIECES_REQUIRE(f->check, s.ptr != NULL);
    if (pieces_within(s.ptr, s.len, piece, piece_len))
        return;
    PIECES_CHECK(f->check, pieces_within(s.ptr, s.len, f->d.scratch.ptr, f->d.scratch.len));
    f->scratch_used = true;
}

static inline void pieces_params_pair(void *ctx, const uint8_t *piece, size_t piece_len,
                                      size_t at)
{
    struct pieces_params *f = ctx;
    const struct fcgi_pair *pair = &f->pair;
    PIECES_CHECK(f->check, pair->name.len <= f->max_pair
                               && pair->value.len <= f->max_pair - pair->name.len);
    pieces_params_borrowed(f, pair->name, piece, piece_len);
    pieces_params_borrowed(f, pair->value, piece, piece_len);
    f->on_pair(f->user, pair, at);
}

/* Initialises f->d with max_pair, checks it starts without an error, and
 * returns the driver's view of it. The caller finishes and frees f->d. */
static inline struct pieces_parser pieces_params_start(struct pieces_params *f, size_t max_pair,
                                                       pieces_check_fn *check)
{
    static const uint8_t valid[] = {1, 1, 'a', 'b'};
    fcgi_params_init(&f->d, max_pair);
    f->max_pair = max_pair;
    f->scratch_cap = 0;
    f->scratch_used = false;
    f->check = check;
    PIECES_CHECK(check, f->d.err == NULL && f->d.max_pair == max_pair);
    return (struct pieces_parser){
        .ctx = f,
        .feed = pieces_params_feed,
        .err = pieces_params_err,
        .on_ok = pieces_params_pair,
        .valid = valid,
        .valid_len = sizeof(valid),
        .check = check,
    };
}

/* modlisp_parser (modlisp.h): PARSE_OK ends the header block. */
static inline enum parse_rc pieces_modlisp_feed(void *ctx, const uint8_t **pos, const uint8_t *end)
{
    return modlisp_response_feed(ctx, pos, end);
}

static inline const char *pieces_modlisp_err(const void *ctx)
{
    return ((const struct modlisp_parser *)ctx)->err;
}

/* Initialises r, and p to fill it under limits (NULL: the defaults), and
 * returns the driver's view of p. The caller frees both. */
static inline struct pieces_parser pieces_modlisp_start(struct modlisp_parser *p,
                                                        struct modlisp_response *r,
                                                        const struct modlisp_limits *limits,
                                                        pieces_check_fn *check)
{
    static const uint8_t valid[] = "end\n";
    modlisp_response_init(r);
    modlisp_parser_init(p, r, limits);
    return (struct pieces_parser){
        .ctx = p,
        .feed = pieces_modlisp_feed,
        .err = pieces_modlisp_err,
        .ok_is_final = true,
        .valid = valid,
        .valid_len = sizeof(valid) - 1,
        .check = check,
    };
}

/* form_decoder (form.h): never PARSE_OK while fed; the caller calls
 * form_decode_finish at the end. */
static inline enum parse_rc pieces_form_feed(void *ctx, const uint8_t **pos, const uint8_t *end)
{
    return form_decode_feed(ctx, pos, end);
}

static inline const char *pieces_form_err(const void *ctx)
{
    return ((const struct form_decoder *)ctx)->err;
}

/* Initialises out (limits max_pairs, max_bytes) and d to fill it; returns
 * the driver's view of d. The caller frees both. */
static inline struct pieces_parser pieces_form_start(struct form_decoder *d,
                                                     struct form_pairs *out, size_t max_pairs,
                                                     size_t max_bytes, pieces_check_fn *check)
{
    static const uint8_t valid[] = "a=b";
    form_pairs_init(out, max_pairs, max_bytes);
    form_decoder_init(d, out);
    return (struct pieces_parser){
        .ctx = d,
        .feed = pieces_form_feed,
        .err = pieces_form_err,
        .valid = valid,
        .valid_len = sizeof(valid) - 1,
        .check = check,
    };
}

/* lisplets_reader (lisplets_reply.h): PARSE_OK ends the s-expression. */
static inline enum parse_rc pieces_lisplets_feed(void *ctx, const uint8_t **pos,
                                                 const uint8_t *end)
{
    return lisplets_reader_feed(ctx, pos, end);
}

static inline const char *pieces_lisplets_err(const void *ctx)
{
    return ((const struct lisplets_reader *)ctx)->err;
}

/* Initialises r, and rd to fill it under limits (NULL: the defaults);
 * returns the driver's view of rd. The caller frees r. */
static inline struct pieces_parser pieces_lisplets_start(struct lisplets_reader *rd,
                                                         struct lisplets_reply *r,
                                                         const struct lisplets_reply_limits *limits,
                                                         pieces_check_fn *check)
{
    static const uint8_t valid[] = "()";
    static const struct lisplets_reply_limits defaults = LISPLETS_REPLY_LIMITS_DEFAULT;
    lisplets_reply_init(r);
    lisplets_reader_init(rd, r, limits != NULL ? limits : &defaults);
    return (struct pieces_parser){
        .ctx = rd,
        .feed = pieces_lisplets_feed,
        .err = pieces_lisplets_err,
        .ok_is_final = true,
        .valid = valid,
        .valid_len = sizeof(valid) - 1,
        .check = check,
    };
}

#endif
