#!/usr/bin/env bash
# t-nginx.sh - the real nginx in front of fcgi-lisp, which the real spawn-fcgi
# starts on a unix socket, in front of the real SBCL cl-modlisp app and of
# fake-lisp in turn. nginx uses contrib/nginx/fcgi-lisp.conf as shipped
# (placeholders rendered): upstream keepalive + fastcgi_keep_conn on.
# Runs the request matrix (matrix.sh) through it for each backend.
# fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/matrix.sh
. "$top_srcdir/tests/integration/matrix.sh"

it_setup nginx
it_require nginx spawn-fcgi sbcl curl pgrep md5sum sha256sum "$FCGI_LISP" "$FAKE_LISP"
mx_setup
snippet=$(mx_src contrib/nginx/fcgi-lisp.conf)

# run_nginx KIND: spawn-fcgi + fcgi-lisp + nginx in front of the backend
# started last, the matrix, then everything stopped again.
run_nginx() {
    local kind=$1 d="$IT_DIR/nginx-$1" port sock spawn_pid nginx_pid
    mx_mkdir "$d" "$d/logs" "$d/temp"
    port=$(it_free_port)
    sock="$d/fcgi-lisp.sock"

    # spawn-fcgi binds the socket, puts it on fd 0 and execs fcgi-lisp (-n:
    # no fork, so the PID is fcgi-lisp's). As root it drops to nobody itself
    # and hands the socket to that user, as the README's command does.
    local drop=()
    if [ "$(id -u)" -eq 0 ]; then
        drop=(-u "$MX_USER" -g "$MX_GROUP" -U "$MX_USER" -G "$MX_GROUP")
    fi
    it_spawn "spawn-fcgi-$kind" spawn-fcgi -n -s "$sock" -M 0600 "${drop[@]}" -- \
        "$IT_DIR/bin/fcgi-lisp" --backend "$MX_BACKEND_URL" --log-level 6
    spawn_pid=$IT_LAST_PID
    if ! it_wait_socket "$sock" 10; then
        it_fail "[nginx/$kind] spawn-fcgi starts fcgi-lisp on $sock" \
            "$(cat "$IT_DIR/spawn-fcgi-$kind.log")"
        return
    fi

    sed -e "s|@FCGI_LISP_SOCKET@|$sock|g" -e "s|@LISTEN@|127.0.0.1:$port|g" \
        "$snippet" >"$d/fcgi-lisp.conf"
    cat >"$d/nginx.conf" <<EOF
# written by t-nginx.sh: a non-root nginx whose only site is
# contrib/nginx/fcgi-lisp.conf (rendered next to this file)
worker_processes 1;
pid nginx.pid;
error_log logs/error.log info;
events { worker_connections 256; }
http {
    access_log logs/access.log;
    client_body_temp_path temp/body;
    fastcgi_temp_path temp/fastcgi;
    proxy_temp_path temp/proxy;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    include $d/fcgi-lisp.conf;
}
EOF
    if ! mx_as nginx -t -q -p "$d" -c "$d/nginx.conf" -e stderr >"$d/nginx-t.log" 2>&1; then
        it_fail "[nginx/$kind] nginx accepts contrib/nginx/fcgi-lisp.conf" "$(cat "$d/nginx-t.log")"
        mx_stop "$spawn_pid"
        return
    fi
    it_pass "[nginx/$kind] nginx accepts contrib/nginx/fcgi-lisp.conf"
    it_spawn "nginx-$kind" "${MX_RUNAS[@]}" nginx -p "$d" -c "$d/nginx.conf" -e stderr -g 'daemon off;'
    nginx_pid=$IT_LAST_PID
    if it_wait_port "$port" 10; then
        mx_matrix "nginx/$kind" "http://127.0.0.1:$port" "$d/logs/error.log"
    else
        it_fail "[nginx/$kind] nginx starts" "$(cat "$IT_DIR/nginx-$kind.log")"
    fi
    mx_stop "$nginx_pid"
    mx_stop "$spawn_pid"
    mx_check_bridges_gone "nginx/$kind"
}

mx_start_fake && run_nginx fake
mx_start_sbcl && run_nginx sbcl

it_finish
