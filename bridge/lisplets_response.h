/* lisplets_response.h - what a Lisplets reply asks for, in the servlet's
 * order (shared/reference/lisplets.md §4, processResponse): status, or
 * redirect, or error; then headers, cookies, context, session, log; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The HTTP part becomes a modlisp_response (the bridge's one form of a
 * Lisp's answer, which cgi_response.h writes for the web server): the
 * status, every header (repeats kept, as addHeader does), one Set-Cookie
 * per cookie, and the log lines as Log fields (for FCGI_STDERR). The state
 * part (session and context attributes) is left for the caller, as
 * operations on attributes.
 *
 * Rules kept from the servlet: (status N) wins over redirect and error;
 * (redirect "URL") and (error N ["msg"]) end the answer: no header, cookie,
 * state change or log, and the Lisp's body is not sent (error sends msg, or
 * the reason phrase); a tag or a name written as a token loses a leading
 * lisp-tag-prefix, tags match without case; an attribute whose value is
 * lisp-null (without case) is removed; a cookie is secure when its secure
 * value is lisp-true (without case). Refused (the caller answers 502): a
 * status or error code that is not 100..999, a max-age or version that is
 * not a whole number, a cookie without name or value, a header name that
 * is not an HTTP token, any value with CR, LF or NUL, a cookie name or
 * value with ';' or ',' or a blank, a cookie attribute with ';'. */
#ifndef FCGI_LISP_LISPLETS_RESPONSE_H
#define FCGI_LISP_LISPLETS_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "lisplets_reply.h"
#include "modlisp.h"

struct lisplets_attr_op {
    struct slice name, value; /* borrowed from the reply's text */
    bool remove;              /* the value was lisp-null */
};

struct lisplets_ops {
    struct lisplets_attr_op *v; /* owned */
    size_t n, cap;
};

struct lisplets_outcome {
    bool fixed_body;            /* redirect or error: send `body`, not the Lisp's */
    struct buf body;            /* owned: error's text */
    bool session;               /* (session ...) was given: the session is created if need be */
    bool session_invalidate;    /* (session (invalidate)) */
    int64_t max_inactive;       /* seconds; INT64_MIN: not given */
    struct lisplets_ops session_ops, context_ops;
};

struct lisplets_response_opts {
    const char *tag_prefix;     /* borrowed */
    const char *true_text;      /* borrowed: lisp-true */
    const char *null_text;      /* borrowed: lisp-null */
};

void lisplets_outcome_init(struct lisplets_outcome *o);
void lisplets_outcome_free(struct lisplets_outcome *o);

/* Reads the parsed reply r into resp (cleared first) and out (emptied).
 * 0, or -1 with the reason in err. */
int lisplets_response_build(struct modlisp_response *resp, struct lisplets_outcome *out,
                            const struct lisplets_reply *r, const struct lisplets_response_opts *o,
                            char *err, size_t errlen);

#endif
