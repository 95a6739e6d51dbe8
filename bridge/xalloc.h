/* xalloc.h - allocation wrappers that abort on out-of-memory.
 * fcgi-lisp, MIT licence.
 *
 * Policy (as lighttpd's ck_malloc): running out of memory is not a condition
 * the daemon can recover from request by request, so these never return NULL.
 * Sizes driven by peers are capped by the callers before they get here. */
#ifndef FCGI_LISP_XALLOC_H
#define FCGI_LISP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of `*cap` elements of `size` bytes so that it holds at least
 * `need` elements; doubles, starting at 8. Returns the (possibly moved) array. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
