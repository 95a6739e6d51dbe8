/* value.h - the words of settings and command lines: whole numbers,
 * seconds and signal names, parsed strictly. Shared by fcgi-lisp's settings
 * and fcgi-lisp-spawn's options.
 * fcgi-lisp, MIT licence.
 *
 * Pure: no I/O; the callers word the messages, since they know which
 * option or key the text came from. */
#ifndef FCGI_LISP_VALUE_H
#define FCGI_LISP_VALUE_H

#include <stdint.h>

/* Plain decimal digits: no sign, blanks, suffix or exponent. 0, -1 for
 * not a number, -2 for more than UINT64_MAX. */
int value_parse_u64(const char *s, uint64_t *out);

/* Seconds as DIGITS[.DIGITS] (strtod alone would take "inf", "nan",
 * "0x10", "1e3" and leading blanks). 0 or -1; the range is the caller's. */
int value_parse_seconds(const char *s, double *out);

/* A signal: its name with or without "SIG" (TERM, SIGUSR1, as written, in
 * upper case), or its number within 1..64. 0 or -1. */
int value_parse_signal(const char *s, int *out);

#endif
