/* cgi_response.h - the CGI response head toward the web server (RFC 3875
 * section 6), and the bridge's own error responses; no I/O.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_CGI_RESPONSE_H
#define FCGI_LISP_CGI_RESPONSE_H

#include <stdbool.h>

#include "buf.h"
#include "modlisp.h"

/* Reason phrase for the status codes the bridge itself produces, "" for others. */
const char *cgi_status_reason(int status);

/* Appends the CGI header block for a Lisp reply, ending with the empty line.
 * Always a Status line first ("Status: NNN reason"; the standard phrase when
 * the Lisp gave none), then the header fields in the Lisp's order with the
 * last occurrence of a name winning, except Set-Cookie, which is repeated as
 * given (with resp->repeat_fields every name is). Content-Type is added (default_content_type) when absent. Never
 * passed on: Connection, Keep-Alive, Transfer-Encoding, Keep-Socket,
 * Lisp-Content-Length, Log*, Note. Content-Length: for a HEAD request the
 * Lisp's value; otherwise the number of body bytes that will follow
 * (resp->body_length) or none when that is unknown. Lines end in CRLF. */
void cgi_response_head_encode(struct buf *out, const struct modlisp_response *resp,
                              bool head_request, const char *default_content_type);

/* Appends a whole error response, head and a short text/plain body, e.g.
 * "Status: 503 Service Unavailable", "Retry-After: 5" when retry_after > 0. */
void cgi_response_error_encode(struct buf *out, int status, unsigned retry_after);

#endif
