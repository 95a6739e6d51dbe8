/* fuzz_form.c - libFuzzer target for the urlencoded decoder.
 * fcgi-lisp, MIT licence.
 *
 * The input is a query string or form body. Decoded whole, byte by byte
 * and split at a point taken from its first byte (through pieces.h), it
 * must give the same pairs; every pair lies inside the store; the store
 * holds no more than the input had bytes (decoding only shrinks). */
#include "config.h"

#include "fuzz.h"
#include "pieces.h"

struct fuzz_decoded {
    enum parse_rc rc;
    struct form_pairs p;
};

static void fuzz_decode(void *ctx, const uint8_t *data, size_t size, const size_t *cuts,
                        size_t ncuts)
{
    struct fuzz_decoded *out = ctx;
    struct form_decoder d;
    const struct pieces_parser pp = pieces_form_start(&d, &out->p, 64, 4096, fuzz_check);
    size_t consumed;
    out->rc = pieces_feed(&pp, data, size, cuts, ncuts, &consumed);
    if (out->rc != PARSE_ERROR)
        out->rc = form_decode_finish(&d);
    FUZZ_ASSERT((out->rc == PARSE_ERROR) == (d.err != NULL));
    form_decoder_free(&d);
}

static void fuzz_form_same(const struct fuzz_decoded *a, const struct fuzz_decoded *b)
{
    FUZZ_ASSERT(a->rc == b->rc && a->p.n == b->p.n);
    FUZZ_ASSERT(a->p.n == 0 || memcmp(a->p.v, b->p.v, a->p.n * sizeof *a->p.v) == 0);
    FUZZ_ASSERT(fuzz_same(&a->p.store, &b->p.store));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_decoded whole, bytes, split;
    pieces_three_ways((void *[3]){&whole, &bytes, &split}, data, size, fuzz_decode, fuzz_check);
    fuzz_form_same(&whole, &bytes);
    fuzz_form_same(&whole, &split);
    FUZZ_ASSERT(buf_size(&whole.p.store) <= size);
    for (size_t i = 0; i < whole.p.n; i++) {
        const struct form_pair *f = &whole.p.v[i];
        FUZZ_ASSERT((size_t)f->name_off + f->name_len <= buf_size(&whole.p.store));
        FUZZ_ASSERT((size_t)f->value_off + f->value_len <= buf_size(&whole.p.store));
    }
    form_pairs_free(&whole.p);
    form_pairs_free(&bytes.p);
    form_pairs_free(&split.p);
    return 0;
}
