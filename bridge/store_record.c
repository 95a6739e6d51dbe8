/* store_record.c - a session's bytes.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "store_record.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const uint8_t store_record_magic[4] = {'F', 'L', 'S', '1'};

void store_record_init(struct store_record *r)
{
    *r = (struct store_record){.max_inactive_s = -1};
    buf_init(&r->data);
}

void store_record_clear(struct store_record *r)
{
    buf_clear(&r->data);
    r->n = 0;
    r->created_ms = r->accessed_ms = 0;
    r->max_inactive_s = -1;
}

void store_record_free(struct store_record *r)
{
    buf_free(&r->data);
    free(r->attrs);
    r->attrs = NULL;
    r->n = r->cap = 0;
}

struct slice store_attr_name(const struct store_record *r, size_t i)
{
    return (struct slice){buf_data(&r->data) + r->attrs[i].name_off, r->attrs[i].name_len};
}

struct slice store_attr_value(const struct store_record *r, size_t i)
{
    return (struct slice){buf_data(&r->data) + r->attrs[i].value_off, r->attrs[i].value_len};
}

static bool store_slice_eq(struct slice a, struct slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Appends the bytes of s to r->data; their offset. */
static uint32_t store_record_keep(struct store_record *r, struct slice s)
{
    uint32_t off = (uint32_t)buf_size(&r->data);
    buf_append(&r->data, s.ptr, s.len);
    return off;
}

int store_record_set(struct store_record *r, struct slice name, const struct slice *value)
{
    size_t i = 0;
    while (i < r->n && !store_slice_eq(store_attr_name(r, i), name))
        i++;
    if (value == NULL) {
        if (i < r->n)
            memmove(&r->attrs[i], &r->attrs[i + 1], (r->n - i - 1) * sizeof *r->attrs);
        r->n -= i < r->n;
        return 0; /* the old bytes stay in data until the record is rewritten */
    }
    if (i == r->n) {
        if (r->n >= STORE_RECORD_MAX_ATTRS)
            return -1;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 8;
            r->attrs = xrealloc(r->attrs, r->cap * sizeof *r->attrs);
        }
        r->n++;
        r->attrs[i].name_off = store_record_keep(r, name);
        r->attrs[i].name_len = (uint32_t)name.len;
    }
    r->attrs[i].value_off = store_record_keep(r, *value);
    r->attrs[i].value_len = (uint32_t)value->len;
    return 0;
}

static void store_put_u32(struct buf *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    buf_append(out, b, 4);
}

static void store_put_i64(struct buf *out, int64_t v)
{
    uint64_t u = (uint64_t)v;
    store_put_u32(out, (uint32_t)(u >> 32));
    store_put_u32(out, (uint32_t)u);
}

void store_record_encode(struct buf *out, const struct store_record *r)
{
    buf_append(out, store_record_magic, sizeof store_record_magic);
    store_put_i64(out, r->created_ms);
    store_put_i64(out, r->accessed_ms);
    store_put_i64(out, r->max_inactive_s);
    store_put_u32(out, (uint32_t)r->n);
    for (size_t i = 0; i < r->n; i++) {
        struct slice n = store_attr_name(r, i), v = store_attr_value(r, i);
        store_put_u32(out, (uint32_t)n.len);
        buf_append(out, n.ptr, n.len);
        store_put_u32(out, (uint32_t)v.len);
        buf_append(out, v.ptr, v.len);
    }
}

struct store_reader {
    const uint8_t *p, *end;
    bool ok;
};

static uint32_t store_get_u32(struct store_reader *rd)
{
    if (rd->end - rd->p < 4) {
        rd->ok = false;
        return 0;
    }
    uint32_t v = (uint32_t)rd->p[0] << 24 | (uint32_t)rd->p[1] << 16 | (uint32_t)rd->p[2] << 8 |
                 rd->p[3];
    rd->p += 4;
    return v;
}

static int64_t store_get_i64(struct store_reader *rd)
{
    uint64_t hi = store_get_u32(rd), lo = store_get_u32(rd);
    return (int64_t)(hi << 32 | lo);
}

static struct slice store_get_bytes(struct store_reader *rd)
{
    uint32_t n = store_get_u32(rd);
    if (!rd->ok || (size_t)(rd->end - rd->p) < n) {
        rd->ok = false;
        return (struct slice){NULL, 0};
    }
    struct slice s = {rd->p, n};
    rd->p += n;
    return s;
}

int store_record_decode(struct store_record *r, const uint8_t *p, size_t n)
{
    store_record_clear(r);
    if (n < sizeof store_record_magic || memcmp(p, store_record_magic, 4) != 0)
        return -1;
    struct store_reader rd = {p + 4, p + n, true};
    r->created_ms = store_get_i64(&rd);
    r->accessed_ms = store_get_i64(&rd);
    r->max_inactive_s = store_get_i64(&rd);
    uint32_t count = store_get_u32(&rd);
    if (!rd.ok || count > STORE_RECORD_MAX_ATTRS)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        struct slice name = store_get_bytes(&rd), value = store_get_bytes(&rd);
        if (!rd.ok)
            return -1;
        size_t before = r->n;
        store_record_set(r, name, &value);
        if (r->n == before)
            return -1; /* a name twice */
    }
    return rd.p == rd.end ? 0 : -1;
}

bool store_record_expired(const struct store_record *r, int64_t now_ms)
{
    int64_t span, until;
    if (r->max_inactive_s < 0 || __builtin_mul_overflow(r->max_inactive_s, 1000, &span) ||
        __builtin_add_overflow(r->accessed_ms, span, &until))
        return false; /* never, or later than a 64-bit clock runs */
    return now_ms > until;
}
