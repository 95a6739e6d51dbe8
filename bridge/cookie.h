/* cookie.h - the pairs of a Cookie request header ("a=b; c=\"d\""), as
 * RFC 6265 §4.2 has browsers send them; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Pairs are separated by ';'. Blanks (space, tab) around a name and a
 * value are dropped; a value in double quotes loses them (only then); a
 * pair with no '=' or an empty name is skipped, as servlet containers skip
 * it. Nothing is decoded; a ',' is part of a value (HTTP/2's several
 * cookie fields reach FastCGI joined with "; "). */
#ifndef FCGI_LISP_COOKIE_H
#define FCGI_LISP_COOKIE_H

#include <stddef.h>

#include "buf.h"

typedef void cookie_pair_fn(void *ctx, struct slice name, struct slice value);

/* Calls each(ctx, name, value) for every pair of header, in order (the
 * slices borrow from header). Returns how many there were. */
size_t cookie_parse(struct slice header, cookie_pair_fn *each, void *ctx);

#endif
