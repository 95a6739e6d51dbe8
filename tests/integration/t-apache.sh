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

# apache_conf_head DIR PORT: the httpd.conf lines every run shares: a
# non-root Apache on 127.0.0.1:PORT with mod_fcgid, everything under DIR.
# Apache rejects trailing comments on directive lines: none here.
apache_conf_head() {
    local d=$1 port=$2
    cat <<EOF
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
EOF
}

# run_apache KIND: Apache -X (one process, foreground; mod_fcgid still forks
# its process manager and the fcgi-lisp processes) in front of the backend
# started last, the matrix, then Apache stopped again.
run_apache() {
    local kind=$1 d="$IT_DIR/apache-$1" port pid
    mx_mkdir "$d" "$d/logs" "$d/run" "$d/www"
    port=$(it_free_port)
    {
        apache_conf_head "$d" "$port"
        cat <<EOF
Define FCGI_LISP_BACKEND "$MX_BACKEND_URL"
Include "$snippet"
EOF
    } >"$d/httpd.conf"
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

# run_apache_pool: fcgi-lisp starts the Lisp itself (bin-path, through
# FCGI_LISP_CONFIG, as contrib/apache/fcgi-lisp-fcgid.conf shows) and mod_fcgid
# runs several fcgi-lisps for concurrent requests: they share one pool.
run_apache_pool() {
    local d="$IT_DIR/apache-pool" port pid fails=0 n_bridges n_lisps
    mx_mkdir "$d" "$d/logs" "$d/run" "$d/www" "$d/pool"
    port=$(it_free_port)
    cat >"$d/fcgi-lisp.conf" <<EOF
bin-path = "'$IT_DIR/bin/fake-lisp' --listen unix:%s"
min-procs = 1
max-procs = 2
log-level = 5
EOF
    cp "$FAKE_LISP" "$IT_DIR/bin/fake-lisp"
    {
        apache_conf_head "$d" "$port"
        cat <<EOF
StartServers      8
MinSpareServers   8
MaxSpareServers   16
FcgidInitialEnv   FCGI_LISP_CONFIG "$d/fcgi-lisp.conf"
Define FCGI_LISP_BACKEND "modlisp+unix:$d/pool/lisp.sock"
Include "$snippet"
EOF
    } >"$d/httpd.conf"
    it_spawn apache-pool "${MX_RUNAS[@]}" "$APACHE" -D FOREGROUND -f "$d/httpd.conf"
    pid=$IT_LAST_PID
    if ! it_wait_port "$port" 10; then
        it_fail "[apache/pool] Apache starts" "$(tail -n 20 "$d/logs/error.log" 2>/dev/null)"
        mx_stop "$pid"
        return
    fi
    # rounds of 8 requests at once, until mod_fcgid runs several fcgi-lisps
    local round curls b
    for round in 1 2 3 4 5; do
        curls=""
        for _ in 1 2 3 4 5 6 7 8; do
            curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$port/slow?ms=300" \
                >>"$d/codes.$round" &
            curls="$curls $!"
        done
        # shellcheck disable=SC2086 # PIDs
        wait $curls
        fails=$((fails + $(grep -vc '^200$' "$d/codes.$round")))
        [ "$(pgrep -c -f -- "$IT_DIR/bin/fcgi-lisp")" -ge 2 ] && break
    done
    n_bridges=$(pgrep -c -f -- "$IT_DIR/bin/fcgi-lisp")
    # the fcgi-lisps that have a child: those that run Lisps
    n_lisps=0
    for b in $(pgrep -f -- "$IT_DIR/bin/fcgi-lisp"); do
        [ "$(pgrep -c -P "$b")" -gt 0 ] && n_lisps=$((n_lisps + 1))
    done
    it_check_eq "[apache/pool] every request answered 200" 0 "$fails"
    if [ "$n_bridges" -ge 2 ]; then
        it_pass "[apache/pool] mod_fcgid runs $n_bridges fcgi-lisp processes"
    else
        it_fail "[apache/pool] mod_fcgid ran only $n_bridges fcgi-lisp process"
    fi
    it_check_eq "[apache/pool] one of them runs the Lisps: they share one pool" 1 "$n_lisps"
    it_check_contains "[apache/pool] the others say so in the error log" \
        "another fcgi-lisp runs its Lisp processes" "$(cat "$d/logs/error.log")"
    mx_stop "$pid"
    mx_check_bridges_gone "apache/pool"
    if wait_until_no_lisp "$d/pool/lisp.sock-"; then
        it_pass "[apache/pool] no Lisp is left after Apache stops"
    else
        it_fail "[apache/pool] a Lisp is left after Apache stops"
    fi
}

wait_until_no_lisp() {
    local i=0
    while pgrep -f -- "$1" >/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    ! pgrep -f -- "$1" >/dev/null
}

mx_start_fake && run_apache fake
mx_start_sbcl && run_apache sbcl
run_apache_pool

it_finish
