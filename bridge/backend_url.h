/* backend_url.h - Lisp backend URLs: modlisp://HOST:PORT, modlisp+unix:/PATH
 * and lisplets://HOST:PORT, lisplets+unix:/PATH.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_BACKEND_URL_H
#define FCGI_LISP_BACKEND_URL_H

#include <stddef.h>

#include "addr.h"

enum backend_proto {
    BACKEND_MODLISP,
    BACKEND_LISPLETS,
};

struct backend_url {
    enum backend_proto proto;
    struct addr addr;
    char *text;   /* owned: the URL as written, for log lines */
};

/* Parses `text`; the scheme is matched case-insensitively and a TCP URL
 * has no path. Returns 0, or -1 with a one-line reason in err (unknown
 * scheme, bad address)
 * and *out holding nothing to free. */
int backend_url_parse(struct backend_url *out, const char *text, char *err, size_t errlen);
/* Frees u->text and sets it to NULL; safe to call twice. */
void backend_url_free(struct backend_url *u);

#endif
