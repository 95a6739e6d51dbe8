/* fuzz_spawn_args.c - libFuzzer target for fcgi-lisp-spawn's command line.
 * fcgi-lisp, MIT licence.
 *
 * The input is argv after the program's name, words separated by NUL
 * bytes (at most 64 words). Invariants: a parse either fails with a reason
 * or gives what spawn_args.h promises (an application, not both -p and
 * -s, numbers in range, an application argv that starts with a word);
 * parsing the same words again gives the same result (getopt's state is
 * reset each time). */
#include "config.h"

#include "fuzz.h"
#include "spawn_args.h"

#define FUZZ_MAX_WORDS 64

static enum spawn_args_rc fuzz_parse(const uint8_t *data, size_t size, struct spawn_args *a,
                                     char **words, char *err)
{
    size_t n = 1, start = 0;
    words[0] = strdup("fcgi-lisp-spawn");
    for (size_t i = 0; i <= size && n < FUZZ_MAX_WORDS; i++) {
        if (i == size || data[i] == '\0') {
            words[n] = strndup((const char *)data + start, i - start);
            FUZZ_ASSERT(words[n] != NULL);
            n++;
            start = i + 1;
        }
    }
    words[n] = NULL;
    return spawn_args_parse(a, (int)n, words, err, 256);
}

static void fuzz_words_free(char **words)
{
    for (size_t i = 0; words[i] != NULL; i++)
        free(words[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *words[FUZZ_MAX_WORDS + 1], *again[FUZZ_MAX_WORDS + 1];
    char err[256] = "", err2[256] = "";
    struct spawn_args a, b;
    enum spawn_args_rc rc = fuzz_parse(data, size, &a, words, err);
    enum spawn_args_rc rc2 = fuzz_parse(data, size, &b, again, err2);
    FUZZ_ASSERT(rc == rc2);
    FUZZ_ASSERT(strcmp(err, err2) == 0);
    if (rc == SPAWN_ARGS_ERROR)
        FUZZ_ASSERT(err[0] != '\0');
    if (rc == SPAWN_ARGS_RUN) {
        FUZZ_ASSERT(a.app_argv != NULL || a.app_path != NULL);
        FUZZ_ASSERT(a.port == 0 || a.unix_path == NULL);
        FUZZ_ASSERT(a.port <= 65535);
        FUZZ_ASSERT(a.children >= 1 && a.children <= SPAWN_ARGS_MAX_CHILDREN);
        FUZZ_ASSERT(a.backlog >= 1);
        FUZZ_ASSERT(a.socket_mode >= -1 && a.socket_mode <= 07777);
        FUZZ_ASSERT(a.stop_signal >= 1 && a.stop_signal <= 64);
        FUZZ_ASSERT(a.log_level >= 0 && a.log_level <= 7);
        FUZZ_ASSERT(a.children == b.children && a.port == b.port &&
                    a.socket_mode == b.socket_mode && a.foreground == b.foreground);
        char **app = spawn_args_app(&a);
        FUZZ_ASSERT(app != NULL && app[0] != NULL);
        spawn_args_strv_free(app);
    }
    fuzz_words_free(words);
    fuzz_words_free(again);
    return 0;
}
