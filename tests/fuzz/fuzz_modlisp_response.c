/* fuzz_modlisp_response.c - the mod_lisp response parser and the CGI head
 * built from its result.
 * fcgi-lisp, MIT licence.
 *
 * Invariants, under the default limits and under small ones: those pieces.h
 * checks on every call; feeding the input whole, byte by byte, and split at
 * data[0] % size (each piece from a heap copy of exactly its size) gives the
 * same result code, consumed length, error, status, lengths and fields; no
 * field name or value, and no reason phrase, holds CR, LF or NUL; the CGI
 * head of a complete block has CR and LF only as CRLF line ends. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "buf.h"
#include "cgi_response.h"
#include "fuzz.h"
#include "modlisp.h"
#include "pieces.h"

static bool fuzz_clean(struct slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '\r' || s.ptr[i] == '\n' || s.ptr[i] == '\0')
            return false;
    return true;
}

/* Every CR is followed by LF and every LF follows a CR; the head ends with
 * the empty line. */
static void fuzz_check_head(const struct modlisp_response *r)
{
    struct buf head = BUF_INIT;
    cgi_response_head_encode(&head, r, r->status % 2 == 0, "text/plain");
    struct slice h = buf_slice(&head);
    FUZZ_ASSERT(h.len >= 4 && memcmp(h.ptr + h.len - 4, "\r\n\r\n", 4) == 0);
    for (size_t i = 0; i < h.len; i++) {
        FUZZ_ASSERT(h.ptr[i] != '\0');
        if (h.ptr[i] == '\r')
            FUZZ_ASSERT(i + 1 < h.len && h.ptr[i + 1] == '\n');
        if (h.ptr[i] == '\n')
            FUZZ_ASSERT(i > 0 && h.ptr[i - 1] == '\r');
    }
    buf_free(&head);
}

/* Parses data fed in pieces ending at cuts[] (increasing), then calls finish
 * if more was needed, checks the per-run invariants and describes the
 * whole outcome into out. */
static void fuzz_parse(struct buf *out, const uint8_t *data, size_t size, const size_t *cuts,
                       size_t ncuts, const struct modlisp_limits *limits)
{
    struct modlisp_response r;
    struct modlisp_parser p;
    const struct pieces_parser pp = pieces_modlisp_start(&p, &r, limits, fuzz_check);
    size_t consumed;
    enum parse_rc rc = pieces_feed(&pp, data, size, cuts, ncuts, &consumed);
    if (rc == PARSE_AGAIN)
        rc = modlisp_response_finish(&p);
    FUZZ_ASSERT(rc != PARSE_AGAIN);
    FUZZ_ASSERT((rc == PARSE_ERROR) == (p.err != NULL));
    FUZZ_ASSERT(p.block_bytes <= p.limits.max_block && p.pairs <= p.limits.max_fields);
    FUZZ_ASSERT(r.status >= 100 && r.status <= 999);
    FUZZ_ASSERT(fuzz_clean(r.reason));
    FUZZ_ASSERT(r.content_length >= -1 && r.body_length >= -1);
    FUZZ_ASSERT(r.nfields <= p.limits.max_fields);

    buf_printf(out, "%d %zu %s %d [%.*s] %" PRId64 " %" PRId64 " %d\n", (int)rc,
               consumed, p.err ? p.err : "-", r.status, (int)r.reason.len,
               (const char *)r.reason.ptr, r.content_length, r.body_length, (int)r.keep_socket);
    for (size_t i = 0; i < r.nfields; i++) {
        struct slice n = modlisp_field_name(&r, &r.fields[i]);
        struct slice v = modlisp_field_value(&r, &r.fields[i]);
        FUZZ_ASSERT(n.len > 0 && n.len <= p.limits.max_line && v.len <= p.limits.max_line);
        FUZZ_ASSERT(fuzz_clean(n) && fuzz_clean(v));
        buf_printf(out, "%d %d ", (int)r.fields[i].kind, r.fields[i].log_level);
        buf_append(out, n.ptr, n.len);
        buf_append_byte(out, '\n');
        buf_append(out, v.ptr, v.len);
        buf_append_byte(out, '\n');
    }
    if (rc == PARSE_OK)
        fuzz_check_head(&r);
    modlisp_parser_free(&p);
    modlisp_response_free(&r);
}

static void fuzz_run(const uint8_t *data, size_t size, const struct modlisp_limits *limits)
{
    struct buf whole = BUF_INIT, split = BUF_INIT, bytewise = BUF_INIT;
    fuzz_parse(&whole, data, size, NULL, 0, limits);

    size_t cut = size > 0 ? data[0] % size : 0;
    fuzz_parse(&split, data, size, &cut, 1, limits);
    FUZZ_ASSERT(fuzz_same(&split, &whole));

    size_t *cuts = pieces_every_byte(size);
    FUZZ_ASSERT(cuts != NULL);
    fuzz_parse(&bytewise, data, size, cuts, size, limits);
    FUZZ_ASSERT(fuzz_same(&bytewise, &whole));
    free(cuts);
    buf_free(&whole);
    buf_free(&split);
    buf_free(&bytewise);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct modlisp_limits defaults = MODLISP_LIMITS_DEFAULT;
    static const struct modlisp_limits small = {16, 256, 8};
    fuzz_run(data, size, &defaults);
    fuzz_run(data, size, &small);
    return 0;
}
