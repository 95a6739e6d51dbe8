/* cgi_request.h - the CGI request as the web server described it in PARAMS;
 * no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Holds the name-value pairs of one request in arrival order, with caps on
 * their total size and on the number of HTTP_* headers, and answers lookups
 * by name. Encoders for the Lisp protocols read it. */
#ifndef FCGI_LISP_CGI_REQUEST_H
#define FCGI_LISP_CGI_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct cgi_param {
    uint32_t name_off, name_len;   /* into cgi_request.store */
    uint32_t value_off, value_len;
};

struct cgi_request {
    struct buf store;          /* owned: every name and value, back to back */
    struct cgi_param *params;  /* owned: n entries, arrival order */
    size_t n, cap;
    size_t n_headers;          /* how many names start with HTTP_ */
    size_t max_bytes;          /* cap on the sum of name and value lengths */
    size_t max_headers;        /* cap on n_headers */
};

enum cgi_request_rc {
    CGI_REQUEST_OK,
    CGI_REQUEST_TOO_LARGE,       /* max_bytes exceeded */
    CGI_REQUEST_TOO_MANY_HEADERS /* max_headers exceeded */
};

void cgi_request_init(struct cgi_request *r, size_t max_bytes, size_t max_headers);
/* Drops every pair but keeps the memory, for the next request. */
void cgi_request_clear(struct cgi_request *r);
/* Frees the storage; r is then as after cgi_request_init with the same caps. */
void cgi_request_free(struct cgi_request *r);

/* Copies one pair in. Duplicate names are kept, in order. */
enum cgi_request_rc cgi_request_add(struct cgi_request *r, struct slice name, struct slice value);

/* The slices returned below borrow from r->store and stay valid until the
 * next cgi_request_add, cgi_request_clear or cgi_request_free. */

/* First value of `name` (exact, case-sensitive as CGI names are); false if absent. */
bool cgi_request_get(const struct cgi_request *r, const char *name, struct slice *value);
/* The i-th pair, i < r->n. */
void cgi_request_at(const struct cgi_request *r, size_t i, struct slice *name, struct slice *value);

/* Rebuilds an HTTP header name from a CGI meta-variable name: the part after
 * "HTTP_" with '_' turned into '-' and each word capitalised ("HTTP_USER_AGENT"
 * -> "User-Agent"). Appends to out. `cgi_name` must start with "HTTP_". */
void cgi_header_name_append(struct buf *out, struct slice cgi_name);

#endif
