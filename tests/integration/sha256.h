/* sha256.h - SHA-256 (FIPS 180-4) for the test programs, which check that
 * bodies cross the bridge intact; not used by the daemon.
 * fcgi-lisp, MIT licence. */
#ifndef FCGI_LISP_TEST_SHA256_H
#define FCGI_LISP_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint8_t  block[64];
    size_t   fill;       /* bytes in block */
    uint64_t total;      /* message bytes so far */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Writes the digest as 64 lower-case hex digits and a NUL into hex. */
void sha256_final_hex(struct sha256 *s, char hex[65]);

#endif
