/* backend_url.c - Lisp backend URLs: modlisp://HOST:PORT, modlisp+unix:/PATH
 * and lisplets://HOST:PORT, lisplets+unix:/PATH.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "backend_url.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define BACKEND_URL_FORMS \
    "modlisp://HOST:PORT, modlisp+unix:/PATH, lisplets://HOST:PORT or lisplets+unix:/PATH"

/* One accepted scheme; `prefix` includes what separates it from the
 * address ("://" for TCP, ":" for unix sockets). */
struct backend_scheme {
    const char *prefix;
    enum backend_proto proto;
    bool unix_socket;
};

static const struct backend_scheme backend_schemes[] = {
    {"modlisp://", BACKEND_MODLISP, false},
    {"modlisp+unix:", BACKEND_MODLISP, true},
    {"lisplets://", BACKEND_LISPLETS, false},
    {"lisplets+unix:", BACKEND_LISPLETS, true},
};

/* RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
 * Returns the scheme's length if text starts with "SCHEME:", else 0. */
static size_t backend_url_scheme_len(const char *text)
{
    if (!((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z')))
        return 0;
    size_t i;
    for (i = 1; text[i] != ':'; i++) {
        char ch = text[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                  || ch == '+' || ch == '-' || ch == '.';
        if (!ok)
            return 0;
    }
    return i;
}

/* Reports why text matches no scheme in backend_schemes: no scheme at all,
 * a known scheme with the wrong separator, or an unknown scheme. */
static void backend_url_explain_scheme(const char *text, char *err, size_t errlen)
{
    size_t len = backend_url_scheme_len(text);
    if (len == 0) {
        snprintf(err, errlen, "no URL scheme: use " BACKEND_URL_FORMS);
        return;
    }
    for (size_t i = 0; i < sizeof backend_schemes / sizeof backend_schemes[0]; i++) {
        const struct backend_scheme *s = &backend_schemes[i];
        if (strncasecmp(text, s->prefix, len) == 0 && s->prefix[len] == ':') {
            snprintf(err, errlen, "expected %s%s", s->prefix,
                     s->unix_socket ? "/PATH" : "HOST:PORT");
            return;
        }
    }
    snprintf(err, errlen, "unknown scheme \"%.*s\": use " BACKEND_URL_FORMS, (int)len, text);
}

/* The address after a scheme's prefix: "/PATH" for a unix socket, else
 * "HOST:PORT" with nothing after it. */
static int backend_url_parse_addr(struct addr *out, const struct backend_scheme *scheme,
                                  const char *rest, char *err, size_t errlen)
{
    if (scheme->unix_socket) {
        char *unix_text = xmalloc(strlen("unix:") + strlen(rest) + 1);
        strcpy(unix_text, "unix:");
        strcat(unix_text, rest);
        int rc = addr_parse(out, unix_text, err, errlen);
        free(unix_text);
        return rc;
    }
    size_t name_len = strlen(scheme->prefix) - strlen("://");
    if (strncmp(rest, "unix:", strlen("unix:")) == 0) {
        snprintf(err, errlen, "for a unix socket write %.*s+unix:/PATH", (int)name_len,
                 scheme->prefix);
        return -1;
    }
    if (strchr(rest, ':') == NULL) {
        snprintf(err, errlen, "expected %sHOST:PORT", scheme->prefix);
        return -1;
    }
    if (strpbrk(rest, "/?#") != NULL) {
        snprintf(err, errlen, "a backend URL has no path: write %sHOST:PORT", scheme->prefix);
        return -1;
    }
    return addr_parse(out, rest, err, errlen);
}

int backend_url_parse(struct backend_url *out, const char *text, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const struct backend_scheme *scheme = NULL;
    for (size_t i = 0; i < sizeof backend_schemes / sizeof backend_schemes[0]; i++) {
        if (strncasecmp(text, backend_schemes[i].prefix, strlen(backend_schemes[i].prefix)) == 0) {
            scheme = &backend_schemes[i];
            break;
        }
    }
    if (scheme == NULL) {
        backend_url_explain_scheme(text, err, errlen);
        return -1;
    }
    const char *rest = text + strlen(scheme->prefix);
    if (backend_url_parse_addr(&out->addr, scheme, rest, err, errlen) < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->proto = scheme->proto;
    out->text = xstrdup(text);
    return 0;
}

void backend_url_free(struct backend_url *u)
{
    free(u->text);
    u->text = NULL;
}
