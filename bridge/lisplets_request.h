/* lisplets_request.h - the request as one Lisplets s-expression, the way
 * the servlet writes it (shared/reference/lisplets.md §3, §8), but with
 * every name and string written by sexp.h, so that no byte a client sends
 * can steer the Lisp reader; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Top level, in the servlet's order, siblings with no separator and one
 * space after a group's tag:
 *   ((method "GET")(uri "/app/x")(protocol "HTTP/1.1")(is-secure nil)
 *    (headers (Accept "text/html")(X-Multi "1" "2"))    Cookie left out; "(headers )"
 *    [(cookies (theme "dark"))]                         only with a Cookie header
 *    (params (x "1" "2"))                               query + form, "(params )"
 *    (context (name "...")[(params ...)][(attrs ...)])
 *    (servlet (name "...")[(params ...)])
 *    [(session (id "...")(is-new t)(creation-time MS)(last-accessed-time MS)
 *              (max-inactive-interval S)[(attrs ...)])]
 *    [(user (name "...")[(auth-type "...")][(roles (admin t)(editor nil))])]
 *    [(body-length N)])                                 the raw body follows
 * Tags and names are lisp-tag-prefix + name + lisp-tag-suffix; values with
 * the same name are one list, in order of arrival. uri is REQUEST_URI up
 * to its '?' (raw, as getRequestURI()), is-secure is HTTPS=on, the user is
 * REMOTE_USER (AUTH_TYPE), headers are the HTTP_* params with their names
 * rebuilt (HTTP_X_MULTI -> X-Multi). */
#ifndef FCGI_LISP_LISPLETS_REQUEST_H
#define FCGI_LISP_LISPLETS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cgi_request.h"
#include "form.h"

struct lisplets_pair {
    struct slice name, value; /* borrowed */
};

/* A role of lisp-roles and the users who have it (fcgi-lisp's settings:
 * FastCGI carries no roles). */
struct lisplets_role {
    const char *name;          /* borrowed */
    const char *const *users;  /* borrowed, NULL-terminated */
};

/* The servlet's init params and what stands for the servlet container. */
struct lisplets_opts {
    const char *tag_prefix, *tag_suffix; /* borrowed, trusted (sexp_tag_ok) */
    const char *true_text, *false_text;  /* borrowed, trusted: lisp-true, lisp-false */
    const char *context_name;            /* borrowed */
    const struct lisplets_pair *context_params; /* borrowed, n_context_params */
    size_t n_context_params;
    const char *servlet_name;            /* borrowed */
    const struct lisplets_pair *servlet_params; /* borrowed: lisp-host, lisp-port ... */
    size_t n_servlet_params;
    const struct lisplets_role *roles;   /* borrowed, n_roles */
    size_t n_roles;
};

struct lisplets_session_info {
    struct slice id;
    bool is_new;
    int64_t creation_ms, last_accessed_ms; /* Unix epoch milliseconds */
    int64_t max_inactive_s;                /* seconds, -1: never */
    const struct lisplets_pair *attrs;     /* borrowed, n_attrs */
    size_t n_attrs;
};

struct lisplets_request_input {
    const struct cgi_request *cgi;             /* borrowed */
    const struct form_pairs *params;           /* borrowed: query + form, or NULL */
    const struct lisplets_pair *context_attrs; /* borrowed, n_context_attrs */
    size_t n_context_attrs;
    const struct lisplets_session_info *session; /* borrowed, or NULL: no (session ...) */
    int64_t body_length;                       /* >= 0: (body-length N), the raw body
                                                  follows; -1: none */
};

/* Appends the s-expression to out. */
void lisplets_request_encode(struct buf *out, const struct lisplets_request_input *in,
                             const struct lisplets_opts *o);

#endif
