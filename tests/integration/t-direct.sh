#!/usr/bin/env bash
# t-direct.sh - fcgi-lisp driven by a FastCGI client (fcgi-probe) in front of
# the C stub backend (fake-lisp): the FastCGI side byte for byte, the failure
# paths, start-up errors and the graceful stop. No web server involved.
# fcgi-lisp, MIT licence.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_setup direct
it_require "$FCGI_LISP" "$FAKE_LISP" "$FCGI_PROBE" sha256sum

lisp_port=$(it_free_port)
it_spawn fake-lisp "$FAKE_LISP" --listen "127.0.0.1:$lisp_port"
it_wait_port "$lisp_port" || it_fail "fake-lisp starts"
sock="$IT_DIR/fcgi.sock"
it_spawn fcgi-lisp "$FCGI_LISP" --listen "unix:$sock" --backend "modlisp://127.0.0.1:$lisp_port" \
    --log-level 6
bridge_pid=$IT_LAST_PID
it_wait_socket "$sock" || it_fail "fcgi-lisp listens on $sock"

probe() { "$FCGI_PROBE" --timeout 20 --connect "unix:$sock" "$@"; }

# --- the FastCGI side -------------------------------------------------------
out=$(probe get-values FCGI_MAX_CONNS FCGI_MAX_REQS FCGI_MPXS_CONNS 2>&1)
it_check_contains "GET_VALUES answers FCGI_MPXS_CONNS" "FCGI_MPXS_CONNS=1" "$out"
it_check_contains "GET_VALUES answers FCGI_MAX_CONNS" "FCGI_MAX_CONNS=1024" "$out"
out=$(probe unknown-type 2>&1)
it_check_contains "an unknown management record gets UNKNOWN_TYPE" "unknown-type type=42" "$out"
out=$(probe role 2 2>&1)
it_check_contains "the Authorizer role gets FCGI_UNKNOWN_ROLE" "protocol_status=3" "$out"

out=$(probe request --uri '/echo?a=1&b=two' --param HTTP_USER_AGENT=probe/1 2>/dev/null)
# fake-lisp's /echo prints each mod_lisp pair it parsed as "key: value".
it_check_contains "GET reaches the Lisp with its url" "url: /echo?a=1&b=two" "$out"
it_check_contains "a client header is forwarded in HTTP spelling" "User-Agent: probe/1" "$out"
it_check_contains "mod_lisp server-id" "server-id: fcgi-lisp" "$out"
it_check_contains "CGI head has a Status line" "Status: 200" "$out"
it_check_contains "CGI head has a Content-Type" "Content-Type: text/plain" "$out"

out=$(probe request --uri /echo --param HTTP_END=evil 2>/dev/null)
it_check_contains "a header named end becomes end-header" "end-header: evil" "$out"

out=$(probe request --uri /echo --param $'HTTP_X_EVIL=a\rb' 2>/dev/null)
it_check_contains "a CR in a param is answered 400" "Status: 400" "$out"
it_check_not_contains "a CR in a param never reaches the Lisp" "X-Evil" "$out"

out=$(probe mpx 4 2>&1)
n=$(printf '%s\n' "$out" | grep -c '^id=[1-4] end app_status=0 protocol_status=0$')
it_check_eq "four interleaved requests on one connection all ended" 4 "$n"
n=$(printf '%s\n' "$out" | grep -c '^hello from fake-lisp$')
it_check_eq "four interleaved requests on one connection all answered" 4 "$n"

# FastCGI spec 5.1: without FCGI_KEEP_CONN the application closes the
# connection after END_REQUEST; with it the connection stays open.
out=$(probe request --after-end --uri /hello 2>&1 >/dev/null)
it_check_contains "without FCGI_KEEP_CONN the connection closes after END_REQUEST" \
    "after-end closed" "$out"
out=$(probe request --keep-conn --after-end --uri /hello 2>&1 >/dev/null)
it_check_contains "with FCGI_KEEP_CONN the connection stays open after END_REQUEST" \
    "after-end open" "$out"

out=$(probe request --keep-conn --count 5 --uri /hello 2>/dev/null)
n=$(printf '%s' "$out" | grep -c 'hello from fake-lisp')
it_check_eq "five requests on one FCGI_KEEP_CONN connection" 5 "$n"

# An idle kept-alive client must not delay another one.
# Started directly, not through the probe function, so that $! is fcgi-probe.
"$FCGI_PROBE" --timeout 20 --connect "unix:$sock" idle 5 &
idle_pid=$!
sleep 0.3
start=$(date +%s%N)
out=$(probe request --uri /hello 2>/dev/null)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
it_check_contains "a request is served while another client sits idle" "hello from fake-lisp" "$out"
if [ "$elapsed_ms" -lt 3000 ]; then it_pass "the idle client did not delay it (${elapsed_ms} ms)"
else it_fail "the idle client delayed it" "took ${elapsed_ms} ms"; fi
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null

out=$(probe bad-version 2>&1)
it_check_contains "a record with version 2 closes the connection" "closed" "$out"

out=$(probe abort 2>&1)
it_check_contains "ABORT_REQUEST gets END_REQUEST" "protocol_status=0" "$out"

# --- bodies ------------------------------------------------------------------
head -c 10485760 /dev/urandom >"$IT_DIR/upload.bin"
want=$(sha256sum "$IT_DIR/upload.bin" | cut -d' ' -f1)
out=$(probe request --uri /upload --param REQUEST_METHOD=POST --stdin-file "$IT_DIR/upload.bin" 2>/dev/null)
it_check_contains "10 MiB upload arrives intact" "sha256=$want bytes=10485760" "$out"
out=$(probe request --uri /upload --param REQUEST_METHOD=POST --no-content-length \
    --stdin-file "$IT_DIR/upload.bin" 2>/dev/null)
it_check_contains "an upload without CONTENT_LENGTH is spooled and counted" "sha256=$want bytes=10485760" "$out"
out=$(probe request --uri /upload --param REQUEST_METHOD=POST --split 7 \
    --stdin-string "split into tiny records" 2>/dev/null)
want_small=$(printf 'split into tiny records' | sha256sum | cut -d' ' -f1)
it_check_contains "records split in 7-byte pieces give the same request" "sha256=$want_small bytes=23" "$out"

probe request --uri '/big?bytes=20000000' >"$IT_DIR/big.out" 2>/dev/null
size=$(sed -n '/^\r$/,$p' "$IT_DIR/big.out" | tail -c +3 | wc -c)
it_check_eq "a 20 MB download arrives whole" 20000000 "$size"
probe request --uri '/bigstream?bytes=3000000' >"$IT_DIR/bigstream.out" 2>/dev/null
size=$(sed -n '/^\r$/,$p' "$IT_DIR/bigstream.out" | tail -c +3 | wc -c)
it_check_eq "a reply without Content-Length is read to the Lisp's close" 3000000 "$size"

# --- replies -------------------------------------------------------------------
out=$(probe request --uri /cookies 2>/dev/null)
n=$(printf '%s' "$out" | grep -c '^Set-Cookie: ')
it_check_eq "both Set-Cookie headers are kept" 2 "$n"
out=$(probe request --uri /redirect 2>/dev/null)
it_check_contains "a redirect keeps its status" "Status: 302" "$out"
it_check_contains "a redirect keeps its Location" "Location: /hello" "$out"
out=$(probe request --uri /status/404 2>/dev/null)
it_check_contains "status 404 passes" "Status: 404" "$out"
out=$(probe request --uri /log 2>&1 >/dev/null)
it_check_contains "Log-Error lines go to FCGI_STDERR" "fake-lisp log line" "$out"
out=$(probe request --uri /crlf-inject 2>/dev/null)
it_check_contains "a CR inside a reply header is answered 502" "Status: 502" "$out"
it_check_not_contains "a CR inside a reply header never reaches the web server" "pwned" "$out"
out=$(probe request --uri /garbage 2>/dev/null)
it_check_contains "a reply that is not mod_lisp is answered 502" "Status: 502" "$out"

# --- the Lisp misbehaves ---------------------------------------------------------
out=$(probe request --uri /die-before 2>/dev/null)
it_check_contains "the Lisp closing without a reply gives 502" "Status: 502" "$out"
# Web servers take END_REQUEST as success whatever its appStatus: a reply cut
# short is signalled by closing the connection without it.
probe request --uri /die-mid >"$IT_DIR/die-mid.out" 2>"$IT_DIR/die-mid.err"
it_check_contains "the Lisp dying mid-reply closes the connection without END_REQUEST" \
    "connection closed before END_REQUEST" "$(cat "$IT_DIR/die-mid.err")"
it_check_contains "what the Lisp sent before dying was passed on" "Status: 200" \
    "$(head -c 200 "$IT_DIR/die-mid.out" | tr -d '\000')"

# A kept socket closed by the Lisp: the next request is re-sent on a new one.
probe request --uri /close-after >/dev/null 2>&1
out=$(probe request --uri /hello 2>/dev/null)
it_check_contains "a request after the Lisp closed a kept socket still succeeds" "hello from fake-lisp" "$out"
stats=$(probe request --uri /stats 2>/dev/null)
conns=$(printf '%s' "$stats" | sed -n 's/.*connections=\([0-9]*\).*/\1/p')
reqs=$(printf '%s' "$stats" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
if [ -n "$conns" ] && [ -n "$reqs" ] && [ "$conns" -lt "$reqs" ]; then
    it_pass "Keep-Socket reuse: $reqs requests over $conns backend connections"
else
    it_fail "Keep-Socket reuse" "fake-lisp stats: $stats"
fi

# --- timeouts and a backend that is down -------------------------------------------
slow_sock="$IT_DIR/slow.sock"
it_spawn fcgi-lisp-slow "$FCGI_LISP" --listen "unix:$slow_sock" \
    --backend "modlisp://127.0.0.1:$lisp_port" --first-byte-timeout 1 --io-timeout 1
it_wait_socket "$slow_sock"
out=$("$FCGI_PROBE" --timeout 20 --connect "unix:$slow_sock" request --uri '/slow?ms=3000' 2>/dev/null)
it_check_contains "no first byte within --first-byte-timeout gives 504" "Status: 504" "$out"

start=$(date +%s%N)
"$FCGI_PROBE" --timeout 20 --connect "unix:$slow_sock" request --uri /stall \
    >"$IT_DIR/stall.out" 2>"$IT_DIR/stall.err"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
it_check_contains "a reply stalled past --io-timeout is cut short (no END_REQUEST)" \
    "connection closed before END_REQUEST" "$(cat "$IT_DIR/stall.err")"
if [ "$elapsed_ms" -lt 2800 ]; then it_pass "the stall ended at the timeout, before the Lisp gave up (${elapsed_ms} ms)"
else it_fail "the stall ended at the timeout" "took ${elapsed_ms} ms"; fi
it_check_contains "the stall is logged with the backend" "stalled for 1s" \
    "$(cat "$IT_DIR/fcgi-lisp-slow.log")"

# --- IPv6 ------------------------------------------------------------------------
v6_port=$(it_free_port)
it_spawn fcgi-lisp-v6 "$FCGI_LISP" --listen "[::1]:$v6_port" --backend "modlisp://127.0.0.1:$lisp_port"
out=""
for _ in $(seq 30); do
    out=$("$FCGI_PROBE" --timeout 5 --connect "[::1]:$v6_port" request --uri /hello 2>/dev/null) && break
    grep -q "Cannot assign requested address\|Address family not supported" \
        "$IT_DIR/fcgi-lisp-v6.log" 2>/dev/null && break
    sleep 0.1
done
if grep -q "Cannot assign requested address\|Address family not supported" "$IT_DIR/fcgi-lisp-v6.log"; then
    echo "NOTE: direct: no IPv6 loopback on this machine; --listen [::1]:PORT not checked"
else
    it_check_contains "--listen [::1]:PORT serves FastCGI over IPv6" "hello from fake-lisp" "$out"
fi

down_port=$(it_free_port)
down_sock="$IT_DIR/down.sock"
it_spawn fcgi-lisp-down "$FCGI_LISP" --listen "unix:$down_sock" --backend "modlisp://127.0.0.1:$down_port"
it_wait_socket "$down_sock"
start=$(date +%s%N)
out=$("$FCGI_PROBE" --timeout 20 --connect "unix:$down_sock" request --uri /hello 2>/dev/null)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
it_check_contains "a backend that refuses connections gives 503" "Status: 503" "$out"
it_check_contains "the 503 says when to retry" "Retry-After:" "$out"
if [ "$elapsed_ms" -lt 2000 ]; then it_pass "the 503 comes at once (${elapsed_ms} ms)"
else it_fail "the 503 comes at once" "took ${elapsed_ms} ms"; fi
it_check_contains "the failure is logged with the backend" "modlisp://127.0.0.1:$down_port" \
    "$(cat "$IT_DIR/fcgi-lisp-down.log")"

# --- start-up errors -------------------------------------------------------------------
"$FCGI_LISP" --backend "modlisp://127.0.0.1:$lisp_port" </dev/null >"$IT_DIR/nolisten.out" 2>&1
it_check_eq "without a socket to serve it exits 2" 2 "$?"
it_check_contains "and says how to start it" "--listen" "$(cat "$IT_DIR/nolisten.out")"
printf 'backend = modlisp://127.0.0.1:3000\nlog-levle = 7\n' >"$IT_DIR/typo.conf"
"$FCGI_LISP" --config "$IT_DIR/typo.conf" >"$IT_DIR/typo.out" 2>&1
it_check_eq "a config typo exits 2" 2 "$?"
it_check_contains "the message names the file, line and key" "$IT_DIR/typo.conf:2: log-levle" \
    "$(cat "$IT_DIR/typo.out")"

# --- graceful stop -----------------------------------------------------------------------
probe request --uri '/slow?ms=1500' >"$IT_DIR/drain.out" 2>/dev/null &
client_pid=$!
sleep 0.5
kill -TERM "$bridge_pid"
wait "$client_pid"
it_check_contains "SIGTERM lets the request in progress finish" "slow" "$(cat "$IT_DIR/drain.out")"
for _ in $(seq 50); do kill -0 "$bridge_pid" 2>/dev/null || break; sleep 0.1; done
wait "$bridge_pid"
it_check_eq "after SIGTERM fcgi-lisp exits 0" 0 "$?"
if [ -e "$sock" ]; then it_fail "the unix socket is removed on exit"; else it_pass "the unix socket is removed on exit"; fi

it_finish
