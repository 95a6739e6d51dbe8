/* sexp.h - writing Lisp data that the Lisp reader cannot be steered by:
 * strings and names for the Lisplets request (shared/reference/lisplets.md
 * §3, §7 item 1); no I/O.
 * fcgi-lisp, MIT licence.
 *
 * The contract, for any bytes at all: what sexp_string_append writes reads
 * back (CL standard readtable) as one string with those characters, and
 * what sexp_name_append writes reads back as one symbol. Nothing written
 * can open or close a list, start a #-dispatch (so no #. whatever
 * *read-eval* is), a comment, a quote, a package prefix or a number.
 * Text is UTF-8: a byte sequence that is not valid UTF-8 is written as
 * U+FFFD, so a Lisp reading UTF-8 never meets a decoding error. */
#ifndef FCGI_LISP_SEXP_H
#define FCGI_LISP_SEXP_H

#include <stdbool.h>

#include "buf.h"

/* "s", with \ and " escaped by a backslash (CLHS 2.4.5); every other
 * character, controls and newlines included, is literal in a Lisp string. */
void sexp_string_append(struct buf *out, struct slice s);

/* A name as a symbol: prefix, the name, suffix. A plain name (an ASCII
 * letter, then letters, digits, '-', '_' and '.', at most 64 bytes) is
 * written as it is, so that the reader upcases it as Lisplets code expects
 * (Accept-Language reads as :ACCEPT-LANGUAGE with prefix ":"). Any other
 * name is written between vertical bars (CLHS 2.1.4.2: a multiple escape,
 * in which only | and \ are special, both escaped here), which keeps its
 * case: :|x))(user| is one keyword. prefix and suffix are trusted (checked
 * by sexp_tag_ok). */
void sexp_name_append(struct buf *out, const char *prefix, const char *suffix, struct slice name);

/* True when name is written plain by sexp_name_append. */
bool sexp_name_is_plain(struct slice name);

/* A lisp-tag-prefix or lisp-tag-suffix that cannot change how a tag reads:
 * empty, or letters, digits, '-', '_' and '.', and for a prefix one
 * leading ':' (keywords). */
bool sexp_tag_ok(const char *affix, bool is_prefix);

#endif
