/* fuzz_command_split.c - libFuzzer target for command_split (bin-path).
 * fcgi-lisp, MIT licence.
 *
 * The input, up to its first NUL, is a bin-path value. Invariants: the
 * split either fails with a reason or gives at least one word, none with a
 * NUL; and quoting each word with '...' (a ' as '\'') and splitting the
 * result again gives the same words. */
#include "config.h"

#include "command.h"
#include "fuzz.h"

/* Appends w single-quoted, as a shell would need it. */
static void fuzz_quote(struct buf *out, const char *w)
{
    buf_append_byte(out, '\'');
    for (; *w != '\0'; w++) {
        if (*w == '\'')
            buf_append_str(out, "'\\''");
        else
            buf_append_byte(out, (uint8_t)*w);
    }
    buf_append_str(out, "' ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char err[128] = "";
    char **v = command_split(text, err, sizeof err);
    if (v == NULL) {
        FUZZ_ASSERT(err[0] != '\0');
        free(text);
        return 0;
    }
    size_t n = command_strv_len((const char *const *)v);
    FUZZ_ASSERT(n >= 1);
    struct buf quoted = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        fuzz_quote(&quoted, v[i]);
    buf_append_byte(&quoted, '\0');
    char **again = command_split((const char *)buf_data(&quoted), err, sizeof err);
    FUZZ_ASSERT(again != NULL);
    FUZZ_ASSERT(command_strv_len((const char *const *)again) == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(strcmp(v[i], again[i]) == 0);
    command_strv_free(again);
    command_strv_free(v);
    buf_free(&quoted);
    free(text);
    return 0;
}
