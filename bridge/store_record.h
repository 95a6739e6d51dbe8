/* store_record.h - a session's (or the context's) state as the store keeps
 * it: times and attributes, encoded in a few bytes; no I/O.
 * fcgi-lisp, MIT licence.
 *
 * Layout, every number big-endian: "FLS1", created_ms (8 bytes),
 * accessed_ms (8), max_inactive_s (8, signed; -1: never expires), the
 * number of attributes (4), then for each its name's length (4), the name,
 * its value's length (4), the value. A record decodes only when every
 * length fits the bytes given and nothing is left over; names are
 * distinct. */
#ifndef FCGI_LISP_STORE_RECORD_H
#define FCGI_LISP_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STORE_RECORD_MAX_ATTRS 4096

struct store_attr {
    uint32_t name_off, name_len;   /* into store_record.data */
    uint32_t value_off, value_len;
};

struct store_record {
    int64_t created_ms, accessed_ms, max_inactive_s;
    struct buf data;               /* owned: names and values */
    struct store_attr *attrs;      /* owned: n entries, in the order set */
    size_t n, cap;
};

void store_record_init(struct store_record *r);
void store_record_clear(struct store_record *r);
void store_record_free(struct store_record *r);
struct slice store_attr_name(const struct store_record *r, size_t i);
struct slice store_attr_value(const struct store_record *r, size_t i);

/* Sets name to value, replacing an attribute of that name (in its place),
 * or removes it (value NULL). -1 past STORE_RECORD_MAX_ATTRS. */
int store_record_set(struct store_record *r, struct slice name, const struct slice *value);

/* Appends r's encoding to out. */
void store_record_encode(struct buf *out, const struct store_record *r);
/* Fills r (cleared first) from [p, p+n). 0, or -1 when it is not a record. */
int store_record_decode(struct store_record *r, const uint8_t *p, size_t n);

/* True when a session last accessed at accessed_ms, with max_inactive_s,
 * has expired at now_ms. */
bool store_record_expired(const struct store_record *r, int64_t now_ms);

#endif
