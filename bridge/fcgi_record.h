/* fcgi_record.h - FastCGI 1.0 record parser and record encoders; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The parser is a push parser over a byte stream of records (FastCGI spec
 * section 3.3). It hands out record content as chunks that borrow from the
 * caller's input, so a 64 KiB STDIN record is never copied. The three discrete
 * record types with a fixed 8-byte body (BEGIN_REQUEST, END_REQUEST,
 * UNKNOWN_TYPE) are assembled by the parser and handed out whole. */
#ifndef FCGI_LISP_FCGI_RECORD_H
#define FCGI_LISP_FCGI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"
#include "parse.h"

/* Constants from the FastCGI specification, section 8. */
#define FCGI_LISTENSOCK_FILENO 0
#define FCGI_HEADER_LEN 8
#define FCGI_VERSION_1 1
#define FCGI_MAX_CONTENT 65535
#define FCGI_NULL_REQUEST_ID 0

#define FCGI_BEGIN_REQUEST 1
#define FCGI_ABORT_REQUEST 2
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_STDOUT 6
#define FCGI_STDERR 7
#define FCGI_DATA 8
#define FCGI_GET_VALUES 9
#define FCGI_GET_VALUES_RESULT 10
#define FCGI_UNKNOWN_TYPE 11
#define FCGI_MAXTYPE FCGI_UNKNOWN_TYPE

#define FCGI_KEEP_CONN 1

#define FCGI_RESPONDER 1
#define FCGI_AUTHORIZER 2
#define FCGI_FILTER 3

#define FCGI_REQUEST_COMPLETE 0
#define FCGI_CANT_MPX_CONN 1
#define FCGI_OVERLOADED 2
#define FCGI_UNKNOWN_ROLE 3

/* One piece of one record's content. */
struct fcgi_chunk {
    uint8_t type;
    uint16_t request_id;
    uint16_t content_length; /* of the whole record */
    const uint8_t *data;     /* borrowed: into the input, or into the parser for
                                the fixed 8-byte bodies; valid until the next
                                fcgi_parser_feed call or until the input moves */
    size_t len;              /* 0 only for a record with no content */
    bool first;              /* first chunk of this record */
    bool last;               /* this chunk completes the record's content */
};

enum fcgi_parser_state {
    FCGI_PARSER_HEADER,
    FCGI_PARSER_CONTENT,
    FCGI_PARSER_PADDING,
};

struct fcgi_parser {
    enum fcgi_parser_state state;
    uint8_t header[FCGI_HEADER_LEN]; /* header bytes gathered so far */
    size_t header_have;
    uint8_t type;
    uint16_t request_id;
    uint16_t content_length;
    size_t content_left;             /* content bytes of the current record still to come */
    size_t padding_left;             /* padding bytes still to skip */
    bool chunk_sent;                 /* a chunk of the current record was handed out */
    uint8_t body[8];                 /* assembly area for the fixed 8-byte bodies */
    size_t body_have;
    const char *err;                 /* static string, set with PARSE_ERROR */
};

void fcgi_parser_init(struct fcgi_parser *p);

/* Consumes bytes from [*pos, end) and advances *pos.
 * PARSE_OK: *out holds the next chunk. Chunks of a record come in order; the
 *   first has first = true, the last has last = true; their lengths add up to
 *   content_length. Padding is skipped silently.
 * PARSE_AGAIN: all of [*pos, end) was consumed without completing a chunk
 *   (a header is checked once its 8 bytes are in).
 *   A fixed-size body (BEGIN_REQUEST, END_REQUEST, UNKNOWN_TYPE) is one chunk
 *   of exactly 8 bytes; content beyond 8 bytes is skipped like padding.
 * PARSE_ERROR: p->err says why (version other than 1, a fixed-size body shorter
 *   than 8 bytes); the stream cannot be resynchronised. Once in error, the
 *   parser keeps returning PARSE_ERROR. */
enum parse_rc fcgi_parser_feed(struct fcgi_parser *p, const uint8_t **pos, const uint8_t *end,
                               struct fcgi_chunk *out);

/* Writes the 8-byte record header. */
void fcgi_header_encode(uint8_t out[FCGI_HEADER_LEN], uint8_t type, uint16_t request_id,
                        uint16_t content_length, uint8_t padding_length);

/* Appends one record (no padding); len <= FCGI_MAX_CONTENT, len 0 is the
 * empty record that ends a stream. */
void fcgi_record_append(struct buf *out, uint8_t type, uint16_t request_id, const void *content,
                        size_t len);

/* Appends `len` bytes of a stream (STDOUT, STDERR, STDIN, PARAMS) as as many
 * records of at most FCGI_MAX_CONTENT bytes as needed; len 0 appends nothing. */
void fcgi_stream_append(struct buf *out, uint8_t type, uint16_t request_id, const void *data,
                        size_t len);

/* The records fcgi_stream_append would append, without copying the data:
 * at most max_records records of the stream (type, request_id) over data;
 * record i's header goes into headers[i], and iov[2i], iov[2i+1] point at
 * that header and at its content in data. Returns the iovec entries filled
 * and sets *framed to the data bytes they cover (all of len, or as many
 * whole records as fit). */
size_t fcgi_stream_frame(uint8_t (*headers)[FCGI_HEADER_LEN], struct iovec *iov,
                         size_t max_records, uint8_t type, uint16_t request_id, const void *data,
                         size_t len, size_t *framed);

/* END_REQUEST (spec 5.5): appStatus first, then protocolStatus. */
void fcgi_end_request_append(struct buf *out, uint16_t request_id, uint32_t app_status,
                             uint8_t protocol_status);

/* UNKNOWN_TYPE (spec 4.2) for a management record of type `type`. */
void fcgi_unknown_type_append(struct buf *out, uint8_t type);

/* Decodes a BEGIN_REQUEST body (8 bytes). */
void fcgi_begin_request_decode(const uint8_t body[8], uint16_t *role, uint8_t *flags);

#endif
