/* parse.h - result codes shared by the incremental parsers.
 * fcgi-lisp, MIT licence.
 *
 * Every parser in bridge/ is a push parser: the caller hands it the bytes in
 * [*pos, end), it advances *pos past what it consumed and never reads beyond
 * end. Feeding the same bytes whole or split anywhere gives the same results. */
#ifndef FCGI_LISP_PARSE_H
#define FCGI_LISP_PARSE_H

enum parse_rc {
    PARSE_OK,    /* one item is complete (see each parser's contract) */
    PARSE_AGAIN, /* all input consumed, more is needed */
    PARSE_ERROR  /* the input is malformed or over a limit; the parser's err says why */
};

#endif
