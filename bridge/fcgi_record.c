/* fcgi_record.c - FastCGI 1.0 record parser and record encoders; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The parser is a byte-driven state machine in the manner of nginx's
 * ngx_http_fastcgi_process_record: header, content, padding. It keeps no
 * copy of stream content; only the fixed 8-byte bodies are assembled. */
#include "config.h"

#include "fcgi_record.h"

#include <assert.h>
#include <string.h>

void fcgi_parser_init(struct fcgi_parser *p)
{
    memset(p, 0, sizeof *p);
    p->state = FCGI_PARSER_HEADER;
}

/* BEGIN_REQUEST, END_REQUEST and UNKNOWN_TYPE have an 8-byte body (spec 5.1,
 * 5.5, 4.2) that the parser hands out whole. */
static bool fcgi_type_has_fixed_body(uint8_t type)
{
    return type == FCGI_BEGIN_REQUEST || type == FCGI_END_REQUEST || type == FCGI_UNKNOWN_TYPE;
}

static enum parse_rc fcgi_parser_fail(struct fcgi_parser *p, const char *why)
{
    p->err = why;
    return PARSE_ERROR;
}

/* The 8 header bytes are in p->header: decode them and choose the next state. */
static enum parse_rc fcgi_parser_header_done(struct fcgi_parser *p)
{
    const uint8_t *h = p->header;
    if (h[0] != FCGI_VERSION_1)
        return fcgi_parser_fail(p, "record version is not 1");
    p->type = h[1];
    p->request_id = (uint16_t)(h[2] << 8 | h[3]);
    p->content_length = (uint16_t)(h[4] << 8 | h[5]);
    p->content_left = p->content_length;
    p->padding_left = h[6];
    p->header_have = 0;
    p->chunk_sent = false;
    p->body_have = 0;
    if (fcgi_type_has_fixed_body(p->type) && p->content_length < sizeof p->body)
        return fcgi_parser_fail(p, "record body shorter than the 8 bytes its type requires");
    p->state = FCGI_PARSER_CONTENT;
    return PARSE_OK;
}

/* Ends the current record's content: padding next, or the next header. */
static void fcgi_parser_content_done(struct fcgi_parser *p)
{
    p->state = p->padding_left > 0 ? FCGI_PARSER_PADDING : FCGI_PARSER_HEADER;
}

static void fcgi_chunk_fill(struct fcgi_parser *p, struct fcgi_chunk *out, const uint8_t *data,
                            size_t len, bool last)
{
    out->type = p->type;
    out->request_id = p->request_id;
    out->content_length = p->content_length;
    out->data = data;
    out->len = len;
    out->first = !p->chunk_sent;
    out->last = last;
    p->chunk_sent = true;
}

/* Fixed-size body: gathers 8 bytes into p->body; any content beyond them is
 * skipped like padding (the spec fixes the length at 8, so there is none in
 * practice). */
static enum parse_rc fcgi_parser_fixed_body(struct fcgi_parser *p, const uint8_t **pos,
                                            const uint8_t *end, struct fcgi_chunk *out)
{
    size_t want = sizeof p->body - p->body_have;
    size_t avail = (size_t)(end - *pos);
    size_t n = avail < want ? avail : want;
    if (n > 0)
        memcpy(p->body + p->body_have, *pos, n);
    p->body_have += n;
    p->content_left -= n;
    *pos += n;
    if (p->body_have < sizeof p->body)
        return PARSE_AGAIN;
    p->padding_left += p->content_left;
    p->content_left = 0;
    fcgi_chunk_fill(p, out, p->body, sizeof p->body, true);
    fcgi_parser_content_done(p);
    return PARSE_OK;
}

enum parse_rc fcgi_parser_feed(struct fcgi_parser *p, const uint8_t **pos, const uint8_t *end,
                               struct fcgi_chunk *out)
{
    if (p->err != NULL)
        return PARSE_ERROR;
    for (;;) {
        switch (p->state) {
        case FCGI_PARSER_HEADER: {
            size_t want = FCGI_HEADER_LEN - p->header_have;
            size_t avail = (size_t)(end - *pos);
            size_t n = avail < want ? avail : want;
            if (n > 0)
                memcpy(p->header + p->header_have, *pos, n);
            p->header_have += n;
            *pos += n;
            if (p->header_have < FCGI_HEADER_LEN)
                return PARSE_AGAIN;
            if (fcgi_parser_header_done(p) != PARSE_OK)
                return PARSE_ERROR;
            if (p->content_length == 0) {
                /* An empty record (end of a stream) is one chunk of length 0. */
                fcgi_chunk_fill(p, out, *pos, 0, true);
                fcgi_parser_content_done(p);
                return PARSE_OK;
            }
            break;
        }
        case FCGI_PARSER_CONTENT: {
            if (fcgi_type_has_fixed_body(p->type))
                return fcgi_parser_fixed_body(p, pos, end, out);
            size_t avail = (size_t)(end - *pos);
            if (avail == 0)
                return PARSE_AGAIN;
            size_t n = avail < p->content_left ? avail : p->content_left;
            p->content_left -= n;
            fcgi_chunk_fill(p, out, *pos, n, p->content_left == 0);
            *pos += n;
            if (p->content_left == 0)
                fcgi_parser_content_done(p);
            return PARSE_OK;
        }
        case FCGI_PARSER_PADDING: {
            size_t avail = (size_t)(end - *pos);
            size_t n = avail < p->padding_left ? avail : p->padding_left;
            p->padding_left -= n;
            *pos += n;
            if (p->padding_left > 0)
                return PARSE_AGAIN;
            p->state = FCGI_PARSER_HEADER;
            break;
        }
        }
    }
}

void fcgi_header_encode(uint8_t out[FCGI_HEADER_LEN], uint8_t type, uint16_t request_id,
                        uint16_t content_length, uint8_t padding_length)
{
    out[0] = FCGI_VERSION_1;
    out[1] = type;
    out[2] = (uint8_t)(request_id >> 8);
    out[3] = (uint8_t)request_id;
    out[4] = (uint8_t)(content_length >> 8);
    out[5] = (uint8_t)content_length;
    out[6] = padding_length;
    out[7] = 0;
}

void fcgi_record_append(struct buf *out, uint8_t type, uint16_t request_id, const void *content,
                        size_t len)
{
    assert(len <= FCGI_MAX_CONTENT);
    uint8_t header[FCGI_HEADER_LEN];
    fcgi_header_encode(header, type, request_id, (uint16_t)len, 0);
    buf_reserve(out, sizeof header + len);
    buf_append(out, header, sizeof header);
    if (len > 0)
        buf_append(out, content, len);
}

void fcgi_stream_append(struct buf *out, uint8_t type, uint16_t request_id, const void *data,
                        size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t n = len < FCGI_MAX_CONTENT ? len : FCGI_MAX_CONTENT;
        fcgi_record_append(out, type, request_id, p, n);
        p += n;
        len -= n;
    }
}

size_t fcgi_stream_frame(uint8_t (*headers)[FCGI_HEADER_LEN], struct iovec *iov,
                         size_t max_records, uint8_t type, uint16_t request_id, const void *data,
                         size_t len, size_t *framed)
{
    const uint8_t *p = data;
    size_t done = 0, records = 0;
    while (done < len && records < max_records) {
        size_t n = len - done < FCGI_MAX_CONTENT ? len - done : FCGI_MAX_CONTENT;
        fcgi_header_encode(headers[records], type, request_id, (uint16_t)n, 0);
        iov[2 * records] = (struct iovec){headers[records], FCGI_HEADER_LEN};
        iov[2 * records + 1] = (struct iovec){(void *)(p + done), n};
        done += n;
        records++;
    }
    *framed = done;
    return 2 * records;
}

void fcgi_end_request_append(struct buf *out, uint16_t request_id, uint32_t app_status,
                             uint8_t protocol_status)
{
    uint8_t body[8] = {
        (uint8_t)(app_status >> 24), (uint8_t)(app_status >> 16), (uint8_t)(app_status >> 8),
        (uint8_t)app_status, protocol_status, 0, 0, 0,
    };
    fcgi_record_append(out, FCGI_END_REQUEST, request_id, body, sizeof body);
}

void fcgi_unknown_type_append(struct buf *out, uint8_t type)
{
    uint8_t body[8] = {type, 0, 0, 0, 0, 0, 0, 0};
    fcgi_record_append(out, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, body, sizeof body);
}

void fcgi_begin_request_decode(const uint8_t body[8], uint16_t *role, uint8_t *flags)
{
    *role = (uint16_t)(body[0] << 8 | body[1]);
    *flags = body[2];
}
