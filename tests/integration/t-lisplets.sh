#!/usr/bin/env bash
# t-lisplets.sh - Lisplets backends: the real nginx and lighttpd in front of
# fcgi-lisp --backend lisplets://..., in front of the SBCL Lisplets app
# (contrib/lisp/lisplets.lisp, lisplets-app.lisp). Params from the query
# string and from a form body, cookies both ways, repeated headers,
# redirect, error, log lines in the web server's error log, a hostile query
# that must not forge an element, the raw-body extension; sessions and the
# context's attributes, a session set through one fcgi-lisp and seen through
# another (two of them behind nginx, on one session store).
# fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/matrix.sh
. "$top_srcdir/tests/integration/matrix.sh"

it_setup lisplets
it_require sbcl curl "$FCGI_LISP" "$FCGI_PROBE"
mx_setup

# the app, on a port of its own, as the servers' user
port=$(it_free_port)
lib=$(mx_src contrib/lisp/lisplets.lisp)
app=$(mx_src contrib/lisp/lisplets-app.lisp)
it_spawn sbcl env HOME="$IT_DIR/home" LISPLETS_PORT="$port" "${MX_RUNAS[@]}" \
    sbcl --noinform --non-interactive --no-userinit --load "$lib" --load "$app"
sbcl_pid=$IT_LAST_PID
it_wait_port "$port" 60 || it_fail "the SBCL Lisplets app starts" "$(cat "$IT_DIR/sbcl.log")"
BACKEND="lisplets://127.0.0.1:$port"

# checks NAME BASE ERRORLOG: the Lisplets matrix through one web server
checks() {
    local name=$1 errlog=$3
    MX_BASE=$2
    MX_D="$IT_DIR/$name"
    mkdir -p "$MX_D"
    mx_curl hello /app/hello
    it_check_eq "[$name] /hello: 200" 200 "$MX_CODE"
    it_check_eq "[$name] the Lisp's body" "hello from lisplets" "$(mx_body hello)"
    mx_curl query '/app/echo?x=1&x=2&name=Bob+Smith&q=%22a%5Cb%22'
    it_check_contains "[$name] params from the query string, decoded, repeated values kept" \
        $'X=1\nX=2\nNAME=Bob Smith\nQ="a\\b"' "$(mx_body query)"
    mx_curl form /app/echo -d 'a=1&b=two+words&a=%26'
    it_check_contains "[$name] params from a form body" $'method=POST' "$(mx_body form)"
    it_check_contains "[$name] its fields decoded" $'A=1\nA=&\nB=two words' "$(mx_body form)"
    mx_curl cookies /app/cookies -b 'theme=light; sid=abc'
    it_check_contains "[$name] cookies reach the Lisp" $'THEME=light\nSID=abc' "$(mx_body cookies)"
    it_check_eq "[$name] and the Lisp sets one" "theme=dark; Max-Age=3600; Path=/" \
        "$(mx_header Set-Cookie "$MX_D/cookies.head")"
    mx_curl headers /app/headers
    it_check_eq "[$name] a repeated header reaches the client twice" 2 \
        "$(grep -ci '^X-A:' "$MX_D/headers.head")"
    mx_curl redirect /app/redirect
    it_check_eq "[$name] (redirect ...): 302" 302 "$MX_CODE"
    it_check_eq "[$name] to the URL the Lisp gave" /hello "$(mx_header Location "$MX_D/redirect.head")"
    it_check_not_contains "[$name] without the Lisp's body" dropped "$(mx_body redirect)"
    mx_curl error /app/error
    it_check_eq "[$name] (error 404 ...): 404" 404 "$MX_CODE"
    it_check_contains "[$name] with its message" "nothing here" "$(mx_body error)"
    mx_curl log /app/log
    it_check_eq "[$name] /log: 200" 200 "$MX_CODE"
    it_wait_until 5 grep -q "a log line from the Lisp" "$errlog"
    it_check_contains "[$name] (log ...) goes to the web server's error log" \
        "a log line from the Lisp" "$(grep -h 'a log line from the Lisp' "$errlog")"
    mx_curl broken /app/broken
    it_check_eq "[$name] a reply that is not the servlet's s-expression: 502" 502 "$MX_CODE"
    it_check_contains "[$name] and one log line that quotes it" \
        "malformed Lisplets reply to GET /app/broken: the reply does not begin with '(' (it read:  ((status 200))never sent)" \
        "$(cat "$IT_DIR"/fcgi-lisp-*.log "$errlog" 2>/dev/null)"
    # lisplets.md §7 item 1: the servlet wrote this name raw and forged a user
    mx_curl hostile '/app/echo?x%29%29%28user%20%28name%20%22admin%22%29%29%28%28y=v&%23.(run)=1'
    it_check_contains "[$name] a hostile param name stays a name" \
        $'x))(user (name "admin"))((y=v\n#.(run)=1\nuser=none' "$(mx_body hostile)"
    it_check_contains "[$name] and the request keeps its eight elements" \
        "tags=method,uri,protocol,is-secure,headers,params,context,servlet" "$(mx_body hostile)"
}

# sessions NAME: a session attribute set in one request is seen in the next,
# then dropped; the context's attribute counts across requests
sessions() {
    local name=$1 sid h1 h2
    mx_curl set '/app/session/set?k=user&v=alice'
    sid=$(sed -n 's/^Set-Cookie: JSESSIONID=\([0-9a-f]*\);.*/\1/p' "$MX_D/set.head" | tr -d '\r')
    it_check_eq "[$name] a reply that sets a session attribute gets a new session's cookie" 32 \
        "${#sid}"
    mx_curl get '/app/session/get?k=user' -b "JSESSIONID=$sid"
    it_check_contains "[$name] the next request with that cookie sees the attribute" "user=alice" \
        "$(mx_body get)"
    mx_curl drop /app/session/drop -b "JSESSIONID=$sid"
    mx_curl gone '/app/session/get?k=user' -b "JSESSIONID=$sid"
    it_check_contains "[$name] (session (invalidate)) ends it" "user=none" "$(mx_body gone)"
    mx_curl hits1 /app/hits
    mx_curl hits2 /app/hits
    h1=$(sed -n 's/^hits=//p' "$MX_D/hits1.body")
    h2=$(sed -n 's/^hits=//p' "$MX_D/hits2.body")
    it_check_eq "[$name] a context attribute set by one request is there for the next" \
        "$((h1 + 1))" "$h2"
    mx_curl short '/app/session/set?k=user&v=carol&ttl=1'
    sid=$(sed -n 's/^Set-Cookie: JSESSIONID=\([0-9a-f]*\);.*/\1/p' "$MX_D/short.head" | tr -d '\r')
    sleep 2.2
    mx_curl expired '/app/session/get?k=user' -b "JSESSIONID=$sid"
    it_check_contains "[$name] a session unused past its max-inactive-interval is gone" \
        "user=none" "$(mx_body expired)"
}

# --- nginx: fcgi-lisp on a unix socket ------------------------------------------------
if command -v nginx >/dev/null 2>&1; then
    d="$IT_DIR/nginx"
    mx_mkdir "$d" "$d/logs" "$d/temp"
    hport=$(it_free_port)
    # two fcgi-lisps on one session store, nginx taking turns between them
    bridges=""
    for p in A B; do
        it_spawn "fcgi-lisp-nginx-$p" "${MX_RUNAS[@]}" "$IT_DIR/bin/fcgi-lisp" \
            --listen "unix:$d/fcgi-$p.sock" --backend "$BACKEND" --lisp-tag-prefix : \
            --lisplets-raw-body yes --context-param "proc=$p" \
            --session-store "$IT_DIR/run/sessions" --log-level 6
        bridges="$bridges $IT_LAST_PID"
        it_wait_socket "$d/fcgi-$p.sock" 10
    done
    mx_nginx_fastcgi "$d" "$hport" /app/ fcgi_lisp_pair \
        "upstream fcgi_lisp_pair { server unix:$d/fcgi-A.sock; server unix:$d/fcgi-B.sock; }"
    ng=$MX_NGINX_PID
    if it_wait_port "$hport" 10; then
        checks nginx "http://127.0.0.1:$hport" "$d/logs/error.log"
        mx_curl upload /app/upload --data-binary @"$IT_DIR/chunked.bin" \
            -H 'Content-Type: application/octet-stream'
        it_check_eq "[nginx] lisplets-raw-body: the Lisp gets a non-form body, its length in (body-length N)" \
            "bytes=$MX_CHUNKED_BYTES" "$(mx_body upload)"
        sessions nginx
        mx_curl set2 '/app/session/set?k=user&v=bob'
        sid=$(sed -n 's/^Set-Cookie: JSESSIONID=\([0-9a-f]*\);.*/\1/p' "$MX_D/set2.head" | tr -d '\r')
        by=""
        for _ in 1 2; do
            mx_curl get2 '/app/session/get?k=user' -b "JSESSIONID=$sid"
            it_check_contains "[nginx] the session is seen whichever fcgi-lisp serves" "user=bob" \
                "$(mx_body get2)"
            by="$by$(sed -n 's/^served-by=//p' "$MX_D/get2.body")"
        done
        it_check_eq "[nginx] two requests in a row, served by the two fcgi-lisps (sharing the store)" \
            AB "$(printf '%s' "$by" | fold -w1 | sort | tr -d '\n')"
    else
        it_fail "nginx starts" "$(cat "$IT_DIR/nginx.log")"
    fi
    mx_stop "$ng"
    for b in $bridges; do mx_stop "$b"; done
else
    echo "SKIP: lisplets: the nginx part needs nginx"
fi

# --- the user and roles, straight to fcgi-lisp (FastCGI carries REMOTE_USER) --------------
it_spawn fcgi-lisp-direct "${MX_RUNAS[@]}" "$IT_DIR/bin/fcgi-lisp" --listen "unix:$IT_DIR/run/direct.sock" \
    --backend "$BACKEND" --lisp-tag-prefix : --lisp-roles "admin, editor" \
    --lisp-role "admin alice" --lisp-role "editor bob alice" --session-store "$IT_DIR/run/s-direct"
direct=$IT_LAST_PID
it_wait_socket "$IT_DIR/run/direct.sock" 10
out=$("$FCGI_PROBE" --timeout 20 --connect "unix:$IT_DIR/run/direct.sock" request --uri /app/echo \
    --param REMOTE_USER=alice --param AUTH_TYPE=Basic 2>&1)
it_check_contains "(user (name ...)) from REMOTE_USER" "user=alice" "$out"
it_check_contains "and its roles from lisp-roles and lisp-role" "roles=admin,editor" "$out"
out=$("$FCGI_PROBE" --timeout 20 --connect "unix:$IT_DIR/run/direct.sock" request --uri /app/echo \
    --param REMOTE_USER=bob 2>&1)
it_check_contains "another user, other roles" $'user=bob\nroles=editor' "$out"
it_check_contains "and the request has a (user ...) element then" "servlet,user" "$out"
mx_stop "$direct"

# --- a pool of SBCL Lisplets processes fcgi-lisp starts itself (bin-path) ----------------
pport=$(it_free_port)
it_spawn fcgi-lisp-pool env HOME="$IT_DIR/home" "${MX_RUNAS[@]}" "$IT_DIR/bin/fcgi-lisp" \
    --listen "unix:$IT_DIR/run/pool.sock" --backend "lisplets://127.0.0.1:$pport" \
    --lisp-tag-prefix : --session-store "$IT_DIR/run/s-pool" --min-procs 1 --max-procs 1 \
    --bin-copy-environment "PATH HOME" --log-level 6 \
    --bin-path "sbcl --noinform --non-interactive --no-userinit --load '$lib' --load '$app'"
pool=$IT_LAST_PID
it_wait_socket "$IT_DIR/run/pool.sock" 10
it_wait_until 60 it_log_has fcgi-lisp-pool "accepting connections" ||
    it_fail "the pool's SBCL starts" "$(tail -n 5 "$IT_DIR/fcgi-lisp-pool.log")"
out=$("$FCGI_PROBE" --timeout 20 --connect "unix:$IT_DIR/run/pool.sock" request --uri /app/hello 2>&1)
it_check_contains "bin-path: a Lisplets SBCL that fcgi-lisp started answers" "hello from lisplets" "$out"
it_check_not_contains "and its readiness probe is no error in the Lisp's log" "connection failed" \
    "$(cat "$IT_DIR/fcgi-lisp-pool.log")"
mx_stop "$pool"

# --- lighttpd: it spawns fcgi-lisp (bin-path) ------------------------------------------
if command -v lighttpd >/dev/null 2>&1; then
    d="$IT_DIR/lighttpd"
    mx_mkdir "$d" "$d/logs" "$d/www" "$d/temp" "$d/run"
    hport=$(it_free_port)
    mx_lighttpd_fastcgi "$d" "$hport" "( \"/app/\" => ( (
    \"socket\"          => \"$d/run/fcgi.sock\",
    \"bin-path\"        => \"$IT_DIR/bin/fcgi-lisp --lisp-tag-prefix : --log-level 6 --session-store $IT_DIR/run/sessions-lighttpd\",
    \"bin-environment\" => ( \"FCGI_LISP_BACKEND\" => \"$BACKEND\" ),
    \"check-local\"     => \"disable\",
    \"max-procs\"       => 1,
) ) )"
    lt=$MX_LIGHTTPD_PID
    if it_wait_port "$hport" 10; then
        checks lighttpd "http://127.0.0.1:$hport" "$d/logs/error.log"
        sessions lighttpd
    else
        it_fail "lighttpd starts" "$(cat "$IT_DIR/lighttpd.log")"
    fi
    mx_stop "$lt"
    mx_check_bridges_gone lighttpd
else
    echo "SKIP: lisplets: the lighttpd part needs lighttpd"
fi
mx_stop "$sbcl_pid"

it_finish
