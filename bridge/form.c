/* form.c - urlencoded pairs.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "form.h"

#include <stdlib.h>

#include "xalloc.h"

void form_pairs_init(struct form_pairs *p, size_t max_pairs, size_t max_bytes)
{
    *p = (struct form_pairs){.max_pairs = max_pairs, .max_bytes = max_bytes};
    buf_init(&p->store);
}

void form_pairs_clear(struct form_pairs *p)
{
    buf_clear(&p->store);
    p->n = 0;
}

void form_pairs_free(struct form_pairs *p)
{
    buf_free(&p->store);
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

struct slice form_pair_name(const struct form_pairs *p, size_t i)
{
    return (struct slice){buf_data(&p->store) + p->v[i].name_off, p->v[i].name_len};
}

struct slice form_pair_value(const struct form_pairs *p, size_t i)
{
    return (struct slice){buf_data(&p->store) + p->v[i].value_off, p->v[i].value_len};
}

void form_decoder_init(struct form_decoder *d, struct form_pairs *out)
{
    *d = (struct form_decoder){.out = out};
    buf_init(&d->name);
    buf_init(&d->value);
}

void form_decoder_free(struct form_decoder *d)
{
    buf_free(&d->name);
    buf_free(&d->value);
}

static int form_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static struct buf *form_part(struct form_decoder *d)
{
    return d->in_value ? &d->value : &d->name;
}

/* A '%' and the digits after it that did not make a byte, as written. */
static void form_pct_flush(struct form_decoder *d)
{
    if (d->pct == 0)
        return;
    buf_append_byte(form_part(d), '%');
    if (d->pct == 2)
        buf_append_byte(form_part(d), d->pct_hi);
    d->pct = 0;
}

static enum parse_rc form_pair_end(struct form_decoder *d)
{
    form_pct_flush(d);
    struct form_pairs *p = d->out;
    size_t nlen = buf_size(&d->name), vlen = buf_size(&d->value);
    bool empty = nlen == 0 && vlen == 0 && !d->in_value;
    d->in_value = 0;
    if (empty)
        return PARSE_AGAIN;
    if (p->n >= p->max_pairs) {
        d->err = "too many form fields";
        return PARSE_ERROR;
    }
    if (buf_size(&p->store) + nlen + vlen > p->max_bytes) {
        d->err = "form fields too large";
        return PARSE_ERROR;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->v = xrealloc(p->v, p->cap * sizeof *p->v);
    }
    struct form_pair *f = &p->v[p->n++];
    f->name_off = (uint32_t)buf_size(&p->store);
    f->name_len = (uint32_t)nlen;
    buf_append(&p->store, buf_data(&d->name), nlen);
    f->value_off = (uint32_t)buf_size(&p->store);
    f->value_len = (uint32_t)vlen;
    buf_append(&p->store, buf_data(&d->value), vlen);
    buf_clear(&d->name);
    buf_clear(&d->value);
    return PARSE_AGAIN;
}

enum parse_rc form_decode_feed(struct form_decoder *d, const uint8_t **pos, const uint8_t *end)
{
    if (d->err != NULL)
        return PARSE_ERROR;
    for (const uint8_t *p = *pos; p < end; p++) {
        uint8_t c = *p;
        if (d->pct > 0) {
            int v = form_hex(c);
            if (v >= 0 && d->pct == 1) {
                d->pct_hi = c;
                d->pct = 2;
                continue;
            }
            if (v >= 0) {
                buf_append_byte(form_part(d), (uint8_t)(form_hex(d->pct_hi) << 4 | v));
                d->pct = 0;
                continue;
            }
            form_pct_flush(d); /* then c as any other byte */
        }
        if (c == '&') {
            if (form_pair_end(d) == PARSE_ERROR) {
                *pos = p;
                return PARSE_ERROR;
            }
        } else if (c == '=' && !d->in_value) {
            d->in_value = 1;
        } else if (c == '%') {
            d->pct = 1;
        } else {
            buf_append_byte(form_part(d), c == '+' ? ' ' : c);
        }
        /* a decoded pair may not wait here past the limit either */
        if (buf_size(&d->name) + buf_size(&d->value) > d->out->max_bytes) {
            d->err = "form fields too large";
            *pos = p;
            return PARSE_ERROR;
        }
    }
    *pos = end;
    return PARSE_AGAIN;
}

enum parse_rc form_decode_finish(struct form_decoder *d)
{
    if (d->err != NULL || form_pair_end(d) == PARSE_ERROR)
        return PARSE_ERROR;
    return PARSE_OK;
}

enum parse_rc form_decode(struct form_pairs *out, struct slice text, const char **err)
{
    struct form_decoder d;
    form_decoder_init(&d, out);
    const uint8_t *pos = text.ptr;
    enum parse_rc rc = form_decode_feed(&d, &pos, text.ptr + text.len);
    if (rc != PARSE_ERROR)
        rc = form_decode_finish(&d);
    *err = d.err;
    form_decoder_free(&d);
    return rc;
}
