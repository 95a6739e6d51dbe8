/* fuzz_lisplets_reply.c - libFuzzer target for the Lisplets reply reader.
 * fcgi-lisp, MIT licence.
 *
 * The input is a reply. It is read whole, byte by byte, and split at a
 * point taken from its first byte, through pieces.h (which checks the
 * parse.h contract on every call). All three must give the same result,
 * body offset and tree (nodes and text). A tree that is accepted has node
 * 0 as a list, every link inside the tree, every atom's text inside the
 * text buffer, and every top-level element a list headed by an atom. */
#include "config.h"

#include "fuzz.h"
#include "pieces.h"

struct fuzz_reply {
    enum parse_rc rc;
    size_t consumed;
    struct lisplets_reply r;
};

static void fuzz_reply_read(void *ctx, const uint8_t *data, size_t size, const size_t *cuts,
                            size_t ncuts)
{
    struct fuzz_reply *out = ctx;
    struct lisplets_reader rd;
    const struct pieces_parser pp = pieces_lisplets_start(&rd, &out->r, NULL, fuzz_check);
    out->rc = pieces_feed(&pp, data, size, cuts, ncuts, &out->consumed);
}

static void fuzz_reply_same(const struct fuzz_reply *a, const struct fuzz_reply *b)
{
    FUZZ_ASSERT(a->rc == b->rc);
    if (a->rc != PARSE_OK)
        return;
    FUZZ_ASSERT(a->consumed == b->consumed);
    FUZZ_ASSERT(a->r.n == b->r.n);
    FUZZ_ASSERT(memcmp(a->r.nodes, b->r.nodes, a->r.n * sizeof *a->r.nodes) == 0);
    FUZZ_ASSERT(fuzz_same(&a->r.text, &b->r.text));
}

static void fuzz_tree_ok(const struct lisplets_reply *r)
{
    FUZZ_ASSERT(r->n >= 1 && r->nodes[0].is_list);
    for (size_t i = 0; i < r->n; i++) {
        const struct lisplets_node *nd = &r->nodes[i];
        FUZZ_ASSERT(nd->first == LISPLETS_REPLY_NONE || (nd->first > i && nd->first < r->n));
        FUZZ_ASSERT(nd->next == LISPLETS_REPLY_NONE || (nd->next > i && nd->next < r->n));
        if (!nd->is_list)
            FUZZ_ASSERT(nd->first == LISPLETS_REPLY_NONE &&
                        (size_t)nd->text_off + nd->text_len <= buf_size(&r->text));
    }
    for (uint32_t c = r->nodes[0].first; c != LISPLETS_REPLY_NONE; c = r->nodes[c].next)
        FUZZ_ASSERT(r->nodes[c].is_list && r->nodes[c].first != LISPLETS_REPLY_NONE &&
                    !r->nodes[r->nodes[c].first].is_list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_reply whole, bytes, split;
    pieces_three_ways((void *[3]){&whole, &bytes, &split}, data, size, fuzz_reply_read,
                      fuzz_check);
    fuzz_reply_same(&whole, &bytes);
    fuzz_reply_same(&whole, &split);
    if (whole.rc == PARSE_OK) {
        fuzz_tree_ok(&whole.r);
        FUZZ_ASSERT(whole.consumed >= 2 && data[whole.consumed - 1] == ')');
    }
    lisplets_reply_free(&whole.r);
    lisplets_reply_free(&bytes.r);
    lisplets_reply_free(&split.r);
    return 0;
}
