/* fcgi_params.c - FastCGI name-value pairs (spec section 3.4); no I/O.
 * fcgi-lisp, MIT licence.
 *
 * A pair that lies whole inside one feed is handed out as slices of the
 * input (no copy); only a pair cut by a feed boundary is gathered in the
 * decoder's scratch buffer, whose size is bounded by max_pair. */
#include "config.h"

#include "fcgi_params.h"

#include <assert.h>
#include <string.h>

void fcgi_params_init(struct fcgi_params_decoder *d, size_t max_pair)
{
    memset(d, 0, sizeof *d);
    d->state = FCGI_PARAMS_NAME_LEN;
    buf_init(&d->scratch);
    d->max_pair = max_pair;
}

void fcgi_params_free(struct fcgi_params_decoder *d)
{
    buf_free(&d->scratch);
}

static enum parse_rc fcgi_params_fail(struct fcgi_params_decoder *d, const char *why)
{
    d->err = why;
    return PARSE_ERROR;
}

/* Gathers one length (1 byte below 128, else 4 bytes with the high bit set,
 * spec 3.4) into *len. PARSE_OK when complete, PARSE_AGAIN when the input ran
 * out. */
static enum parse_rc fcgi_params_length(struct fcgi_params_decoder *d, const uint8_t **pos,
                                        const uint8_t *end, uint32_t *len)
{
    while (*pos < end) {
        d->len_bytes[d->len_have++] = *(*pos)++;
        if (d->len_have == 1 && (d->len_bytes[0] & 0x80) == 0) {
            *len = d->len_bytes[0];
            d->len_have = 0;
            return PARSE_OK;
        }
        if (d->len_have == 4) {
            const uint8_t *b = d->len_bytes;
            *len = (uint32_t)(b[0] & 0x7f) << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            d->len_have = 0;
            return PARSE_OK;
        }
    }
    return PARSE_AGAIN;
}

static void fcgi_pair_fill(const struct fcgi_params_decoder *d, const uint8_t *p,
                           struct fcgi_pair *out)
{
    out->name = (struct slice){p, d->name_len};
    out->value = (struct slice){p + d->name_len, d->value_len};
}

enum parse_rc fcgi_params_feed(struct fcgi_params_decoder *d, const uint8_t **pos,
                               const uint8_t *end, struct fcgi_pair *out)
{
    if (d->err != NULL)
        return PARSE_ERROR;
    /* A pair handed out from scratch on the previous call is no longer used. */
    if (d->state != FCGI_PARAMS_BODY)
        buf_clear(&d->scratch);
    for (;;) {
        switch (d->state) {
        case FCGI_PARAMS_NAME_LEN:
            if (fcgi_params_length(d, pos, end, &d->name_len) != PARSE_OK)
                return PARSE_AGAIN;
            d->state = FCGI_PARAMS_VALUE_LEN;
            break;
        case FCGI_PARAMS_VALUE_LEN:
            if (fcgi_params_length(d, pos, end, &d->value_len) != PARSE_OK)
                return PARSE_AGAIN;
            /* Checked before anything is allocated for the pair. */
            if ((uint64_t)d->name_len + d->value_len > d->max_pair)
                return fcgi_params_fail(d, "name-value pair larger than the limit");
            d->state = FCGI_PARAMS_BODY;
            break;
        case FCGI_PARAMS_BODY: {
            size_t need = (size_t)d->name_len + d->value_len;
            size_t have = buf_size(&d->scratch);
            size_t avail = (size_t)(end - *pos);
            if (have == 0 && avail >= need) {
                fcgi_pair_fill(d, need > 0 ? *pos : (const uint8_t *)"", out);
                *pos += need;
                d->state = FCGI_PARAMS_NAME_LEN;
                return PARSE_OK;
            }
            if (have == 0)
                buf_reserve(&d->scratch, need);
            size_t n = avail < need - have ? avail : need - have;
            buf_append(&d->scratch, *pos, n);
            *pos += n;
            if (buf_size(&d->scratch) < need)
                return PARSE_AGAIN;
            fcgi_pair_fill(d, buf_data(&d->scratch), out);
            d->state = FCGI_PARAMS_NAME_LEN;
            return PARSE_OK;
        }
        }
    }
}

int fcgi_params_finish(struct fcgi_params_decoder *d)
{
    if (d->err != NULL)
        return -1;
    if (d->state != FCGI_PARAMS_NAME_LEN || d->len_have != 0) {
        d->err = "stream ended inside a name-value pair";
        return -1;
    }
    return 0;
}

/* Appends one length in the form spec 3.4 prescribes. */
static void fcgi_pair_length_append(struct buf *out, size_t len)
{
    assert(len <= 0x7fffffff);
    if (len < 128) {
        buf_append_byte(out, (uint8_t)len);
        return;
    }
    uint8_t b[4] = {(uint8_t)(len >> 24 | 0x80), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
    buf_append(out, b, sizeof b);
}

void fcgi_pair_append(struct buf *out, const void *name, size_t name_len, const void *value,
                      size_t value_len)
{
    fcgi_pair_length_append(out, name_len);
    fcgi_pair_length_append(out, value_len);
    buf_append(out, name, name_len);
    buf_append(out, value, value_len);
}
