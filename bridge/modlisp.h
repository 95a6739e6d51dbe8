/* modlisp.h - the mod_lisp protocol: request encoder and response parser; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Wire format (shared/reference/modlisp.md): "key\nvalue\n" pairs, the line
 * "end", then the body. Requests are written the way Apache's mod_lisp2 writes
 * them, so Lisp code written for it (cl-modlisp, TBNL, KPAX, UCW) reads them
 * unchanged. */
#ifndef FCGI_LISP_MODLISP_H
#define FCGI_LISP_MODLISP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cgi_request.h"
#include "parse.h"

/* The protocol version announced in modlisp-version: Debian's mod_lisp2. */
#define MODLISP_VERSION "1.3.1"
#define MODLISP_MAJOR_VERSION "2"

struct modlisp_request_opts {
    const char *server_id;          /* borrowed; the server-id line */
    const char *server_baseversion; /* borrowed; used when the request has no SERVER_SOFTWARE */
};

enum modlisp_encode_rc {
    MODLISP_ENCODE_OK,
    MODLISP_ENCODE_BAD_BYTE /* a CR or LF in a name or value: the request must be refused (400) */
};

/* Appends the header block of `req`, up to and including "end\n", to out.
 * body_length is the exact number of body bytes that will follow; a
 * content-length line (and a Content-Length header) is written when it is
 * non-zero or when the request carried a non-empty CONTENT_LENGTH. On
 * MODLISP_ENCODE_BAD_BYTE, *bad_name is the offending parameter's name
 * (borrowed from req; a static "server-id" or "server-baseversion" when the
 * byte is in opts) and out is left as it was. */
enum modlisp_encode_rc modlisp_request_encode(struct buf *out, const struct cgi_request *req,
                                              const struct modlisp_request_opts *opts,
                                              uint64_t body_length, struct slice *bad_name);

enum modlisp_field_kind {
    MODLISP_FIELD_HEADER, /* a header for the client */
    MODLISP_FIELD_LOG,    /* Log, Log-Error, Log-Info ...: for the web server's error log */
    MODLISP_FIELD_NOTE,   /* Note: for the error log too (Apache put it in r->notes) */
};

struct modlisp_field {
    enum modlisp_field_kind kind;
    int log_level;                /* syslog level (LOG_ERR ...) for LOG fields */
    uint32_t name_off, name_len;  /* into modlisp_response.store */
    uint32_t value_off, value_len;
};

struct modlisp_response {
    int status;                   /* 100..999; 200 when the Lisp sent no Status */
    struct slice reason;          /* borrowed from store; the text after the code, may be empty */
    int64_t content_length;       /* Content-Length, -1 when absent */
    int64_t body_length;          /* body bytes to read: Lisp-Content-Length if given,
                                     else content_length; -1 means until EOF */
    bool keep_socket;             /* Keep-Socket was non-zero */
    bool repeat_fields;           /* every header field is passed on, repeats too (a
                                     Lisplets reply: the servlet's addHeader); false:
                                     the last of a name wins, as under mod_lisp */
    struct buf store;             /* owned: names and values of fields */
    struct modlisp_field *fields; /* owned: nfields entries, in arrival order;
                                     Status, Content-Length, Lisp-Content-Length and
                                     Keep-Socket are interpreted, not stored */
    size_t nfields, cap;
};

void modlisp_response_init(struct modlisp_response *r);
/* Back to the state after modlisp_response_init, keeping the memory. */
void modlisp_response_clear(struct modlisp_response *r);
void modlisp_response_free(struct modlisp_response *r);
/* Appends a field (copied into r's store). */
void modlisp_response_add(struct modlisp_response *r, enum modlisp_field_kind kind, int level,
                          struct slice name, struct slice value);
/* Field accessors; slices valid until the response is freed or re-parsed. */
struct slice modlisp_field_name(const struct modlisp_response *r, const struct modlisp_field *f);
struct slice modlisp_field_value(const struct modlisp_response *r, const struct modlisp_field *f);

struct modlisp_limits {
    size_t max_line;   /* longest key or value line, without its LF */
    size_t max_block;  /* whole header block */
    size_t max_fields; /* pairs in the block */
};
#define MODLISP_LIMITS_DEFAULT {8192, 65536, 100}

enum modlisp_parser_state {
    MODLISP_PARSER_KEY,
    MODLISP_PARSER_VALUE,
    MODLISP_PARSER_DONE,
    MODLISP_PARSER_FAILED,
};

struct modlisp_parser {
    enum modlisp_parser_state state;
    struct buf line;               /* owned: the line being gathered */
    struct buf key;                /* owned: the key waiting for its value */
    size_t block_bytes;            /* bytes of the block consumed so far */
    size_t pairs;                  /* key lines read so far, <= limits.max_fields */
    struct modlisp_limits limits;
    struct modlisp_response *resp; /* borrowed: filled in as lines arrive */
    const char *err;               /* static string, set with PARSE_ERROR */
};

/* resp must be initialised; the parser fills it. */
void modlisp_parser_init(struct modlisp_parser *p, struct modlisp_response *resp,
                         const struct modlisp_limits *limits);
/* Ready for the next response block (same resp and limits), keeping the memory. */
void modlisp_parser_clear(struct modlisp_parser *p);
void modlisp_parser_free(struct modlisp_parser *p);

/* Consumes bytes of the response header block from [*pos, end).
 * Lines end in LF; one CR right before the LF is dropped (as mod_lisp2 does).
 * Keys compare case-insensitively; the block ends at the key line "end".
 * PARSE_OK: the block is complete and *pos is the first body byte.
 * PARSE_AGAIN: all input consumed. PARSE_ERROR: p->err says why: a line over
 * max_line, a block over max_block or max_fields, an empty key, a CR or NUL
 * inside a key or value (never passed on: no response splitting), a Status
 * that is not a 3-digit code 100..999, a length that is not a decimal number. */
enum parse_rc modlisp_response_feed(struct modlisp_parser *p, const uint8_t **pos, const uint8_t *end);

/* At EOF before PARSE_OK: PARSE_OK if what was read ends with the key "end"
 * missing only its LF, else PARSE_ERROR with p->err set. */
enum parse_rc modlisp_response_finish(struct modlisp_parser *p);

#endif
