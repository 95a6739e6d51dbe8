/* lisplets_reply.h - the Lisp's Lisplets reply: one s-expression read by
 * the servlet's own simplistic rules, then the body; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The rules (shared/reference/lisplets.md §4, the servlet's readSexpr):
 * the first byte must be '('; inside a list, 0x09-0x0D, 0x1C-0x1F and
 * 0x20 separate items, '(' opens a list, '"' a string, anything else
 * starts a token that runs to a separator or a parenthesis (';', '\'',
 * '|', '#' and '.' are ordinary: no comments, quotes or dotted pairs);
 * in strings only \" and \\ are escapes, any other backslash is an error,
 * raw newlines are fine; tokens and strings are both text (200, "200" and
 * nil are told apart only by the caller, as text). Every top-level element
 * must be a list headed by an atom. The body is every byte after the
 * final ')': a newline there is body.
 *
 * A push parser: fed whole or split anywhere, it builds the same tree.
 * Bounded: max_bytes of s-expression, max_depth of nesting, max_nodes. */
#ifndef FCGI_LISP_LISPLETS_REPLY_H
#define FCGI_LISP_LISPLETS_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parse.h"

#define LISPLETS_REPLY_NONE UINT32_MAX

struct lisplets_node {
    bool is_list;
    bool is_string;          /* an atom written as "..." (else a token) */
    uint32_t first;          /* list: first child, or LISPLETS_REPLY_NONE */
    uint32_t next;           /* next sibling, or LISPLETS_REPLY_NONE */
    uint32_t text_off, text_len; /* atom: into lisplets_reply.text */
};

struct lisplets_reply {
    struct lisplets_node *nodes; /* owned: node 0 is the top-level list */
    size_t n, cap;
    struct buf text;             /* owned: every atom's text, back to back */
};

struct lisplets_reply_limits {
    size_t max_bytes;  /* the s-expression, parentheses and all */
    size_t max_depth;  /* nesting, the top-level list being 1 */
    size_t max_nodes;  /* lists and atoms */
};
#define LISPLETS_REPLY_LIMITS_DEFAULT {65536, 32, 8192}

void lisplets_reply_init(struct lisplets_reply *r);
void lisplets_reply_free(struct lisplets_reply *r);
/* An atom's text (valid until the reply is freed or parsed again). */
struct slice lisplets_node_text(const struct lisplets_reply *r, uint32_t node);

enum lisplets_reader_state {
    LISPLETS_READER_START,   /* before the first byte */
    LISPLETS_READER_LIST,    /* between items */
    LISPLETS_READER_TOKEN,
    LISPLETS_READER_STRING,
    LISPLETS_READER_ESCAPE,  /* after a backslash in a string */
    LISPLETS_READER_DONE,
    LISPLETS_READER_FAILED,
};

struct lisplets_reader {
    enum lisplets_reader_state state;
    struct lisplets_reply *reply;      /* borrowed: filled in */
    struct lisplets_reply_limits limits;
    uint32_t stack[64];                /* the open lists (max_depth <= 64) */
    uint32_t last[64];                 /* each open list's last child, or NONE */
    size_t depth;
    size_t bytes;                      /* consumed so far */
    const char *err;                   /* static, with PARSE_ERROR */
};

/* reply must be initialised (it is emptied); limits->max_depth <= 64. */
void lisplets_reader_init(struct lisplets_reader *rd, struct lisplets_reply *reply,
                          const struct lisplets_reply_limits *limits);
/* Consumes [*pos, end). PARSE_OK: the final ')' was read, *pos is the
 * first body byte, and every top-level element is a list headed by an
 * atom. PARSE_AGAIN: all consumed (EOF now is an error: the reply ended
 * inside its s-expression). PARSE_ERROR: rd->err says why. Once done or
 * failed, it says so again and consumes nothing. */
enum parse_rc lisplets_reader_feed(struct lisplets_reader *rd, const uint8_t **pos,
                                   const uint8_t *end);

/* The first top-level element whose head is `tag` (compared without case,
 * after stripping prefix from the head's text, as the servlet does);
 * LISPLETS_REPLY_NONE when there is none. */
uint32_t lisplets_reply_find(const struct lisplets_reply *r, uint32_t list, const char *tag,
                             const char *prefix);

#endif
