/* cgi_request.c - the CGI request as the web server described it in PARAMS:
 * name-value pairs in arrival order, with size caps; no I/O.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "cgi_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define CGI_HEADER_PREFIX "HTTP_"
#define CGI_HEADER_PREFIX_LEN (sizeof(CGI_HEADER_PREFIX) - 1)

static bool cgi_name_is_header(struct slice name)
{
    return name.len >= CGI_HEADER_PREFIX_LEN
        && memcmp(name.ptr, CGI_HEADER_PREFIX, CGI_HEADER_PREFIX_LEN) == 0;
}

void cgi_request_init(struct cgi_request *r, size_t max_bytes, size_t max_headers)
{
    buf_init(&r->store);
    r->params = NULL;
    r->n = r->cap = 0;
    r->n_headers = 0;
    r->max_bytes = max_bytes;
    r->max_headers = max_headers;
}

void cgi_request_clear(struct cgi_request *r)
{
    buf_clear(&r->store);
    r->n = 0;
    r->n_headers = 0;
}

void cgi_request_free(struct cgi_request *r)
{
    buf_free(&r->store);
    free(r->params);
    cgi_request_init(r, r->max_bytes, r->max_headers);
}

/* Every cap is checked before anything is copied, so a refused pair leaves r
 * exactly as it was (lighttpd fcgi_env_add checks before appending). */
enum cgi_request_rc cgi_request_add(struct cgi_request *r, struct slice name, struct slice value)
{
    size_t used = buf_size(&r->store);
    if (name.len > r->max_bytes || value.len > r->max_bytes - name.len
        || used > r->max_bytes - name.len - value.len)
        return CGI_REQUEST_TOO_LARGE;
    /* offsets are 32-bit: a store past 4 GiB is refused whatever max_bytes says */
    if (used + name.len + value.len > UINT32_MAX)
        return CGI_REQUEST_TOO_LARGE;
    bool header = cgi_name_is_header(name);
    if (header && r->n_headers >= r->max_headers)
        return CGI_REQUEST_TOO_MANY_HEADERS;

    r->params = xgrow(r->params, &r->cap, r->n + 1, sizeof(*r->params));
    struct cgi_param *p = &r->params[r->n++];
    p->name_off = (uint32_t)used;
    p->name_len = (uint32_t)name.len;
    p->value_off = (uint32_t)(used + name.len);
    p->value_len = (uint32_t)value.len;
    buf_append(&r->store, name.ptr, name.len);
    buf_append(&r->store, value.ptr, value.len);
    if (header)
        r->n_headers++;
    return CGI_REQUEST_OK;
}

bool cgi_request_get(const struct cgi_request *r, const char *name, struct slice *value)
{
    size_t len = strlen(name);
    const uint8_t *base = buf_data(&r->store);
    for (size_t i = 0; i < r->n; i++) {
        const struct cgi_param *p = &r->params[i];
        if (p->name_len == len && memcmp(base + p->name_off, name, len) == 0) {
            *value = (struct slice){base + p->value_off, p->value_len};
            return true;
        }
    }
    return false;
}

void cgi_request_at(const struct cgi_request *r, size_t i, struct slice *name, struct slice *value)
{
    const struct cgi_param *p = &r->params[i];
    const uint8_t *base = buf_data(&r->store);
    /* an empty store has no memory: hand out a valid pointer anyway */
    if (base == NULL)
        base = (const uint8_t *)"";
    *name = (struct slice){base + p->name_off, p->name_len};
    *value = (struct slice){base + p->value_off, p->value_len};
}

/* RFC 3875 section 4.1.18: HTTP_ meta-variables are the header name upper-cased
 * with '-' replaced by '_'; the original case is lost, so words are capitalised
 * the way headers are conventionally written. */
void cgi_header_name_append(struct buf *out, struct slice cgi_name)
{
    size_t i = cgi_name_is_header(cgi_name) ? CGI_HEADER_PREFIX_LEN : 0;
    bool word_start = true;
    buf_reserve(out, cgi_name.len - i);
    for (; i < cgi_name.len; i++) {
        uint8_t c = cgi_name.ptr[i];
        if (c == '_' || c == '-') {
            buf_append_byte(out, '-');
            word_start = true;
            continue;
        }
        if (word_start && c >= 'a' && c <= 'z')
            c = (uint8_t)(c - 'a' + 'A');
        else if (!word_start && c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        buf_append_byte(out, c);
        word_start = false;
    }
}
