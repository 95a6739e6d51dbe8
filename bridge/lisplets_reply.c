/* lisplets_reply.c - the Lisplets reply reader.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "lisplets_reply.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

void lisplets_reply_init(struct lisplets_reply *r)
{
    *r = (struct lisplets_reply){0};
    buf_init(&r->text);
}

void lisplets_reply_free(struct lisplets_reply *r)
{
    free(r->nodes);
    buf_free(&r->text);
    r->nodes = NULL;
    r->n = r->cap = 0;
}

struct slice lisplets_node_text(const struct lisplets_reply *r, uint32_t node)
{
    const struct lisplets_node *nd = &r->nodes[node];
    return (struct slice){buf_data(&r->text) + nd->text_off, nd->text_len};
}

void lisplets_reader_init(struct lisplets_reader *rd, struct lisplets_reply *reply,
                          const struct lisplets_reply_limits *limits)
{
    *rd = (struct lisplets_reader){.state = LISPLETS_READER_START, .reply = reply,
                                   .limits = *limits};
    if (rd->limits.max_depth > sizeof rd->stack / sizeof rd->stack[0])
        rd->limits.max_depth = sizeof rd->stack / sizeof rd->stack[0];
    reply->n = 0;
    buf_clear(&reply->text);
}

static enum parse_rc lisplets_fail(struct lisplets_reader *rd, const char *why)
{
    rd->state = LISPLETS_READER_FAILED;
    rd->err = why;
    return PARSE_ERROR;
}

/* A new node, the last child of the innermost open list (none for the
 * top-level one); its index, or NONE past max_nodes. */
static uint32_t lisplets_add(struct lisplets_reader *rd, bool is_list, bool is_string)
{
    struct lisplets_reply *r = rd->reply;
    if (r->n >= rd->limits.max_nodes)
        return LISPLETS_REPLY_NONE;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->nodes = xrealloc(r->nodes, r->cap * sizeof *r->nodes);
    }
    uint32_t i = (uint32_t)r->n++;
    r->nodes[i] = (struct lisplets_node){.is_list = is_list, .is_string = is_string,
                                         .first = LISPLETS_REPLY_NONE,
                                         .next = LISPLETS_REPLY_NONE,
                                         .text_off = (uint32_t)buf_size(&r->text)};
    if (rd->depth > 0) {
        size_t top = rd->depth - 1;
        if (rd->last[top] == LISPLETS_REPLY_NONE)
            r->nodes[rd->stack[top]].first = i;
        else
            r->nodes[rd->last[top]].next = i;
        rd->last[top] = i;
    }
    return i;
}

/* The atom being read is complete. */
static void lisplets_atom_end(struct lisplets_reader *rd)
{
    struct lisplets_reply *r = rd->reply;
    struct lisplets_node *nd = &r->nodes[r->n - 1];
    nd->text_len = (uint32_t)(buf_size(&r->text) - nd->text_off);
    rd->state = LISPLETS_READER_LIST;
}

/* Java's Character.isWhitespace on a byte read as ISO-8859-1. */
static bool lisplets_is_space(uint8_t c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
}

/* Every top-level element is a list whose first element is an atom. */
static bool lisplets_top_ok(const struct lisplets_reply *r)
{
    for (uint32_t c = r->nodes[0].first; c != LISPLETS_REPLY_NONE; c = r->nodes[c].next) {
        const struct lisplets_node *nd = &r->nodes[c];
        if (!nd->is_list || nd->first == LISPLETS_REPLY_NONE || r->nodes[nd->first].is_list)
            return false;
    }
    return true;
}

/* One byte between items. PARSE_OK when it closed the top-level list. */
static enum parse_rc lisplets_list_byte(struct lisplets_reader *rd, uint8_t c)
{
    if (lisplets_is_space(c))
        return PARSE_AGAIN;
    if (c == ')') {
        rd->depth--;
        if (rd->depth > 0)
            return PARSE_AGAIN;
        if (!lisplets_top_ok(rd->reply))
            return lisplets_fail(rd, "a top-level element of the reply is not a list headed "
                                     "by a tag");
        rd->state = LISPLETS_READER_DONE;
        return PARSE_OK;
    }
    if (c == '(') {
        if (rd->depth >= rd->limits.max_depth)
            return lisplets_fail(rd, "the reply nests lists too deeply");
        uint32_t i = lisplets_add(rd, true, false);
        if (i == LISPLETS_REPLY_NONE)
            return lisplets_fail(rd, "the reply has too many elements");
        rd->stack[rd->depth] = i;
        rd->last[rd->depth] = LISPLETS_REPLY_NONE;
        rd->depth++;
        return PARSE_AGAIN;
    }
    if (lisplets_add(rd, false, c == '"') == LISPLETS_REPLY_NONE)
        return lisplets_fail(rd, "the reply has too many elements");
    if (c == '"') {
        rd->state = LISPLETS_READER_STRING;
    } else {
        buf_append_byte(&rd->reply->text, c);
        rd->state = LISPLETS_READER_TOKEN;
    }
    return PARSE_AGAIN;
}

enum parse_rc lisplets_reader_feed(struct lisplets_reader *rd, const uint8_t **pos,
                                   const uint8_t *end)
{
    const uint8_t *p = *pos;
    enum parse_rc rc = PARSE_AGAIN;
    if (rd->state == LISPLETS_READER_FAILED)
        return PARSE_ERROR;
    if (rd->state == LISPLETS_READER_DONE)
        return PARSE_OK; /* the body is the caller's */
    while (p < end && rc == PARSE_AGAIN) {
        uint8_t c = *p;
        if (++rd->bytes > rd->limits.max_bytes) {
            rc = lisplets_fail(rd, "the reply's s-expression is too long");
            break;
        }
        switch (rd->state) {
        case LISPLETS_READER_START:
            if (c != '(') {
                rc = lisplets_fail(rd, "the reply does not begin with '('");
                break;
            }
            rd->state = LISPLETS_READER_LIST;
            rc = lisplets_list_byte(rd, c);
            break;
        case LISPLETS_READER_LIST:
            rc = lisplets_list_byte(rd, c);
            break;
        case LISPLETS_READER_TOKEN:
            if (lisplets_is_space(c) || c == '(' || c == ')') {
                /* the byte that ends a token is also the next list byte */
                lisplets_atom_end(rd);
                rc = lisplets_list_byte(rd, c);
            } else {
                buf_append_byte(&rd->reply->text, c);
            }
            break;
        case LISPLETS_READER_STRING:
            if (c == '\\')
                rd->state = LISPLETS_READER_ESCAPE;
            else if (c == '"')
                lisplets_atom_end(rd);
            else
                buf_append_byte(&rd->reply->text, c);
            break;
        case LISPLETS_READER_ESCAPE:
            if (c != '"' && c != '\\') {
                rc = lisplets_fail(rd, "a string in the reply has an escape other than \\\" "
                                       "and \\\\");
                break;
            }
            buf_append_byte(&rd->reply->text, c);
            rd->state = LISPLETS_READER_STRING;
            break;
        case LISPLETS_READER_DONE:
        case LISPLETS_READER_FAILED:
            break; /* not reached: the loop stops at PARSE_OK or PARSE_ERROR */
        }
        p++;
    }
    *pos = p;
    return rc;
}

uint32_t lisplets_reply_find(const struct lisplets_reply *r, uint32_t list, const char *tag,
                             const char *prefix)
{
    size_t plen = strlen(prefix), tlen = strlen(tag);
    for (uint32_t c = r->nodes[list].first; c != LISPLETS_REPLY_NONE; c = r->nodes[c].next) {
        const struct lisplets_node *nd = &r->nodes[c];
        if (!nd->is_list || nd->first == LISPLETS_REPLY_NONE || r->nodes[nd->first].is_list)
            continue;
        struct slice head = lisplets_node_text(r, nd->first);
        if (plen > 0 && head.len >= plen && memcmp(head.ptr, prefix, plen) == 0) {
            head.ptr += plen;
            head.len -= plen;
        }
        if (head.len == tlen && strncasecmp((const char *)head.ptr, tag, tlen) == 0)
            return c;
    }
    return LISPLETS_REPLY_NONE;
}
