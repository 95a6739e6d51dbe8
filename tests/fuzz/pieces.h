/* pieces.h - feeds an input to a push parser in pieces, for the unit suites
 * and the fuzz targets alike.
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
 * Makefile builds no object of its own for it. */
#ifndef FCGI_LISP_PIECES_H
#define FCGI_LISP_PIECES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define PIECES_CHECK(pp, cond) (pp)->check((cond), #cond, __FILE__, __LINE__, false)
#define PIECES_REQUIRE(pp, cond) (pp)->check((cond), #cond, __FILE__, __LINE__, true)

/* After PARSE_ERROR, or a final PARSE_OK, at *pos in [.., end): the parser
 * repeats rc and consumes nothing, from the rest of this piece or (after an
 * error) from valid input. */
static inline void pieces_check_sticky(const struct pieces_parser *pp, enum parse_rc rc,
                                       const uint8_t *pos, const uint8_t *end)
{
    const uint8_t *again = pos;
    PIECES_CHECK(pp, pp->feed(pp->ctx, &again, end) == rc);
    PIECES_CHECK(pp, again == pos);
    if (rc != PARSE_ERROR)
        return;
    const uint8_t *fresh = pp->valid;
    PIECES_CHECK(pp, pp->feed(pp->ctx, &fresh, pp->valid + pp->valid_len) == PARSE_ERROR);
    PIECES_CHECK(pp, fresh == pp->valid);
    PIECES_CHECK(pp, pp->err(pp->ctx) != NULL);
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
        size_t n = stop - start;
        uint8_t *copy = malloc(n > 0 ? n : 1);
        PIECES_REQUIRE(pp, copy != NULL);
        if (n > 0)
            memcpy(copy, input + start, n);
        const uint8_t *pos = copy, *end = copy + n;
        for (;;) {
            const uint8_t *before = pos;
            rc = pp->feed(pp->ctx, &pos, end);
            PIECES_REQUIRE(pp, pos >= before && pos <= end); /* only advances, never past end */
            PIECES_CHECK(pp, (rc == PARSE_ERROR) == (pp->err(pp->ctx) != NULL));
            if (rc == PARSE_OK) {
                if (pp->on_ok != NULL)
                    pp->on_ok(pp->ctx, copy, n, start + (size_t)(pos - copy));
                if (!pp->ok_is_final)
                    continue;
                pieces_check_sticky(pp, rc, pos, end);
                break;
            }
            if (rc == PARSE_AGAIN) {
                PIECES_CHECK(pp, pos == end); /* AGAIN means all input was consumed */
                break;
            }
            PIECES_REQUIRE(pp, rc == PARSE_ERROR);
            pieces_check_sticky(pp, rc, pos, end);
            break;
        }
        *consumed = start + (size_t)(pos - copy);
        free(copy);
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
        for (size_t i = 0; i < len; i++)
            cuts[i] = i + 1;
    return cuts;
}

/* True if [p, p+n) lies inside [lo, lo+lo_len): where a borrowed result may point. */
static inline bool pieces_within(const uint8_t *p, size_t n, const uint8_t *lo, size_t lo_len)
{
    return lo != NULL && p >= lo && p <= lo + lo_len && n <= (size_t)(lo + lo_len - p);
}

#endif
