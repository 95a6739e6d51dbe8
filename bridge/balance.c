/* balance.c - lighttpd's balance modes over the Lisp backends.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "balance.h"

#include <string.h>

static const char *const balance_names[] = {
    [BALANCE_LEAST_CONNECTION] = "least-connection",
    [BALANCE_FAIR] = "fair",
    [BALANCE_ROUND_ROBIN] = "round-robin",
    [BALANCE_HASH] = "hash",
    [BALANCE_STICKY] = "sticky",
};

#define BALANCE_N_MODES (sizeof balance_names / sizeof balance_names[0])

int balance_mode_parse(const char *name, enum balance_mode *out)
{
    for (size_t i = 0; i < BALANCE_N_MODES; i++) {
        if (strcmp(name, balance_names[i]) == 0) {
            *out = (enum balance_mode)i;
            return 0;
        }
    }
    return -1;
}

const char *balance_mode_name(enum balance_mode mode)
{
    return (size_t)mode < BALANCE_N_MODES ? balance_names[mode] : "?";
}

uint32_t balance_hash(uint32_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++)
        h = h * 33u + s[i];
    return h;
}

/* A 32-bit finaliser (murmur3's fmix32), so that the rendezvous scores of
 * two backends are not just the key with a few bits flipped. */
static uint32_t balance_mix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static bool balance_was_tried(const struct balance_query *q, size_t i)
{
    for (size_t k = 0; k < q->n_tried; k++)
        if (q->tried[k] == i)
            return true;
    return false;
}

/* Better candidate j than the best so far (SIZE_MAX: none yet). */
static bool balance_better(enum balance_mode mode, const struct balance_backend *b,
                           const struct balance_query *q, size_t best, size_t j)
{
    if (best == SIZE_MAX)
        return true;
    switch (mode) {
    case BALANCE_HASH:
    case BALANCE_STICKY:
        return balance_mix(q->key_hash ^ b[j].name_hash) >
               balance_mix(q->key_hash ^ b[best].name_hash);
    case BALANCE_ROUND_ROBIN:
        return false; /* the first usable one in cursor order */
    case BALANCE_LEAST_CONNECTION:
    case BALANCE_FAIR:
        break;
    }
    return b[j].load < b[best].load;
}

enum balance_rc balance_pick(enum balance_mode mode, const struct balance_backend *b, size_t n,
                             const struct balance_query *q, size_t *rr, size_t *out)
{
    size_t start = mode == BALANCE_ROUND_ROBIN && n > 0 ? *rr % n : 0;
    size_t best = SIZE_MAX;
    bool any_up = false;
    for (size_t k = 0; k < n; k++) {
        size_t j = (start + k) % n;
        if (b[j].absent || b[j].disabled_until > q->now || balance_was_tried(q, j))
            continue;
        any_up = true;
        if (b[j].max_load != 0 && b[j].load >= b[j].max_load)
            continue;
        if (balance_better(mode, b, q, best, j))
            best = j;
    }
    if (best == SIZE_MAX)
        return any_up ? BALANCE_ALL_FULL : BALANCE_NONE_UP;
    if (mode == BALANCE_ROUND_ROBIN)
        *rr = (best + 1) % n;
    *out = best;
    return BALANCE_PICKED;
}
