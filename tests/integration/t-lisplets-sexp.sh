#!/usr/bin/env bash
# t-lisplets-sexp.sh - the Lisplets writer against SBCL's own reader: a
# table of hostile names and values (reader macros, #. with *read-eval*,
# parentheses that would forge a (user ...) element, package markers,
# numbers, bars, backslashes, quotes, comments, newlines, bytes that are
# not UTF-8) is written as fcgi-lisp writes request elements (sexp.h), and
# every element must read back, with *read-eval* nil, as exactly a keyword
# and a string equal to the input (lisplets.md §7 item 1); and a whole
# request carrying them all as params and headers keeps its eight tags.
# fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_setup lisplets-sexp
ENCODE=$top_builddir/tests/integration/sexp-encode
it_require sbcl "$ENCODE"

cases=(
    'x))(user (name "admin"))((y'  '"))(user (name "admin"))(("'
    '#.(setf *evaluated* t)'       '#.(setf *evaluated* t)'
    '#.(sb-ext:exit :code 0)'      '#.(sb-ext:exit :code 0)'
    'Accept-Language'              'en-GB,en;q=0.9'
    'org.eclipse.jetty.Executor'   'object@1f2e'
    'a|b'                          'a|b'
    '\'                            '\'
    '\|'                           '\"'
    '|'                            '"'
    'pkg:sym'                      ':x'
    '::'                           '::'
    ':x'                           'cl-user::secret'
    '.'                            '.'
    '...'                          '..'
    '1'                            '1'
    '1e5'                          '-1.5d0'
    '#:x'                          '#\a'
    "'quoted"                      '`(,x ,@y)'
    ';comment'                     ';comment'
    'a b'                          '  spaced  '
    $'tab\there'                   $'line\nbreak\r\n'
    '('                            ')'
    ')'                            '('
    'nil'                          'nil'
    't'                            't'
    '_underscore'                  '%41'
    $'caf\xc3\xa9'                 $'\xe2\x82\xac \xf0\x9f\x98\x80'
    $'bad\xff\xfename'             $'bad\xc3'
    $'\xed\xa0\x80'                $'\xc0\xaf'
    'Content-Type'                 ''
)
n=$(( ${#cases[@]} / 2 ))
"$ENCODE" "${cases[@]}" >"$IT_DIR/cases" || it_fail "sexp-encode writes the cases"
sbcl --noinform --non-interactive --no-userinit --no-sysinit \
    --load "$top_srcdir/tests/integration/sexp-read.lisp" <"$IT_DIR/cases" >"$IT_DIR/read.log" 2>&1
rc=$?
it_check_eq "SBCL's reader: every element read as one keyword and one string, equal to the input" \
    "$n 0 0" "$(grep -c '^ok ' "$IT_DIR/read.log") $(grep -c '^FAIL' "$IT_DIR/read.log") $rc"
grep '^FAIL' "$IT_DIR/read.log" | head -n 5
# a whole request with every case as a param and a header
"$ENCODE" --request "${cases[@]}" >"$IT_DIR/request" || it_fail "sexp-encode writes the request"
sbcl --noinform --non-interactive --no-userinit --no-sysinit \
    --load "$top_srcdir/tests/integration/lisplets-request-read.lisp" <"$IT_DIR/request" \
    >"$IT_DIR/request.log" 2>&1
it_check_eq "a whole request with them as params and headers: the servlet's eight tags, each value where it belongs" \
    "ok" "$(cat "$IT_DIR/request.log")"
# the check can fail: a name written raw, as the servlet writes it, forges an
# element (lisplets.md §7 item 1), and the reader check says so
name='x "v")(:user "admin"'
printf '(:%s "v") #(120) #(118) :plain\n' "$name" >"$IT_DIR/raw"
sbcl --noinform --non-interactive --no-userinit --no-sysinit \
    --load "$top_srcdir/tests/integration/sexp-read.lisp" <"$IT_DIR/raw" >"$IT_DIR/raw.log" 2>&1
it_check_eq "a name written raw, as the servlet writes it, is caught (exit 1)" 1 "$?"
it_check_contains "as an element out of step" "FAIL 1 the case did not read as four objects" \
    "$(cat "$IT_DIR/raw.log")"

it_finish
