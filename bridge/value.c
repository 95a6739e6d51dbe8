/* value.c - strict parsers of numbers, seconds and signal names.
 * fcgi-lisp, MIT licence. */
#include "config.h"

#include "value.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

int value_parse_u64(const char *s, uint64_t *out)
{
    if (*s == '\0')
        return -1;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -2;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int value_parse_seconds(const char *s, double *out)
{
    size_t digits = strspn(s, "0123456789");
    const char *p = s + digits;
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        digits += frac;
        p += 1 + frac;
    }
    if (digits == 0 || *p != '\0')
        return -1;
    *out = strtod(s, NULL);
    return 0;
}

int value_parse_signal(const char *s, int *out)
{
    uint64_t n;
    if (value_parse_u64(s, &n) == 0) {
        if (n < 1 || n > 64)
            return -1;
        *out = (int)n;
        return 0;
    }
    const char *name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev != NULL && strcmp(abbrev, name) == 0) {
            *out = sig;
            return 0;
        }
    }
    return -1;
}
