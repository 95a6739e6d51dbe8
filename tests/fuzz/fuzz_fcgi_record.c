/* fuzz_fcgi_record.c - the FastCGI record parser and record encoders.
 * fcgi-lisp, MIT licence.
 *
 * The input is a byte stream as a web server would send it. Invariants:
 * - *pos only advances and never passes end; PARSE_AGAIN consumes all input;
 *   err is set exactly with PARSE_ERROR, and once in error the parser keeps
 *   returning PARSE_ERROR without consuming anything.
 * - Chunks of a record come in order (first, ..., last) with the same type,
 *   request id and content_length; their lengths add up to content_length
 *   (8 for the fixed-size bodies); len is 0 only for an empty record; stream
 *   content borrows from the input of the current call.
 * - Fed whole, split at two points derived from the input, and byte by
 *   byte (each piece from a heap copy of exactly its size), the records,
 *   the result and the bytes consumed are the same.
 * - The records equal those of a direct walk of the spec's layout (header,
 *   content, padding), so every byte is accounted for.
 * - Re-encoding the complete records with fcgi_record_append (and with the
 *   type-specific encoders where they apply) and parsing that gives them back. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "fcgi_record.h"
#include "fuzz.h"
#include "pieces.h"

static void fuzz_record_open(struct buf *out, uint8_t type, uint16_t id, uint16_t cl)
{
    buf_printf(out, "%u/%u/%u [", type, id, cl);
}

/* What one run produced. */
struct fuzz_run {
    struct buf desc;   /* "type/id/content_length [content]\n" per record */
    struct buf reenc;  /* the complete records, re-encoded without padding */
    struct buf canon;  /* their description with content_length = bytes seen */
    struct buf cur;    /* content of the record being handed out */
    enum parse_rc rc;
    size_t consumed;
    bool open;         /* the last record was not complete */
};

/* Adds one chunk (checked by pieces.h) to the run. */
static void fuzz_chunk(void *user, const struct fcgi_chunk *c)
{
    struct fuzz_run *r = user;
    if (c->first) {
        buf_clear(&r->cur);
        fuzz_record_open(&r->desc, c->type, c->request_id, c->content_length);
    }
    buf_append(&r->desc, c->data, c->len);
    buf_append(&r->cur, c->data, c->len);
    if (!c->last)
        return;
    buf_append_str(&r->desc, "]\n");
    fcgi_record_append(&r->reenc, c->type, c->request_id, buf_data(&r->cur), buf_size(&r->cur));
    fuzz_record_open(&r->canon, c->type, c->request_id, (uint16_t)buf_size(&r->cur));
    buf_append(&r->canon, buf_data(&r->cur), buf_size(&r->cur));
    buf_append_str(&r->canon, "]\n");
}

/* Feeds data in pieces ending at cuts[] (increasing). */
static void fuzz_parse(struct fuzz_run *r, const uint8_t *data, size_t size, const size_t *cuts,
                       size_t ncuts)
{
    memset(r, 0, sizeof(*r));
    struct pieces_record f = {.on_chunk = fuzz_chunk, .user = r};
    const struct pieces_parser pp = pieces_record_start(&f, fuzz_check);
    r->rc = pieces_feed(&pp, data, size, cuts, ncuts, &r->consumed);
    r->open = f.open;
    if (r->open)
        buf_append_str(&r->desc, "...\n");
    buf_printf(&r->desc, "rc=%d\n", (int)r->rc);
}

/* The spec's layout walked directly: header, content, padding; the same
 * description fuzz_parse builds, given the same rules for errors. */
static void fuzz_model(struct buf *out, const uint8_t *data, size_t size)
{
    size_t off = 0;
    enum parse_rc rc = PARSE_AGAIN;
    while (size - off >= FCGI_HEADER_LEN) {
        const uint8_t *h = data + off;
        uint8_t type = h[1];
        uint16_t id = (uint16_t)(h[2] << 8 | h[3]);
        uint16_t cl = (uint16_t)(h[4] << 8 | h[5]);
        size_t pad = h[6];
        if (h[0] != FCGI_VERSION_1 || (pieces_record_fixed_body(type) && cl < 8)) {
            rc = PARSE_ERROR;
            break;
        }
        off += FCGI_HEADER_LEN;
        size_t avail = size - off < cl ? size - off : cl;
        if (pieces_record_fixed_body(type)) {
            if (avail >= 8) {
                fuzz_record_open(out, type, id, cl);
                buf_append(out, data + off, 8);
                buf_append_str(out, "]\n");
            }
        } else if (cl == 0 || avail > 0) {
            fuzz_record_open(out, type, id, cl);
            buf_append(out, data + off, avail);
            buf_append_str(out, avail == cl ? "]\n" : "...\n");
        }
        if (avail < cl || size - off - cl < pad)
            break;
        off += cl + pad;
    }
    buf_printf(out, "rc=%d\n", (int)rc);
}

static void fuzz_run_free(struct fuzz_run *r)
{
    buf_free(&r->desc);
    buf_free(&r->reenc);
    buf_free(&r->canon);
    buf_free(&r->cur);
}

/* The type-specific encoders agree with fcgi_record_append on the records
 * they can express. */
static void fuzz_check_encoders(const uint8_t *data, size_t size)
{
    if (size < FCGI_HEADER_LEN + 8)
        return;
    const uint8_t *b = data + FCGI_HEADER_LEN;
    uint16_t id = (uint16_t)(data[2] << 8 | data[3]);
    struct buf want = BUF_INIT, got = BUF_INIT;

    uint8_t body[8] = {b[0], b[1], b[2], b[3], b[4], 0, 0, 0};
    uint32_t app_status = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    fcgi_record_append(&want, FCGI_END_REQUEST, id, body, 8);
    fcgi_end_request_append(&got, id, app_status, b[4]);
    FUZZ_ASSERT(fuzz_same(&want, &got));

    buf_clear(&want);
    buf_clear(&got);
    uint8_t unknown[8] = {b[5], 0, 0, 0, 0, 0, 0, 0};
    fcgi_record_append(&want, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, unknown, 8);
    fcgi_unknown_type_append(&got, b[5]);
    FUZZ_ASSERT(fuzz_same(&want, &got));

    uint16_t role;
    uint8_t flags;
    fcgi_begin_request_decode(b, &role, &flags);
    FUZZ_ASSERT(role == (uint16_t)(b[0] << 8 | b[1]) && flags == b[2]);

    /* a stream of the whole input: records of at most 65535 bytes, none empty */
    buf_clear(&got);
    fcgi_stream_append(&got, FCGI_STDOUT, id, data, size);
    size_t nrec = (size + FCGI_MAX_CONTENT - 1) / FCGI_MAX_CONTENT;
    FUZZ_ASSERT(buf_size(&got) == size + FCGI_HEADER_LEN * nrec);
    buf_free(&want);
    buf_free(&got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_run whole, split, bytewise;
    fuzz_parse(&whole, data, size, NULL, 0);

    /* against the layout walked directly */
    struct buf model = BUF_INIT;
    fuzz_model(&model, data, size);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &model));
    buf_free(&model);
    if (whole.rc == PARSE_AGAIN)
        FUZZ_ASSERT(whole.consumed == size);

    /* split at two points derived from the input */
    size_t cuts[2];
    fuzz_two_cuts(data, size, cuts);
    fuzz_parse(&split, data, size, cuts, 2);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &split.desc));
    FUZZ_ASSERT(whole.rc == split.rc && whole.consumed == split.consumed);
    FUZZ_ASSERT(fuzz_same(&whole.reenc, &split.reenc));

    size_t *every = pieces_every_byte(size);
    FUZZ_ASSERT(every != NULL);
    fuzz_parse(&bytewise, data, size, every, size);
    free(every);
    FUZZ_ASSERT(fuzz_same(&whole.desc, &bytewise.desc));
    FUZZ_ASSERT(whole.rc == bytewise.rc && whole.consumed == bytewise.consumed);

    /* the encoder's records parse back to the same records */
    struct fuzz_run again;
    fuzz_parse(&again, buf_data(&whole.reenc), buf_size(&whole.reenc), NULL, 0);
    FUZZ_ASSERT(again.rc == PARSE_AGAIN && again.consumed == buf_size(&whole.reenc));
    buf_printf(&whole.canon, "rc=%d\n", (int)PARSE_AGAIN);
    FUZZ_ASSERT(fuzz_same(&again.desc, &whole.canon));
    FUZZ_ASSERT(fuzz_same(&again.reenc, &whole.reenc));

    fuzz_check_encoders(data, size);

    fuzz_run_free(&whole);
    fuzz_run_free(&split);
    fuzz_run_free(&bytewise);
    fuzz_run_free(&again);
    return 0;
}
