/* fuzz.h - the libFuzzer entry point every fuzz target defines.
 * fcgi-lisp, MIT licence.
 *
 * Built with clang -fsanitize=fuzzer (--enable-fuzzing) it is driven by
 * libFuzzer; built with replay_main.c it replays a corpus under gcc in
 * `make check`. Targets check invariants with FUZZ_ASSERT, which aborts. */
#ifndef FCGI_LISP_FUZZ_H
#define FCGI_LISP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                            \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#endif
