/* fuzz.h - the libFuzzer entry point every fuzz target defines, and the
 * helpers the targets share.
 * fcgi-lisp, MIT licence.
 *
 * Built with clang -fsanitize=fuzzer (--enable-fuzzing) it is driven by
 * libFuzzer; built with replay_main.c it replays a corpus under gcc in
 * `make check`. Targets check invariants with FUZZ_ASSERT, which aborts;
 * targets that feed a parser in pieces use pieces.h with fuzz_check. */
#ifndef FCGI_LISP_FUZZ_H
#define FCGI_LISP_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pieces_check_fn (pieces.h): every failed invariant aborts, fatal or not. */
static inline void fuzz_check(bool ok, const char *cond, const char *file, int line, bool fatal)
{
    (void)fatal;
    if (!ok) {
        fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, cond);
        abort();
    }
}

#define FUZZ_ASSERT(cond) fuzz_check((cond), #cond, __FILE__, __LINE__, true)

/* The unconsumed bytes of a and b are the same. */
static inline bool fuzz_same(const struct buf *a, const struct buf *b)
{
    return buf_size(a) == buf_size(b) &&
           (buf_size(a) == 0 || memcmp(buf_data(a), buf_data(b), buf_size(a)) == 0);
}

/* Two increasing cuts in [0, size], derived from the input (FNV-1a) so that
 * a crash replays with the same pieces. */
static inline void fuzz_two_cuts(const uint8_t *data, size_t size, size_t cuts[2])
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    size_t a = h % (size + 1), b = (h >> 16) % (size + 1);
    cuts[0] = a < b ? a : b;
    cuts[1] = a < b ? b : a;
}

#endif
