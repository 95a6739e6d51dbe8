/* fuzz_fcgi_params.c - the FastCGI name-value pair decoder and encoder.
 * fcgi-lisp, MIT licence.
 *
 * The input is the concatenated content of a PARAMS stream. Invariants,
 * under a realistic limit and a small one:
 * - *pos only advances and never passes end; PARSE_AGAIN consumes all input;
 *   err is set exactly with PARSE_ERROR, and once in error the decoder keeps
 *   returning PARSE_ERROR without consuming anything; fcgi_params_finish is
 *   0 only on a pair boundary and sets err otherwise.
 * - The pairs and the outcome equal those of a direct walk of the spec's
 *   layout over the whole input.
 * - Every pair's name + value is within max_pair; slices borrow from the
 *   input of the current call or from the scratch; the scratch never grows
 *   beyond what max_pair allows.
 * - Fed whole, split at two points derived from the input, and byte by
 *   byte (each piece from a heap copy of exactly its size), the pairs, the
 *   outcome and the bytes consumed are the same.
 * - Re-encoding the pairs with fcgi_pair_append and decoding that gives the
 *   same pairs; the encoding is never longer than the input they came from,
 *   and is byte-identical when the input used the shortest length forms. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "fcgi_params.h"
#include "fuzz.h"
#include "pieces.h"

enum fuzz_end { FUZZ_END_OK, FUZZ_END_CUT, FUZZ_END_ERROR };

struct fuzz_run {
    struct buf desc;     /* "<name_len> <value_len>\n<name><value>\n" per pair, then the end */
    struct buf reenc;    /* the pairs re-encoded with fcgi_pair_append */
    enum fuzz_end end;
    size_t consumed;     /* input bytes consumed */
    size_t pairs_end;    /* input offset just after the last pair handed out */
    size_t pairs;
};

/* Adds one pair to the run's description and re-encoding. */
static void fuzz_pair(void *user, const struct fcgi_pair *pair, size_t at)
{
    struct fuzz_run *r = user;
    buf_printf(&r->desc, "%zu %zu\n", pair->name.len, pair->value.len);
    buf_append(&r->desc, pair->name.ptr, pair->name.len);
    buf_append(&r->desc, pair->value.ptr, pair->value.len);
    buf_append_byte(&r->desc, '\n');
    fcgi_pair_append(&r->reenc, pair->name.ptr, pair->name.len, pair->value.ptr, pair->value.len);
    r->pairs++;
    r->pairs_end = at;
}

/* Feeds data in pieces ending at cuts[] (increasing), then finishes. */
static void fuzz_decode(struct fuzz_run *r, const uint8_t *data, size_t size, const size_t *cuts,
                        size_t ncuts, size_t max_pair)
{
    memset(r, 0, sizeof(*r));
    struct pieces_params f = {.on_pair = fuzz_pair, .user = r};
    const struct pieces_parser pp = pieces_params_start(&f, max_pair, fuzz_check);
    enum parse_rc rc = pieces_feed(&pp, data, size, cuts, ncuts, &r->consumed);
    /* buf_reserve starts at 64 and doubles */
    FUZZ_ASSERT(f.scratch_cap <= (max_pair > 64 ? 2 * max_pair : 64));
    int fin = fcgi_params_finish(&f.d);
    FUZZ_ASSERT(fin == 0 || fin == -1);
    FUZZ_ASSERT((fin == -1) == (f.d.err != NULL));
    if (rc == PARSE_ERROR) {
        FUZZ_ASSERT(fin == -1);
        r->end = FUZZ_END_ERROR;
    } else {
        FUZZ_ASSERT(r->consumed == size);
        r->end = fin == 0 ? FUZZ_END_OK : FUZZ_END_CUT;
        /* finish is 0 exactly when the last pair ended the input */
        FUZZ_ASSERT((fin == 0) == (r->pairs_end == size));
    }
    buf_printf(&r->desc, "end=%d\n", (int)r->end);
    fcgi_params_free(&f.d);
    FUZZ_ASSERT(f.d.scratch.ptr == NULL);
}

/* Reads one length at data[*off] (spec 3.4); false if the input ends first. */
static bool fuzz_model_length(const uint8_t *data, size_t size, size_t *off, size_t *len)
{
    if (*off >= size)
        return false;
    if ((data[*off] & 0x80) == 0) {
        *len = data[(*off)++];
        return true;
    }
    if (size - *off < 4)
        return false;
    const uint8_t *b = data + *off;
    *len = (size_t)(b[0] & 0x7f) << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
    *off += 4;
    return true;
}

/* The spec's layout walked directly over the whole input; the same
 * description fuzz_decode builds. */
static void fuzz_model(struct buf *out, const uint8_t *data, size_t size, size_t max_pair)
{
    size_t off = 0;
    enum fuzz_end end = FUZZ_END_OK;
    while (off < size) {
        size_t nlen, vlen;
        if (!fuzz_model_length(data, size, &off, &nlen)
            || !fuzz_model_length(data, size, &off, &vlen)) {
            end = FUZZ_END_CUT;
            break;
        }
        if (nlen + vlen > max_pair) {
            end = FUZZ_END_ERROR;
            break;
        }
        if (size - off < nlen + vlen) {
            end = FUZZ_END_CUT;
            break;
        }
        buf_printf(out, "%zu %zu\n", nlen, vlen);
        buf_append(out, data + off, nlen + vlen);
        buf_append_byte(out, '\n');
        off += nlen + vlen;
    }
    buf_printf(out, "end=%d\n", (int)end);
}

static void fuzz_run(const uint8_t *data, size_t size, size_t max_pair)
{
    struct fuzz_run whole, split, bytewise, again;
    fuzz_decode(&whole, data, size, NULL, 0, max_pair);

    struct buf model = BUF_INIT;
    fuzz_model(&model, data, size, max_pair);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &model));
    buf_free(&model);

    size_t cuts[2];
    fuzz_two_cuts(data, size, cuts);
    fuzz_decode(&split, data, size, cuts, 2, max_pair);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &split.desc));
    FUZZ_ASSERT(whole.consumed == split.consumed && whole.pairs_end == split.pairs_end);

    size_t *every = pieces_every_byte(size);
    FUZZ_ASSERT(every != NULL);
    fuzz_decode(&bytewise, data, size, every, size, max_pair);
    free(every);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &bytewise.desc));
    FUZZ_ASSERT(whole.consumed == bytewise.consumed && whole.pairs_end == bytewise.pairs_end);

    /* the encoder round-trips what the decoder produced */
    fuzz_decode(&again, buf_data(&whole.reenc), buf_size(&whole.reenc), NULL, 0, max_pair);
    FUZZ_ASSERT(again.end == FUZZ_END_OK && again.pairs == whole.pairs);
    FUZZ_ASSERT(fuzz_same(&again.reenc, &whole.reenc));
    /* same pairs: the descriptions agree up to the end line */
    size_t body = buf_size(&whole.desc) - strlen("end=0\n");
    FUZZ_ASSERT(buf_size(&again.desc) == body + strlen("end=0\n"));
    FUZZ_ASSERT(memcmp(buf_data(&again.desc), buf_data(&whole.desc), body) == 0);
    /* shortest forms: never longer than the input, identical when as long */
    FUZZ_ASSERT(buf_size(&whole.reenc) <= whole.pairs_end);
    if (buf_size(&whole.reenc) == whole.pairs_end)
        FUZZ_ASSERT(memcmp(buf_data(&whole.reenc), data, whole.pairs_end) == 0);

    buf_free(&whole.desc);
    buf_free(&whole.reenc);
    buf_free(&split.desc);
    buf_free(&split.reenc);
    buf_free(&bytewise.desc);
    buf_free(&bytewise.reenc);
    buf_free(&again.desc);
    buf_free(&again.reenc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_run(data, size, 65536); /* a realistic cap: nginx and lighttpd send <= 64 KiB */
    fuzz_run(data, size, 16);
    return 0;
}
