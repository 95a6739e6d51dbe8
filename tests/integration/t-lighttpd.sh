#!/usr/bin/env bash
# t-lighttpd.sh - the real lighttpd, which starts fcgi-lisp itself
# (fastcgi.server "bin-path", FCGI_LISP_BACKEND in "bin-environment"), in
# front of the real SBCL cl-modlisp app and of fake-lisp in turn. lighttpd
# includes contrib/lighttpd/fcgi-lisp.conf as shipped. Runs the request
# matrix (matrix.sh) through it for each backend, then checks that lighttpd
# took its fcgi-lisp down with it. fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/matrix.sh
. "$top_srcdir/tests/integration/matrix.sh"

it_setup lighttpd
it_require lighttpd sbcl curl pgrep md5sum sha256sum "$FCGI_LISP" "$FAKE_LISP"
mx_setup
snippet=$(mx_src contrib/lighttpd/fcgi-lisp.conf)

# lighttpd_quote STRING: STRING as a lighttpd string literal.
lighttpd_quote() {
    local s=${1//\\/\\\\}
    printf '"%s"' "${s//\"/\\\"}"
}

# run_lighttpd KIND: lighttpd (and the fcgi-lisp it spawns) in front of the
# backend started last, the matrix, then lighttpd stopped again.
run_lighttpd() {
    local kind=$1 d="$IT_DIR/lighttpd-$1" port pid
    mx_mkdir "$d" "$d/logs" "$d/run" "$d/temp" "$d/www"
    port=$(it_free_port)
    cat >"$d/lighttpd.conf" <<EOF
# written by t-lighttpd.sh: a non-root lighttpd whose only site is
# contrib/lighttpd/fcgi-lisp.conf
server.bind          = "127.0.0.1"
server.port          = $port
server.document-root = $(lighttpd_quote "$d/www")
server.errorlog      = $(lighttpd_quote "$d/logs/error.log")
server.upload-dirs   = ( $(lighttpd_quote "$d/temp") )
var.fcgi_lisp_bin     = $(lighttpd_quote "$IT_DIR/bin/fcgi-lisp --log-level 6")
var.fcgi_lisp_socket  = $(lighttpd_quote "$d/run/fcgi-lisp.sock")
var.fcgi_lisp_backend = $(lighttpd_quote "$MX_BACKEND_URL")
include $(lighttpd_quote "$snippet")
EOF
    if ! mx_as lighttpd -tt -f "$d/lighttpd.conf" >"$d/lighttpd-t.log" 2>&1; then
        it_fail "[lighttpd/$kind] lighttpd accepts contrib/lighttpd/fcgi-lisp.conf" "$(cat "$d/lighttpd-t.log")"
        return
    fi
    it_pass "[lighttpd/$kind] lighttpd accepts contrib/lighttpd/fcgi-lisp.conf"
    it_spawn "lighttpd-$kind" "${MX_RUNAS[@]}" lighttpd -D -f "$d/lighttpd.conf"
    pid=$IT_LAST_PID
    if it_wait_port "$port" 10; then
        if pgrep -f -- "$IT_DIR/bin/fcgi-lisp" >/dev/null; then
            it_pass "[lighttpd/$kind] lighttpd started fcgi-lisp (bin-path)"
        else
            it_fail "[lighttpd/$kind] lighttpd started fcgi-lisp (bin-path)" "$(tail -n 20 "$d/logs/error.log")"
        fi
        mx_matrix "lighttpd/$kind" "http://127.0.0.1:$port" "$d/logs/error.log"
    else
        it_fail "[lighttpd/$kind] lighttpd starts" "$(cat "$IT_DIR/lighttpd-$kind.log")" \
            "$(tail -n 20 "$d/logs/error.log" 2>/dev/null)"
    fi
    mx_stop "$pid"
    mx_check_bridges_gone "lighttpd/$kind"
}

mx_start_fake && run_lighttpd fake
mx_start_sbcl && run_lighttpd sbcl

it_finish
