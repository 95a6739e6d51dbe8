/* replay_main.c - runs each file named on the command line through the fuzz
 * target once, without libFuzzer, so the corpora are checked by `make check`
 * under any compiler (and under ASan+UBSan with --enable-sanitizers).
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *data = malloc(cap);
    size_t n;
    while (data != NULL && (n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *bigger = realloc(data, cap * 2);
            if (bigger == NULL) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    int bad = ferror(f) || data == NULL;
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: %s: read failed\n", path);
        free(data);
        return -1;
    }
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++)
        if (replay_file(argv[i]) != 0)
            failed = 1;
    printf("replayed %d inputs\n", argc - 1);
    return failed;
}
