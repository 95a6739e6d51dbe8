/* fuzz_store_record.c - libFuzzer target for the session record decoder.
 * fcgi-lisp, MIT licence.
 *
 * The input is a stored record's bytes. Whatever they are, decoding
 * either refuses them or gives a record that encodes back to exactly the
 * same bytes (so nothing is read past a length, nothing left over, no
 * name twice), with every attribute inside its data. */
#include "config.h"

#include "fuzz.h"
#include "store_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store_record r;
    store_record_init(&r);
    if (store_record_decode(&r, data, size) == 0) {
        for (size_t i = 0; i < r.n; i++) {
            FUZZ_ASSERT((size_t)r.attrs[i].name_off + r.attrs[i].name_len <= buf_size(&r.data));
            FUZZ_ASSERT((size_t)r.attrs[i].value_off + r.attrs[i].value_len <= buf_size(&r.data));
        }
        struct buf again = BUF_INIT;
        store_record_encode(&again, &r);
        FUZZ_ASSERT(buf_size(&again) == size && memcmp(buf_data(&again), data, size) == 0);
        buf_free(&again);
        (void)store_record_expired(&r, INT64_MAX);
        (void)store_record_expired(&r, INT64_MIN);
    }
    store_record_free(&r);
    return 0;
}
