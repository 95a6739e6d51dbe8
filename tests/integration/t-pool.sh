#!/usr/bin/env bash
# t-pool.sh - fcgi-lisp over several Lisp backends: the balance modes, a
# refusing backend disabled for disable-time and the request retried on
# another, 503 at once when none is up, and the per-backend limit with its
# bounded wait queue. Three C stub backends (fake-lisp), whose /whoami says
# which one answered; a FastCGI client (fcgi-probe) in front.
# fcgi-lisp, MIT licence.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_setup pool
it_require "$FCGI_LISP" "$FAKE_LISP" "$FCGI_PROBE"

declare -a lisp_pid lisp_url
for i in 0 1 2; do
    it_spawn "fake-lisp-$i" "$FAKE_LISP" --listen "unix:$IT_DIR/lisp$i.sock"
    lisp_pid[i]=$IT_LAST_PID
    lisp_url[i]="modlisp+unix:$IT_DIR/lisp$i.sock"
done
for i in 0 1 2; do
    it_wait_socket "$IT_DIR/lisp$i.sock" || it_fail "fake-lisp $i starts"
done
dead_url="modlisp+unix:$IT_DIR/nothing-listens-here.sock"

# bridge NAME ARGS...: a fcgi-lisp on $IT_DIR/NAME.sock; sets $sock.
bridge() {
    local name=$1
    shift
    sock="$IT_DIR/$name.sock"
    it_spawn "$name" "$FCGI_LISP" --listen "unix:$sock" --log-level 6 "$@"
    it_wait_socket "$sock" || it_fail "fcgi-lisp $name listens"
}
probe() { "$FCGI_PROBE" --timeout 20 --connect "unix:$sock" "$@" 2>/dev/null; }
# whoami [--uri URI] [PROBE ARGS...]: which fake-lisp answered (lisp0, lisp1,
# lisp2), or the status line when none did.
whoami() {
    local out uri=/whoami
    if [ "${1:-}" = --uri ]; then
        uri=$2
        shift 2
    fi
    out=$(probe request --uri "$uri" "$@")
    case $out in
        *whoami=*) sed -n 's|^whoami=unix:.*/\(lisp[0-9]\)\.sock$|\1|p' <<<"$out" ;;
        *) sed -n 's/^Status: \(.*\)$/\1/p' <<<"$out" | head -n 1 ;;
    esac
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

all3=(--backend "${lisp_url[0]}" --backend "${lisp_url[1]}" --backend "${lisp_url[2]}")

# --- round-robin: each backend in turn -----------------------------------------
bridge rr --balance round-robin "${all3[@]}"
seq=""
for _ in 1 2 3 4 5 6; do seq="$seq $(whoami)"; done
it_check_eq "round-robin takes the backends in turn" " lisp0 lisp1 lisp2 lisp0 lisp1 lisp2" "$seq"

# --- least-connection (the default): the busy backend is passed over -----------
bridge lc "${all3[@]}"
probe request --uri '/slow?ms=1500' >"$IT_DIR/slow.out" &
slow_pid=$!
sleep 0.4
seq="$(whoami) $(whoami)"
it_check_eq "least-connection: while lisp0 serves a slow request, the next ones go to lisp1" \
    "lisp1 lisp1" "$seq"
wait "$slow_pid"
it_check_contains "the slow request was answered" "slow" "$(cat "$IT_DIR/slow.out")"
it_check_eq "least-connection: once lisp0 is idle again it is first again" "lisp0" "$(whoami)"

# --- sticky: one client address, one backend -------------------------------------
bridge sticky --balance sticky "${all3[@]}"
seen=""
stable=1
for ip in 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 192.0.2.5 192.0.2.6; do
    first=$(whoami --param "REMOTE_ADDR=$ip")
    for _ in 1 2 3; do
        [ "$(whoami --param "REMOTE_ADDR=$ip")" = "$first" ] || stable=0
    done
    seen="$seen
$first"
done
it_check_eq "sticky: every request of a client address goes to the same backend" 1 "$stable"
n=$(sort -u <<<"$seen" | grep -c lisp)
if [ "$n" -ge 2 ]; then it_pass "sticky: six client addresses use $n backends"
else it_fail "sticky: six client addresses all use one backend" "$seen"; fi

# --- disable-time: a refusing backend is skipped, the request retried -----------
bridge dis --disable-time 0.6 --backend "$dead_url" --backend "${lisp_url[0]}"
it_check_eq "a request whose first backend refuses is retried on the next" "lisp0" "$(whoami)"
refusals() { grep -c 'nothing-listens-here.sock: connect:' "$IT_DIR/dis.log"; }
it_check_eq "the refusing backend was tried once" 1 "$(refusals)"
it_check_eq "while disabled it is skipped: the next request goes straight to lisp0" "lisp0" "$(whoami)"
it_check_eq "and no new connection to it was attempted" 1 "$(refusals)"
sleep 0.8
whoami >/dev/null
it_check_eq "after disable-time it is tried again" 2 "$(refusals)"

# --- none up: 503 at once, never a hang -----------------------------------------
bridge down --backend "$dead_url" --backend "$dead_url-2"
t0=$(now_ms)
out=$(probe request --uri /hello)
t1=$(now_ms)
it_check_contains "no backend accepts connections: 503" "Status: 503" "$out"
it_check_contains "the 503 has a Retry-After" "Retry-After: " "$out"
if [ $((t1 - t0)) -lt 1000 ]; then it_pass "the 503 came at once ($((t1 - t0)) ms)"
else it_fail "the 503 took $((t1 - t0)) ms"; fi
it_check_contains "the log names the backend and the reason" \
    "cannot connect: No such file or directory" "$(cat "$IT_DIR/down.log")"
t0=$(now_ms)
out=$(probe request --uri /hello)
t1=$(now_ms)
it_check_contains "while both are disabled: 503 again" "Status: 503" "$out"
if [ $((t1 - t0)) -lt 1000 ]; then it_pass "again at once ($((t1 - t0)) ms)"
else it_fail "the second 503 took $((t1 - t0)) ms"; fi

# --- max-load-per-backend and the wait queue -------------------------------------
bridge limit --max-load-per-backend 1 --queue-max 1 --queue-timeout 5 --backend "${lisp_url[1]}"
probe request --uri '/slow?ms=1000' >"$IT_DIR/a.out" &
a_pid=$!
sleep 0.3
t0=$(now_ms)
probe request --uri '/slow?ms=1' >"$IT_DIR/b.out" &
b_pid=$!
sleep 0.3
out=$(probe request --uri /hello)
it_check_contains "a third request finds the backend at its limit and the queue full: 503" \
    "Status: 503" "$out"
it_check_contains "the log says why" "queue-max" "$(cat "$IT_DIR/limit.log")"
wait "$a_pid" "$b_pid"
t1=$(now_ms)
it_check_contains "the request in flight was answered" "slow" "$(cat "$IT_DIR/a.out")"
it_check_contains "the queued request was answered once the backend had room" "slow" \
    "$(cat "$IT_DIR/b.out")"
if [ $((t1 - t0)) -ge 500 ]; then it_pass "the queued request waited for the first ($((t1 - t0)) ms)"
else it_fail "the queued request did not wait: $((t1 - t0)) ms"; fi

bridge qt --max-load-per-backend 1 --queue-timeout 0.3 --backend "${lisp_url[2]}"
probe request --uri '/slow?ms=1500' >/dev/null &
a_pid=$!
sleep 0.3
t0=$(now_ms)
out=$(probe request --uri /hello)
t1=$(now_ms)
it_check_contains "a request waiting longer than queue-timeout gets 503" "Status: 503" "$out"
if [ $((t1 - t0)) -ge 250 ] && [ $((t1 - t0)) -lt 1400 ]; then
    it_pass "after the queue-timeout, before the backend was free ($((t1 - t0)) ms)"
else
    it_fail "the queued 503 came after $((t1 - t0)) ms"
fi
it_check_contains "the log says queue-timeout" "queue-timeout" "$(cat "$IT_DIR/qt.log")"
wait "$a_pid"

# --- hash: one URL path, one backend; only a failed backend's paths move -----------
bridge hash --balance hash --disable-time 30 "${all3[@]}"
declare -A home
stable=1
for p in a b c d e f g h i j k l; do
    home[$p]=$(whoami --uri "/whoami/$p?x=1")
    [ "$(whoami --uri "/whoami/$p?y=2")" = "${home[$p]}" ] || stable=0
done
it_check_eq "hash: a path goes to the same backend whatever its query" 1 "$stable"
n=$(printf '%s\n' "${home[@]}" | sort -u | grep -c lisp)
if [ "$n" -ge 2 ]; then it_pass "hash: twelve paths use $n backends"
else it_fail "hash: twelve paths all use one backend" "${home[*]}"; fi
victim=${home[a]}
it_stop "${lisp_pid[${victim#lisp}]}"
moved_ok=1 kept_ok=1
for p in a b c d e f g h i j k l; do
    now=$(whoami --uri "/whoami/$p")
    if [ "${home[$p]}" = "$victim" ]; then
        case $now in lisp*) [ "$now" != "$victim" ] || moved_ok=0 ;; *) moved_ok=0 ;; esac
    else
        [ "$now" = "${home[$p]}" ] || kept_ok=0
    fi
done
it_check_eq "hash: the paths of the stopped backend are served by the others" 1 "$moved_ok"
it_check_eq "hash: every other path stays where it was" 1 "$kept_ok"

# --- config errors name the key -------------------------------------------------
out=$("$FCGI_LISP" --balance nonsense --backend "${lisp_url[0]}" --listen "unix:$IT_DIR/x.sock" 2>&1)
it_check_contains "a bad --balance is refused with the modes it takes" \
    "--balance: 'nonsense' is not least-connection, fair, round-robin, hash or sticky" "$out"
printf 'backend = %s\nbalance = roundrobin\n' "${lisp_url[0]}" >"$IT_DIR/bad.conf"
out=$("$FCGI_LISP" --config "$IT_DIR/bad.conf" --listen "unix:$IT_DIR/x.sock" 2>&1)
it_check_contains "a bad balance in a config file names the file and line" \
    "bad.conf:2: balance: 'roundrobin' is not" "$out"

it_finish
