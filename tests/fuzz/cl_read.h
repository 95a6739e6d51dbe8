/* cl_read.h - a small reader of the Common Lisp syntax fcgi-lisp writes
 * to Lisplets backends, for the fuzz targets: parentheses, strings and
 * symbols (with | | multiple escapes and \ single escapes), following the
 * standard readtable (CLHS 2.1.4, 2.4). Whatever else the real reader
 * would act on (# dispatch at a token's start, ' ` , ; a string or | left
 * open) is CL_BAD: fcgi-lisp must never write it. Everything is static
 * inline. fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_CL_READ_H
#define FCGI_LISP_CL_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

enum cl_token_kind {
    CL_OPEN,
    CL_CLOSE,
    CL_STRING,
    CL_SYMBOL, /* any token: symbol or number */
    CL_END,
    CL_BAD,
};

/* whitespace[2] of the standard syntax */
static inline bool cl_is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* A terminating macro character, or whitespace: ends a token. */
static inline bool cl_ends_token(uint8_t c)
{
    return cl_is_space(c) || c == '(' || c == ')' || c == '"' || c == '\'' || c == ';' ||
           c == '`' || c == ',';
}

/* The next token at *p (whitespace skipped). A string's or symbol's
 * characters, escapes undone, go to text (cleared first); *escaped says
 * whether a symbol had any \ or |. */
static inline enum cl_token_kind cl_next(const uint8_t **p, const uint8_t *end, struct buf *text,
                                         bool *escaped)
{
    buf_clear(text);
    *escaped = false;
    while (*p < end && cl_is_space(**p))
        (*p)++;
    if (*p == end)
        return CL_END;
    uint8_t c = *(*p)++;
    if (c == '(')
        return CL_OPEN;
    if (c == ')')
        return CL_CLOSE;
    if (c == '"') {
        for (;;) {
            if (*p == end)
                return CL_BAD;
            c = *(*p)++;
            if (c == '"')
                return CL_STRING;
            if (c == '\\') {
                if (*p == end)
                    return CL_BAD;
                c = *(*p)++;
            }
            buf_append_byte(text, c);
        }
    }
    if (c == '#' || c == '\'' || c == '`' || c == ',' || c == ';')
        return CL_BAD;
    (*p)--;
    while (*p < end && !cl_ends_token(**p)) {
        c = *(*p)++;
        if (c == '\\') {
            if (*p == end)
                return CL_BAD;
            buf_append_byte(text, *(*p)++);
            *escaped = true;
        } else if (c == '|') {
            *escaped = true;
            for (;;) {
                if (*p == end)
                    return CL_BAD;
                c = *(*p)++;
                if (c == '|')
                    break;
                if (c == '\\') {
                    if (*p == end)
                        return CL_BAD;
                    c = *(*p)++;
                }
                buf_append_byte(text, c);
            }
        } else {
            buf_append_byte(text, c);
        }
    }
    return CL_SYMBOL;
}

#endif
