/* request_lisplets.h - the Lisplets side of a request (a lisplets://
 * backend): the body gathered first, its form fields decoded into params,
 * the request s-expression; then the reply's s-expression read and turned
 * into the answer's head. The I/O and the answers stay in request.c.
 * fcgi-lisp, MIT licence.
 *
 * The servlet never sends a body: a form body (POST, Content-Type
 * application/x-www-form-urlencoded) becomes params, up to max-form bytes;
 * any other body is dropped, or with lisplets-raw-body sent after the
 * s-expression, its length in (body-length N). The s-expression ends with
 * a newline (which CL's READ consumes), then comes the body. The Lisp
 * answers on a new connection each time and ends its body by closing it.
 *
 * Sessions and the context's attributes live in the server's store
 * (store.h), shared by every fcgi-lisp of the host. A request whose
 * session cookie (session-cookie, JSESSIONID) names a live session gets
 * it in (session ...) and touches it; with lisp-create-session, or when
 * the reply sets session attributes, a request without one gets a new
 * session (a random 128-bit id) and its cookie. A reply's session and
 * context operations are applied before the answer goes out. A failing
 * store is logged; the request is answered all the same. */
#ifndef FCGI_LISP_REQUEST_LISPLETS_H
#define FCGI_LISP_REQUEST_LISPLETS_H

#include <stddef.h>

#include "form.h"
#include "lisplets_reply.h"
#include "lisplets_response.h"
#include "parse.h"
#include "store_record.h"

struct request;

struct request_lisplets {
    struct form_pairs params;        /* embedded: query string, then form body */
    struct store_record session;     /* embedded: the request's session, as stored */
    struct store_record context;     /* embedded: the context's attributes */
    bool has_session;                /* session holds a live one */
    bool session_new;                /* made for this request: its cookie is set */
    char session_id[33];             /* 32 hex digits */
    int64_t now_ms;                  /* the request's time, Unix milliseconds */
    struct lisplets_reply reply;     /* embedded */
    struct lisplets_reader reader;   /* embedded */
    struct lisplets_outcome outcome; /* embedded */
};

/* The body is complete in r->spool: writes the s-expression into r->bout
 * and sets r->body_length to what follows it. 0, or the HTTP status to
 * answer (413: form over max-form; 500: the spool cannot be read back)
 * with the reason in err. */
int request_lisplets_encode(struct request *r, char *err, size_t errlen);

/* Reply bytes before the head: PARSE_AGAIN; PARSE_OK with r->resp filled
 * (r->ll->outcome says whether the Lisp's body is replaced) and *pos at the
 * body; PARSE_ERROR with the reason in err (the caller answers 502). */
enum parse_rc request_lisplets_feed(struct request *r, const uint8_t **pos, const uint8_t *end,
                                    char *err, size_t errlen);

/* Frees r->ll, if any. */
void request_lisplets_free(struct request *r);

/* What Lisplets requests derive from the server's settings, made on first
 * use and again when the settings change (server.lisplets). */
struct request_lisplets_setup;
void request_lisplets_setup_free(struct request_lisplets_setup *st);

#endif
