# matrix.sh - the request matrix that every web-server test (t-lighttpd.sh,
# t-nginx.sh, t-apache.sh) runs through its real server, fcgi-lisp and a Lisp
# backend, plus the set-up those tests share: the user the servers run as,
# the two backends (the real SBCL cl-modlisp app and the C stub fake-lisp),
# stopping servers and checking that the fcgi-lisp processes they started
# are gone. Sourced after lib.sh. fcgi-lisp, MIT licence.
#
# Use:
#   mx_setup                      after it_setup and it_require
#   mx_start_fake | mx_start_sbcl starts a backend; sets MX_BACKEND_URL,
#                                 MX_BACKEND_PID, MX_BACKEND_KIND (fake|sbcl)
#   ... start the web server in front of fcgi-lisp in front of that backend
#   mx_matrix LABEL BASE_URL ERROR_LOG
#                                 runs every check; kills the backend at the
#                                 end (the "backend down" checks)
#   mx_stop PID                   stops a process started with it_spawn
#   mx_check_bridges_gone LABEL   every fcgi-lisp the server started has exited
#
# When run as root, every server, fcgi-lisp and Lisp runs as user nobody
# (setpriv), so the temp dir is handed to that user; as any other user they
# run as that user. Every curl is bounded by --max-time.

# shellcheck shell=bash
# shellcheck disable=SC2154 # top_srcdir, IT_DIR, IT_PIDS... come from lib.sh
# shellcheck disable=SC2034 # MX_BACKEND_URL and MX_BACKEND_PID are for the callers

# The servers live in /usr/sbin, which a normal user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
MX_RUNAS=()
MX_USER=$(id -un)
MX_GROUP=$(id -gn)
MX_UPLOAD_BYTES=10485760
MX_CHUNKED_BYTES=1048576

# mx_as CMD ARGS...: runs CMD as the user the servers run as.
mx_as() {
    "${MX_RUNAS[@]}" "$@"
}

# mx_mkdir DIR...: makes directories owned by the servers' user.
mx_mkdir() {
    mkdir -p "$@" || exit 99
    if [ "$(id -u)" -eq 0 ]; then
        chown "$MX_USER:$MX_GROUP" "$@" || exit 99
    fi
}

# mx_src PATH: prints the path of $top_srcdir/PATH if the servers' user can
# read it, else of a verbatim copy in $IT_DIR/src (never writes to srcdir).
mx_src() {
    local file="$top_srcdir/$1"
    if mx_as test -r "$file"; then
        printf '%s\n' "$file"
        return 0
    fi
    mkdir -p "$IT_DIR/src/$(dirname "$1")"
    cp "$file" "$IT_DIR/src/$1" || exit 99
    chmod a+r "$IT_DIR/src/$1"
    printf '%s\n' "$IT_DIR/src/$1"
}

mx_setup() {
    # the servers' user must read every config this test writes
    umask 022
    if [ "$(id -u)" -eq 0 ]; then
        it_require setpriv
        MX_USER=nobody
        MX_GROUP=$(id -gn nobody 2>/dev/null) || it_skip "running as root and there is no user nobody"
        MX_RUNAS=(setpriv "--reuid=$MX_USER" "--regid=$MX_GROUP" --clear-groups --)
    fi
    mx_mkdir "$IT_DIR/bin" "$IT_DIR/home" "$IT_DIR/run"
    # Copies at a path unique to this run: they are executable by the
    # servers' user whatever the build dir's permissions, and pgrep on that
    # path finds exactly the processes this test started.
    cp "$FCGI_LISP" "$IT_DIR/bin/fcgi-lisp" || exit 99
    cp "$FAKE_LISP" "$IT_DIR/bin/fake-lisp" || exit 99
    chmod 755 "$IT_DIR/bin/fcgi-lisp" "$IT_DIR/bin/fake-lisp"
    if ! mx_as test -w "$IT_DIR/run" || ! mx_as test -x "$IT_DIR/bin/fcgi-lisp"; then
        it_skip "user $MX_USER cannot use $IT_DIR (is TMPDIR readable by $MX_USER?)"
    fi
    head -c "$MX_UPLOAD_BYTES" /dev/urandom >"$IT_DIR/upload.bin" || exit 99
    head -c "$MX_CHUNKED_BYTES" "$IT_DIR/upload.bin" >"$IT_DIR/chunked.bin"
    MX_UPLOAD_MD5=$(md5sum <"$IT_DIR/upload.bin" | cut -d' ' -f1)
    MX_UPLOAD_SHA=$(sha256sum <"$IT_DIR/upload.bin" | cut -d' ' -f1)
    MX_CHUNKED_MD5=$(md5sum <"$IT_DIR/chunked.bin" | cut -d' ' -f1)
    MX_CHUNKED_SHA=$(sha256sum <"$IT_DIR/chunked.bin" | cut -d' ' -f1)
}

# mx_forget PID: drops PID from lib.sh's cleanup list (it was stopped).
mx_forget() {
    local pid kept=""
    for pid in $IT_PIDS; do
        [ "$pid" = "$1" ] || kept="$kept $pid"
    done
    IT_PIDS=$kept
}

# mx_stop PID: stops a process started with it_spawn (TERM, then KILL).
mx_stop() {
    it_stop "$1"
    mx_forget "$1"
}

# mx_nginx_fastcgi DIR PORT PREFIX UPSTREAM [HTTP_LINES]: writes
# DIR/nginx.conf, a non-root nginx on 127.0.0.1:PORT (logs in DIR/logs,
# temp files in DIR/temp) that sends PREFIX to the FastCGI server UPSTREAM
# (unix:/PATH, or the name of an upstream block given in HTTP_LINES), with
# Debian's fastcgi_params; starts it as the servers' user. Sets
# MX_NGINX_PID.
mx_nginx_fastcgi() {
    local d=$1 port=$2 prefix=$3 upstream=$4 lines=${5:-}
    cat >"$d/nginx.conf" <<NGINX
worker_processes 1;
pid nginx.pid;
error_log logs/error.log info;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path temp/body;
    fastcgi_temp_path temp/fastcgi;
    proxy_temp_path temp/proxy;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    $lines
    server {
        listen 127.0.0.1:$port;
        location $prefix {
            include /etc/nginx/fastcgi_params;   # Debian's: REQUEST_URI among them
            fastcgi_pass $upstream;
        }
    }
}
NGINX
    it_spawn nginx "${MX_RUNAS[@]}" nginx -p "$d" -c "$d/nginx.conf" -e stderr -g 'daemon off;'
    MX_NGINX_PID=$IT_LAST_PID
}

# mx_lighttpd_fastcgi DIR PORT FASTCGI_SERVER: writes DIR/lighttpd.conf, a
# non-root lighttpd on 127.0.0.1:PORT (DIR/www, DIR/logs, DIR/temp) whose
# fastcgi.server is FASTCGI_SERVER; starts it as the servers' user. Sets
# MX_LIGHTTPD_PID.
mx_lighttpd_fastcgi() {
    local d=$1 port=$2 fastcgi=$3
    cat >"$d/lighttpd.conf" <<LIGHTTPD
server.bind          = "127.0.0.1"
server.port          = $port
server.document-root = "$d/www"
server.errorlog      = "$d/logs/error.log"
server.upload-dirs   = ( "$d/temp" )
server.modules      += ( "mod_fastcgi" )
fastcgi.server = $fastcgi
LIGHTTPD
    it_spawn lighttpd "${MX_RUNAS[@]}" lighttpd -D -f "$d/lighttpd.conf"
    MX_LIGHTTPD_PID=$IT_LAST_PID
}

# --- backends ----------------------------------------------------------------

# mx_start_fake: fake-lisp on a port the kernel picks.
mx_start_fake() {
    local ready="$IT_DIR/run/fake-lisp.addr" i=0
    rm -f "$ready"
    it_spawn fake-lisp "${MX_RUNAS[@]}" "$IT_DIR/bin/fake-lisp" --listen 127.0.0.1:0 \
        --ready-file "$ready"
    MX_BACKEND_PID=$IT_LAST_PID
    MX_BACKEND_KIND=fake
    while [ ! -s "$ready" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -s "$ready" ]; then
        it_fail "fake-lisp starts" "$(cat "$IT_DIR/fake-lisp.log")"
        return 1
    fi
    MX_BACKEND_URL="modlisp://$(cat "$ready")"
}

# mx_start_sbcl: contrib/lisp/modlisp-app.lisp under SBCL (cl-modlisp). ASDF
# compiles cl-modlisp into $IT_DIR/home/cache on the first load.
mx_start_sbcl() {
    local port app
    port=$(it_free_port)
    app=$(mx_src contrib/lisp/modlisp-app.lisp)
    it_spawn sbcl env HOME="$IT_DIR/home" XDG_CACHE_HOME="$IT_DIR/home/cache" \
        MODLISP_ADDRESS=127.0.0.1 MODLISP_PORT="$port" \
        "${MX_RUNAS[@]}" sbcl --noinform --non-interactive --no-userinit --load "$app"
    MX_BACKEND_PID=$IT_LAST_PID
    MX_BACKEND_KIND=sbcl
    MX_BACKEND_URL="modlisp://127.0.0.1:$port"
    if ! it_wait_port "$port" 60; then
        it_fail "the SBCL cl-modlisp app starts" "$(tail -n 20 "$IT_DIR/sbcl.log")"
        return 1
    fi
}

# mx_check_bridges_gone LABEL: after the web server stopped, no fcgi-lisp
# started from this run's copy is left (waits up to 5 s); kills stragglers.
mx_check_bridges_gone() {
    local i=0 left
    while left=$(pgrep -f -- "$IT_DIR/bin/fcgi-lisp") && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ -z "$left" ]; then
        it_pass "[$1] every fcgi-lisp the server started is gone after it stopped"
    else
        it_fail "[$1] every fcgi-lisp the server started is gone after it stopped" \
            "still running: $(ps -o pid=,args= -p "$(echo "$left" | paste -sd,)")"
        # shellcheck disable=SC2086 # one PID per word
        kill -KILL $left 2>/dev/null
    fi
}

# --- the matrix --------------------------------------------------------------

# mx_curl NAME PATH [CURL ARGS...]: requests $MX_BASE$PATH. The body lands in
# $MX_D/NAME.body, the response head in NAME.head, curl's messages in
# NAME.err; sets MX_CODE (HTTP status, 000 if none), MX_RC (curl's exit
# status) and MX_MS (elapsed milliseconds).
mx_curl() {
    local name=$1 path=$2 start
    shift 2
    start=$(date +%s%N)
    MX_CODE=$(curl -sS --max-time "${MX_MAX_TIME:-30}" -o "$MX_D/$name.body" -D "$MX_D/$name.head" \
        -w '%{http_code}' "$@" "$MX_BASE$path" 2>"$MX_D/$name.err")
    MX_RC=$?
    MX_MS=$(( ($(date +%s%N) - start) / 1000000 ))
}

# mx_header NAME FILE: the value of the first NAME header in FILE, no CR.
mx_header() {
    grep -i "^$1:" "$2" | head -n 1 | sed -e 's/^[^:]*:[[:space:]]*//' -e 's/\r$//'
}

mx_body() {
    cat "$MX_D/$1.body" 2>/dev/null
}

# mx_size NAME: bytes in the body of request NAME (0 if there was none).
mx_size() {
    if [ -f "$MX_D/$1.body" ]; then wc -c <"$MX_D/$1.body"; else echo 0; fi
}

# mx_check_code WHAT EXPECTED: MX_CODE of the last mx_curl.
mx_check_code() {
    if [ "$MX_CODE" = "$2" ]; then
        it_pass "[$MX_LABEL] $1"
    else
        it_fail "[$MX_LABEL] $1" "expected HTTP $2, got $MX_CODE (curl exit $MX_RC)" \
            "$(head -c 300 "$MX_D/$MX_LAST.body" 2>/dev/null)" "$(cat "$MX_D/$MX_LAST.err" 2>/dev/null)"
    fi
}

# mx_check_ci WHAT NEEDLE TEXT: TEXT contains NEEDLE, ignoring case.
mx_check_ci() {
    if printf '%s' "$3" | grep -qiF -- "$2"; then
        it_pass "[$MX_LABEL] $1"
    else
        it_fail "[$MX_LABEL] $1" "expected to contain (any case): $2" \
            "actual: $(printf '%s' "$3" | head -c 600)"
    fi
}

mx_check() {
    it_check_contains "[$MX_LABEL] $1" "$2" "$3"
}

mx_check_eq() {
    it_check_eq "[$MX_LABEL] $1" "$2" "$3"
}

# mx_check_fast WHAT LIMIT_MS: the last mx_curl took less than LIMIT_MS.
mx_check_fast() {
    if [ "$MX_MS" -lt "$2" ]; then
        it_pass "[$MX_LABEL] $1 (${MX_MS} ms)"
    else
        it_fail "[$MX_LABEL] $1" "took ${MX_MS} ms, limit $2 ms"
    fi
}

# mx_stats: "CONNECTIONS REQUESTS" as the backend counts them (/stats).
mx_stats() {
    curl -sS --max-time 10 "$MX_BASE/stats" 2>/dev/null |
        sed -n 's/.*connections=\([0-9]*\) requests=\([0-9]*\).*/\1 \2/p'
}

# mx_matrix LABEL BASE_URL ERROR_LOG: every check, against the backend last
# started with mx_start_*; kills that backend at the end.
mx_matrix() {
    MX_LABEL=$1
    MX_BASE=$2
    local errlog=$3 kind=$MX_BACKEND_KIND n size hello
    MX_D="$IT_DIR/matrix-${MX_LABEL//\//-}"
    mkdir -p "$MX_D"
    if [ "$kind" = sbcl ]; then hello="hello from cl-modlisp"; else hello="hello from fake-lisp"; fi

    # --- GET with a query string and headers
    MX_LAST="echo"
    mx_curl echo '/echo?x=1&y=two%20three' -H 'X-Matrix: one' -H 'X-Utf8: café'
    mx_check_code "GET /echo?query answers 200" 200
    mx_check_ci "the Lisp gets the raw url with its query string" \
        "url: /echo?x=1&y=two%20three" "$(mx_body echo)"
    mx_check_ci "the Lisp gets the method" "method: GET" "$(mx_body echo)"
    mx_check_ci "the Lisp gets fcgi-lisp's server-id" "server-id: fcgi-lisp" "$(mx_body echo)"
    mx_check_ci "a client header reaches the Lisp" "x-matrix: one" "$(mx_body echo)"
    mx_check_ci "a UTF-8 header value reaches the Lisp byte for byte" "x-utf8: café" "$(mx_body echo)"
    mx_check_ci "the reply keeps its Content-Type" "text/plain" "$(mx_header Content-Type "$MX_D/echo.head")"
    if [ "$kind" = sbcl ]; then
        mx_check "cl-modlisp sees the query string" "query=x=1&y=two%20three" "$(mx_body echo)"
    fi

    # --- POST of a form
    if [ "$kind" = sbcl ]; then
        MX_LAST="form"
        mx_curl form /form -d 'name=lisp&greeting=hello+world%21'
        mx_check_code "POST /form answers 200" 200
        mx_check "the Lisp decodes the form field name" "name=lisp" "$(mx_body form)"
        mx_check "the Lisp decodes the form field greeting" "greeting=hello world!" "$(mx_body form)"
    else
        MX_LAST="form"
        mx_curl form /echo -d 'name=lisp&greeting=hello+world%21'
        mx_check_code "POST of a form answers 200" 200
        mx_check_ci "the Lisp gets the method POST" "method: POST" "$(mx_body form)"
        mx_check_ci "the Lisp gets the form's Content-Type" \
            "content-type: application/x-www-form-urlencoded" "$(mx_body form)"
        mx_check "the Lisp gets the form body" "name=lisp&greeting=hello+world%21" "$(mx_body form)"
    fi

    # --- binary uploads: 10 MiB with a length, 1 MiB chunked
    local want want_chunked
    if [ "$kind" = sbcl ]; then
        want="md5=$MX_UPLOAD_MD5 bytes=$MX_UPLOAD_BYTES"
        want_chunked="md5=$MX_CHUNKED_MD5 bytes=$MX_CHUNKED_BYTES"
    else
        want="sha256=$MX_UPLOAD_SHA bytes=$MX_UPLOAD_BYTES"
        want_chunked="sha256=$MX_CHUNKED_SHA bytes=$MX_CHUNKED_BYTES"
    fi
    MX_LAST="upload"
    mx_curl upload /upload --data-binary "@$IT_DIR/upload.bin" -H 'Content-Type: application/octet-stream'
    mx_check_code "POST of 10 MiB answers 200" 200
    mx_check "10 MiB of binary arrive intact (${MX_MS} ms)" "$want" "$(mx_body upload)"
    MX_LAST="chunked"
    mx_curl chunked /upload --data-binary "@$IT_DIR/chunked.bin" \
        -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked'
    mx_check_code "a chunked POST answers 200" 200
    mx_check "1 MiB sent chunked arrives intact" "$want_chunked" "$(mx_body chunked)"

    # --- replies: cookies, status, redirect, HEAD, log lines, no length
    MX_LAST="cookies"
    mx_curl cookies /cookies
    mx_check_code "GET /cookies answers 200" 200
    n=$(grep -ci '^Set-Cookie:' "$MX_D/cookies.head")
    mx_check_eq "both Set-Cookie headers reach the client" 2 "$n"
    mx_check "the first cookie is intact" "a=1; Path=/" "$(grep -i '^Set-Cookie:' "$MX_D/cookies.head")"
    mx_check "the second cookie is intact" "b=2; Path=/" "$(grep -i '^Set-Cookie:' "$MX_D/cookies.head")"

    MX_LAST="s404"
    mx_curl s404 /status/404
    mx_check_code "a 404 from the Lisp reaches the client" 404
    mx_check "the 404 keeps the Lisp's body" "status 404" "$(mx_body s404)"

    MX_LAST="redirect"
    mx_curl redirect /redirect
    mx_check_code "a 302 from the Lisp reaches the client" 302
    mx_check "the 302 keeps its Location" "/hello" "$(mx_header Location "$MX_D/redirect.head")"
    MX_LAST="follow"
    mx_curl follow /redirect -L
    mx_check_code "following the redirect ends in 200" 200
    mx_check "following the redirect reaches /hello" "$hello" "$(mx_body follow)"

    MX_LAST="head"
    mx_curl head /hello --head
    mx_check_code "HEAD answers 200" 200
    # --head writes the response head to the output too: nothing may follow it
    size=$(sed '1,/^\r*$/d' "$MX_D/head.body" | wc -c)
    mx_check_eq "HEAD has no body" 0 "$size"
    MX_LAST="after-head"
    mx_curl after-head /hello
    mx_check "a GET after a HEAD is answered normally" "$hello" "$(mx_body after-head)"

    MX_LAST="log"
    mx_curl log /log
    mx_check_code "GET /log answers 200" 200
    mx_check "the reply to /log has its body" "logged" "$(mx_body log)"
    it_check_not_contains "[$MX_LABEL] a Log-Error line never reaches the client" \
        "log line" "$(cat "$MX_D/log.head")"
    local logline
    if [ "$kind" = sbcl ]; then logline="modlisp-app log line"; else logline="fake-lisp log line"; fi
    n=0
    while ! grep -qF "$logline" "$errlog" 2>/dev/null && [ $n -lt 30 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    mx_check "the Lisp's Log-Error line is in the server's error log" "$logline" \
        "$(grep -F "$logline" "$errlog" 2>/dev/null | tail -n 1)"

    if [ "$kind" = sbcl ]; then
        MX_LAST="stream"
        mx_curl stream /stream
        mx_check_code "a reply without Content-Length answers 200" 200
        mx_check "a reply without Content-Length arrives whole" "streamed from cl-modlisp" "$(mx_body stream)"
    else
        MX_LAST="bigstream"
        MX_MAX_TIME=15 mx_curl bigstream '/bigstream?bytes=3000000'
        size=$(mx_size bigstream)
        mx_check_eq "a 3 MB reply without Content-Length arrives whole" 3000000 "$size"
        MX_LAST="big"
        MX_MAX_TIME=15 mx_curl big '/big?bytes=20000000'
        size=$(mx_size big)
        mx_check_eq "a 20 MB reply arrives whole" 20000000 "$size"
    fi

    MX_LAST="slow"
    mx_curl slow '/slow?ms=300'
    mx_check_code "a slow reply answers 200" 200
    mx_check "a slow reply arrives" "slow" "$(mx_body slow)"

    # --- keep-alive: one curl, ten requests; the backend sockets are reused
    local before after urls=() out
    before=$(mx_stats)
    for n in 1 2 3 4 5 6 7 8 9 10; do
        urls+=("$MX_BASE/hello")
    done
    out=$(curl -sS --max-time 30 -w 'connects=%{num_connects}\n' "${urls[@]}" 2>&1)
    n=$(printf '%s\n' "$out" | grep -c "$hello")
    mx_check_eq "ten requests through one curl are all answered" 10 "$n"
    n=$(printf '%s\n' "$out" | grep -c '^connects=0$')
    mx_check_eq "curl reused its connection to the server for the last nine" 9 "$n"
    after=$(mx_stats)
    if [ -n "$before" ] && [ -n "$after" ]; then
        local dconn dreq
        dconn=$(( ${after% *} - ${before% *} ))
        dreq=$(( ${after#* } - ${before#* } ))
        if [ "$dreq" -ge 10 ] && [ $((dconn * 2)) -lt "$dreq" ]; then
            it_pass "[$MX_LABEL] Keep-Socket: $dreq backend requests over $dconn new backend connections"
        else
            it_fail "[$MX_LABEL] Keep-Socket reuse" \
                "$dreq backend requests over $dconn new connections (before: $before, after: $after)"
        fi
    else
        it_fail "[$MX_LABEL] the backend's /stats answers" "before: '$before' after: '$after'"
    fi

    # --- the Lisp dies in the middle of a reply
    local die=/die-mid
    [ "$kind" = sbcl ] && die=/die
    MX_LAST="die"
    # The server must end the client's response at once: a server that took
    # the cut reply for a complete one keeps the client waiting on a
    # kept-alive connection until its keep-alive timeout (Apache, lighttpd:
    # 5 s; nginx: 75 s) or the client's own timeout.
    MX_MAX_TIME=10 mx_curl die "$die"
    # An error is a transfer error (the server closed the connection before
    # the announced length) or, when the server had not sent the head yet
    # (mod_fcgid buffers the start of a reply), a 5xx. curl exit 28 is our
    # own --max-time: the server kept the client waiting.
    if { [ "$MX_RC" -ne 0 ] && [ "$MX_RC" -ne 28 ]; } || [ "${MX_CODE:-0}" -ge 500 ]; then
        it_pass "[$MX_LABEL] a reply cut by the Lisp ends the request with an error (curl exit $MX_RC, HTTP $MX_CODE)"
    else
        it_fail "[$MX_LABEL] a reply cut by the Lisp ends the request with an error" \
            "curl exit $MX_RC, HTTP $MX_CODE, $(mx_size die) body bytes: $(cat "$MX_D/die.err")"
    fi
    mx_check_fast "a reply cut by the Lisp is ended at once" 3000
    size=$(mx_size die)
    if [ "$size" -lt 100000 ]; then
        it_pass "[$MX_LABEL] the cut reply is not padded to its announced length ($size bytes)"
    else
        it_fail "[$MX_LABEL] the cut reply is not padded to its announced length" "$size bytes"
    fi
    MX_LAST="after-die"
    mx_curl after-die /hello
    mx_check_code "the next request after a cut reply is served" 200
    mx_check "the next request after a cut reply gets its body" "$hello" "$(mx_body after-die)"

    # --- the backend is down: 503 with Retry-After, at once
    kill -KILL "$MX_BACKEND_PID" 2>/dev/null
    wait "$MX_BACKEND_PID" 2>/dev/null
    mx_forget "$MX_BACKEND_PID"
    sleep 0.2
    MX_LAST="down"
    MX_MAX_TIME=15 mx_curl down /hello
    mx_check_code "with the Lisp killed the server answers 503" 503
    mx_check_fast "the 503 comes at once" 3000
    mx_check "the 503 says when to retry" "Retry-After:" "$(sed 's/^retry-after:/Retry-After:/I' "$MX_D/down.head")"
    MX_LAST="down2"
    MX_MAX_TIME=15 mx_curl down2 '/echo?again'
    mx_check_code "a second request with the Lisp down is answered 503 too" 503
    mx_check_fast "the second 503 comes at once" 3000
}
