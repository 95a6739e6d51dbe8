/* cookie.c - Cookie header pairs.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "cookie.h"

#include <string.h>

static struct slice cookie_trim(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return (struct slice){p, (size_t)(end - p)};
}

size_t cookie_parse(struct slice header, cookie_pair_fn *each, void *ctx)
{
    size_t n = 0;
    const uint8_t *p = header.ptr, *end = header.ptr + header.len;
    while (p < end) {
        const uint8_t *semi = memchr(p, ';', (size_t)(end - p));
        const uint8_t *stop = semi != NULL ? semi : end;
        const uint8_t *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq != NULL) {
            struct slice name = cookie_trim(p, eq), value = cookie_trim(eq + 1, stop);
            if (value.len >= 2 && value.ptr[0] == '"' && value.ptr[value.len - 1] == '"') {
                value.ptr++;
                value.len -= 2;
            }
            if (name.len > 0) {
                each(ctx, name, value);
                n++;
            }
        }
        p = semi != NULL ? semi + 1 : end;
    }
    return n;
}
