#!/usr/bin/env bash
# t-apache.sh - the real Apache 2.4 with mod_fcgid, which starts fcgi-lisp
# processes itself (FcgidWrapper ... virtual, FCGI_LISP_BACKEND from
# FcgidInitialEnv), in front of the real SBCL cl-modlisp app and of fake-lisp
# in turn. Apache includes contrib/apache/fcgi-lisp-fcgid.conf as shipped from
# a minimal httpd.conf (apache2 -f bypasses Debian's apache2.conf, so the MPM
# and the modules are loaded there). Runs the request matrix (matrix.sh)
# through it for each backend, then checks that no fcgi-lisp outlives Apache.
# fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/matrix.sh
. "$top_srcdir/tests/integration/matrix.sh"

it_setup apache
APACHE=$(command -v apache2 || command -v httpd || echo apache2)
it_require "$APACHE" sbcl curl pgrep md5sum sha256sum "$FCGI_LISP" "$FAKE_LISP"
MODULES=""
for dir in /usr/lib/apache2/modules /usr/lib64/httpd/modules /usr/lib/httpd/modules; do
    if [ -f "$dir/mod_fcgid.so" ]; then
        MODULES=$dir
        break
    fi
done
[ -n "$MODULES" ] || it_skip "mod_fcgid is not installed (no mod_fcgid.so)"
for mod in mpm_prefork authz_core; do
    [ -f "$MODULES/mod_$mod.so" ] || it_skip "the Apache module mod_$mod.so is not in $MODULES"
done
mx_setup
snippet=$(mx_src contrib/apache/fcgi-lisp-fcgid.conf)

# run_apache KIND: Apache -X (one process, foreground; mod_fcgid still forks
# its process manager and the fcgi-lisp processes) in front of the backend
# started last, the matrix, then Apache stopped again.
run_apache() {
    local kind=$1 d="$IT_DIR/apache-$1" port pid
    mx_mkdir "$d" "$d/logs" "$d/run" "$d/www"
    port=$(it_free_port)
    # Apache rejects trailing comments on directive lines: none here.
    cat >"$d/httpd.conf" <<EOF
# written by t-apache.sh: a non-root Apache whose only site is
# contrib/apache/fcgi-lisp-fcgid.conf
ServerRoot        "$MODULES/.."
ServerName        localhost
Listen            127.0.0.1:$port
PidFile           "$d/run/httpd.pid"
ErrorLog          "$d/logs/error.log"
LogLevel          warn
DocumentRoot      "$d/www"
Mutex             "file:$d/run" default
DefaultRuntimeDir "$d/run"
LoadModule mpm_prefork_module "$MODULES/mod_mpm_prefork.so"
LoadModule authz_core_module  "$MODULES/mod_authz_core.so"
LoadModule fcgid_module       "$MODULES/mod_fcgid.so"
<Directory />
    Require all granted
</Directory>
FcgidIPCDir           "$d/run"
FcgidProcessTableFile "$d/run/fcgid_shm"
Define FCGI_LISP_BIN     "$IT_DIR/bin/fcgi-lisp"
Define FCGI_LISP_BACKEND "$MX_BACKEND_URL"
Include "$snippet"
EOF
    if ! mx_as "$APACHE" -t -f "$d/httpd.conf" >"$d/apache-t.log" 2>&1; then
        it_fail "[apache/$kind] Apache accepts contrib/apache/fcgi-lisp-fcgid.conf" "$(cat "$d/apache-t.log")"
        return
    fi
    it_pass "[apache/$kind] Apache accepts contrib/apache/fcgi-lisp-fcgid.conf"
    it_spawn "apache-$kind" "${MX_RUNAS[@]}" "$APACHE" -X -f "$d/httpd.conf"
    pid=$IT_LAST_PID
    if it_wait_port "$port" 10; then
        mx_matrix "apache/$kind" "http://127.0.0.1:$port" "$d/logs/error.log"
        if pgrep -f -- "$IT_DIR/bin/fcgi-lisp" >/dev/null; then
            it_pass "[apache/$kind] mod_fcgid started fcgi-lisp (FcgidWrapper)"
        else
            it_fail "[apache/$kind] mod_fcgid started fcgi-lisp (FcgidWrapper)"
        fi
    else
        it_fail "[apache/$kind] Apache starts" "$(cat "$IT_DIR/apache-$kind.log")" \
            "$(tail -n 20 "$d/logs/error.log" 2>/dev/null)"
    fi
    mx_stop "$pid"
    mx_check_bridges_gone "apache/$kind"
}

mx_start_fake && run_apache fake
mx_start_sbcl && run_apache sbcl

it_finish
