#!/usr/bin/env bash
# t-spawn.sh - Lisp processes that fcgi-lisp starts and supervises itself
# (bin-path, min-procs, max-procs, ...): slots on socket-N and port+N, their
# environment and output, a process killed under load, scaling up and down,
# the crash-loop fuse, startup-timeout, a listening socket handed over on
# fd 0 and kept across restarts (bin-inherit-socket), a slot's port taken by
# another program, and no zombie or leftover process.
# The C stub (fake-lisp) and the real SBCL cl-modlisp app as the Lisp; a
# FastCGI client (fcgi-probe) in front.
# fcgi-lisp, MIT licence.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_setup spawn
it_require "$FCGI_LISP" "$FAKE_LISP" "$FCGI_PROBE" pgrep

# bridge NAME ARGS...: a fcgi-lisp on $IT_DIR/NAME.sock; sets $sock, $bpid.
bridge() {
    local name=$1
    shift
    sock="$IT_DIR/$name.sock"
    it_spawn "$name" "$FCGI_LISP" --listen "unix:$sock" --log-level 6 "$@"
    bpid=$IT_LAST_PID
    it_wait_socket "$sock" || it_fail "fcgi-lisp $name listens"
}
probe() { "$FCGI_PROBE" --timeout 20 --connect "unix:$sock" "$@" 2>/dev/null; }
status_of() { probe request --uri "$1" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1; }
status_is() { [ "$(status_of "$1")" = "$2" ]; }
# log_count_is NAME PATTERN N: the log of NAME has N lines matching PATTERN
log_count_is() { [ "$(grep -c -- "$2" "$IT_DIR/$1.log")" = "$3" ]; }

# The stub as the Lisp: a shell that says where it is, then execs fake-lisp on
# the slot's socket; SECRET is in fcgi-lisp's environment, not the Lisp's.
export SECRET=not-for-the-lisp
wrapper="echo slot=\$FCGI_LISP_SLOT socket=\$FCGI_LISP_SOCKET greeting=\$GREETING secret=\${SECRET:-unset} >&2; exec '$FAKE_LISP' --listen unix:\$FCGI_LISP_SOCKET"

# --- min-procs, slots, environment, output ---------------------------------------
bridge fixed --backend "modlisp+unix:$IT_DIR/lisp.sock" --bin-path "sh -c \"$wrapper\"" \
    --bin-environment GREETING=hi --min-procs 2 --max-procs 2
it_wait_until 10 it_nchildren_is "$bpid" 2 || it_fail "two Lisp processes start"
it_wait_until 10 it_log_has fixed "lisp slot 1 pid [0-9]*: accepting connections"
it_check_eq "min-procs 2: two processes run" 2 "$(it_nchildren "$bpid")"
out=$(probe request --uri /whoami)
it_check_contains "a request is served by slot 0, on socket-0" "whoami=unix:$IT_DIR/lisp.sock-0" "$out"
log=$(cat "$IT_DIR/fixed.log")
it_check_contains "the Lisp's stderr is logged with its slot and pid" \
    "lisp slot 1 pid" "$(grep "stderr: slot=1 " <<<"$log")"
it_check_contains "the Lisp gets its slot and socket" "slot=1 socket=$IT_DIR/lisp.sock-1" "$log"
it_check_contains "bin-environment reaches it" "greeting=hi" "$log"
it_check_contains "fcgi-lisp's own environment does not" "secret=unset" "$log"

# --- kill -9 under load: no failed request, the slot comes back -----------------
before=$(it_children "$bpid")
victim=$(pgrep -P "$bpid" -f -- "unix:$IT_DIR/lisp.sock-0")
fails=0
for i in $(seq 1 40); do
    [ "$i" = 10 ] && kill -9 "$victim"
    [ "$(status_of /hello)" = 200 ] || fails=$((fails + 1))
done
it_check_eq "kill -9 of a Lisp during 40 requests: none failed" 0 "$fails"
it_wait_until 10 it_log_has fixed "killed by SIGKILL after" || true
it_check_contains "the exit is logged with the signal, uptime and requests served" \
    "requests served; starting it again in 0s" "$(grep 'killed by SIGKILL' "$IT_DIR/fixed.log")"
it_wait_until 10 it_nchildren_is "$bpid" 2
after=$(it_children "$bpid")
it_check_eq "the slot is started again: two processes" 2 "$(it_nchildren "$bpid")"
if [ "$before" != "$after" ]; then it_pass "with a new pid ($before -> $after)"
else it_fail "no new process" "$before"; fi
it_wait_until 10 status_is /hello 200
it_check_eq "no zombie among its children" 0 "$(it_zombies "$bpid")"
lisps=$(it_children "$bpid")
it_stop "$bpid"
left=0
for p in $lisps; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
it_check_eq "SIGTERM to fcgi-lisp stops its Lisps" 0 "$left"
it_check_eq "their exits are logged" 2 "$(grep -c 'requests served (fcgi-lisp stopping)' "$IT_DIR/fixed.log")"

# --- scale up at dispatch, down after idle-timeout ------------------------------------
bridge scale --backend "modlisp+unix:$IT_DIR/scale-lisp.sock" \
    --bin-path "'$FAKE_LISP' --listen unix:%s" --min-procs 1 --max-procs 3 \
    --max-load-per-proc 1 --idle-timeout 1
it_wait_until 10 it_log_has scale "accepting connections"
it_check_eq "min-procs 1: one process at first" 1 "$(it_nchildren "$bpid")"
slow_pids=""
for i in 1 2 3; do
    probe request --uri '/slow?ms=1500' >"$IT_DIR/slow$i.out" &
    slow_pids="$slow_pids $!"
done
sleep 0.8
it_check_eq "three requests at once with max-load-per-proc 1: three processes" 3 \
    "$(it_nchildren "$bpid")"
# shellcheck disable=SC2086 # PIDs
wait $slow_pids
ok=0
for i in 1 2 3; do grep -q '^slow$' "$IT_DIR/slow$i.out" && ok=$((ok + 1)); done
it_check_eq "all three answered" 3 "$ok"
if it_wait_until 15 it_nchildren_is "$bpid" 1; then
    it_pass "idle processes above min-procs stop after idle-timeout (one per 5 s)"
else
    it_fail "still $(it_nchildren "$bpid") processes after 15 s idle"
fi
it_check_contains "the stop is logged" "idle for" "$(cat "$IT_DIR/scale.log")"
it_check_eq "no zombie among its children" 0 "$(it_zombies "$bpid")"
it_stop "$bpid"

# --- crash loop: the fuse trips, 503 at once, one log line -----------------------------
bridge fuse --backend "modlisp+unix:$IT_DIR/fuse-lisp.sock" \
    --bin-path "sh -c 'echo cannot load the core >&2; exit 3'" --min-procs 1 --max-procs 2
# back-off 0, 1, 2, 4 s: the fifth failed start comes after about 7 s
if it_wait_until 15 it_log_has fuse "starts failed within"; then
    it_pass "a Lisp that exits at once trips the fuse"
else
    it_fail "the fuse did not trip" "$(tail -n 5 "$IT_DIR/fuse.log")"
fi
t0=$(date +%s%N)
code=$(status_of /hello)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
it_check_eq "while it is tripped requests get 503" 503 "$code"
if [ "$ms" -lt 1000 ]; then it_pass "at once ($ms ms)"; else it_fail "the 503 took $ms ms"; fi
it_check_eq "the fuse is logged once" 1 "$(grep -c 'starts failed within' "$IT_DIR/fuse.log")"
it_check_contains "each exit is logged with its status" "exited with status 3 after" \
    "$(cat "$IT_DIR/fuse.log")"
it_check_contains "and what the Lisp said" "stderr: cannot load the core" "$(cat "$IT_DIR/fuse.log")"
it_check_eq "no zombie among its children" 0 "$(it_zombies "$bpid")"
it_stop "$bpid"

# --- startup-timeout: a process that never listens is stopped ---------------------------
bridge slow --backend "modlisp+unix:$IT_DIR/never.sock" --bin-path "sleep 30" \
    --startup-timeout 0.5 --min-procs 1 --max-procs 1
if it_wait_until 10 it_log_has slow "killed by SIGTERM after"; then
    it_pass "a Lisp that does not listen within startup-timeout is stopped"
else
    it_fail "it was not stopped" "$(tail -n 5 "$IT_DIR/slow.log")"
fi
it_check_contains "the log says why" "(startup-timeout); stopping it" "$(cat "$IT_DIR/slow.log")"
it_stop "$bpid"

# --- SIGHUP: a good config rolls the processes without a failed request; a bad one
# is refused ------------------------------------------------------------------------------
conf="$IT_DIR/roll.conf"
write_conf() {
    cat >"$conf" <<EOF
backend = modlisp+unix:$IT_DIR/roll-lisp.sock
bin-path = "sh -c \"echo generation=\$GREETING >&2; exec '$FAKE_LISP' --listen unix:\$FCGI_LISP_SOCKET\""
bin-environment = GREETING=$1
min-procs = 2
max-procs = 3
$2
EOF
}
write_conf v1 ""
bridge roll --config "$conf"
it_wait_until 10 log_count_is roll 'accepting connections' 2
old=$(it_children "$bpid")
load_until() {
    local n=0 bad=0
    while [ ! -e "$IT_DIR/stop-load" ]; do
        [ "$(status_of /hello)" = 200 ] || bad=$((bad + 1))
        n=$((n + 1))
    done
    echo "$n $bad" >"$IT_DIR/load.result"
}
rm -f "$IT_DIR/stop-load"
load_until &
load_pid=$!
sleep 0.3
write_conf v2 ""
kill -HUP "$bpid"
rolled() { [ "$(grep -c 'stderr: generation=v2' "$IT_DIR/roll.log")" -ge 2 ] && it_nchildren_is "$bpid" 2; }
if it_wait_until 15 rolled; then it_pass "SIGHUP: two new processes with the new environment"
else it_fail "the processes were not replaced" "$(tail -n 8 "$IT_DIR/roll.log")"; fi
sleep 0.3
touch "$IT_DIR/stop-load"
wait "$load_pid"
read -r n bad <"$IT_DIR/load.result"
it_check_eq "no failed request among the $n sent during the rolling restart" 0 "$bad"
new=$(it_children "$bpid")
still=0
for p in $old; do case " $new " in *" $p "*) still=$((still + 1)) ;; esac; done
it_check_eq "none of the old processes is left" 0 "$still"
it_check_contains "the reload is logged" "replacing 2 processes one at a time" "$(cat "$IT_DIR/roll.log")"
write_conf v3 "min-procz = 1"
kill -HUP "$bpid"
it_wait_until 5 it_log_has roll "the running configuration is kept"
it_check_contains "a config with a typo is refused, naming file, line and key" \
    "SIGHUP: $conf:6: min-procz: unknown key; the running configuration is kept" \
    "$(cat "$IT_DIR/roll.log")"
sleep 0.5
it_check_eq "and the processes keep running" "$new" "$(it_children "$bpid")"
it_check_eq "requests are still served" 200 "$(status_of /hello)"
it_stop "$bpid"

# --- one pool, several fcgi-lisps (as under mod_fcgid): one owns, the others attach -----
shared=(--backend "modlisp+unix:$IT_DIR/shared.sock" --bin-path "'$FAKE_LISP' --listen unix:%s"
        --min-procs 1 --max-procs 2)
bridge owner "${shared[@]}"
owner_pid=$bpid
it_wait_until 10 it_log_has owner "accepting connections"
bridge attached "${shared[@]}"
attached_pid=$bpid
it_wait_until 5 it_log_has attached "another fcgi-lisp runs its Lisp processes"
it_check_contains "a second fcgi-lisp with the same pool attaches instead of starting its own" \
    "lock $IT_DIR/shared.sock.lock held" "$(cat "$IT_DIR/attached.log")"
it_check_eq "it starts no Lisp" 0 "$(it_nchildren "$attached_pid")"
it_check_contains "its requests are served by the owner's Lisp" \
    "whoami=unix:$IT_DIR/shared.sock-0" "$(probe request --uri /whoami)"
owner_lisps=$(it_children "$owner_pid")
it_stop "$owner_pid"
if it_wait_until 10 it_nchildren_is "$attached_pid" 1; then
    it_pass "when the owner exits, the attached fcgi-lisp takes the pool over and starts a Lisp"
else
    it_fail "no takeover" "$(tail -n 5 "$IT_DIR/attached.log")"
fi
it_check_contains "the takeover is logged" "its owner is gone; this fcgi-lisp runs the Lisp" \
    "$(cat "$IT_DIR/attached.log")"
left=0
for p in $owner_lisps; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
it_check_eq "the old owner's Lisps are gone" 0 "$left"
it_wait_until 10 status_is /hello 200
it_check_eq "requests are served again" 200 "$(status_of /hello)"
it_stop "$attached_pid"

# --- bin-inherit-socket: fcgi-lisp binds each slot, the Lisp accepts on fd 0 -------------
# stopped_lisp_request NAME OUT: stops NAME's Lisp (SIGSTOP), sends /hello (its
# connection waits in the Lisp's backlog), kills the Lisp with -9 and waits for
# the answer in $IT_DIR/OUT.
stopped_lisp_request() {
    local victim waiter
    victim=$(pgrep -P "$bpid")
    kill -STOP "$victim"
    probe request --uri /hello >"$IT_DIR/$2" &
    waiter=$!
    sleep 0.3
    kill -9 "$victim"
    wait "$waiter"
}
inherit_lisp="sh -c 'echo listen-fd=\$FCGI_LISP_LISTEN_FD >&2; sleep 0.5; exec \"$FAKE_LISP\" --listen fd:0'"
bridge inherit --backend "modlisp+unix:$IT_DIR/inh.sock" --bin-path "$inherit_lisp" \
    --bin-inherit-socket yes --min-procs 1 --max-procs 1
it_wait_until 10 it_log_has inherit "accepting connections" || it_fail "the Lisp on fd 0 comes up"
it_check_contains "the Lisp is told to accept on fd 0" "stderr: listen-fd=0" \
    "$(cat "$IT_DIR/inherit.log")"
if [ -S "$IT_DIR/inh.sock-0" ]; then it_pass "fcgi-lisp bound slot 0's socket for it"
else it_fail "no socket at $IT_DIR/inh.sock-0"; fi
took=$(sed -n 's/.*accepting connections after \([0-9.]*\)s.*/\1/p' "$IT_DIR/inherit.log" | head -n 1)
if awk -v t="$took" 'BEGIN { exit !(t >= 0.5) }'; then
    it_pass "ready once it accepts (${took}s, it sleeps 0.5 s first), not once the socket connects"
else
    it_fail "ready before the Lisp could accept" "${took}s"
fi
it_check_contains "a request is served by the Lisp on fd 0" "whoami=fd:0" "$(probe request --uri /whoami)"
stopped_lisp_request inherit inherit-wait.out
it_check_contains "a request in the backlog of a Lisp killed with -9 is answered by the next one" \
    "Status: 200" "$(cat "$IT_DIR/inherit-wait.out")"
it_check_contains "the next one was started on the same socket" "killed by SIGKILL" \
    "$(cat "$IT_DIR/inherit.log")"
it_check_eq "no zombie among its children" 0 "$(it_zombies "$bpid")"
it_stop "$bpid"
if [ -e "$IT_DIR/inh.sock-0" ]; then it_fail "the slot's socket is left after fcgi-lisp stops"
else it_pass "the slot's socket is removed when fcgi-lisp stops"; fi
# the same without bin-inherit-socket: the backlog dies with the Lisp
bridge own --backend "modlisp+unix:$IT_DIR/own.sock" \
    --bin-path "'$FAKE_LISP' --listen unix:%s" --min-procs 1 --max-procs 1
it_wait_until 10 it_log_has own "accepting connections" || it_fail "the Lisp comes up"
stopped_lisp_request own own-wait.out
it_check_contains "without it, that request fails (502): the contrast the option exists for" \
    "Status: 502" "$(cat "$IT_DIR/own-wait.out")"
it_stop "$bpid"

# --- a slot's port taken by another program ----------------------------------------------
port=$(it_free_port)
it_spawn squatter "$FAKE_LISP" --listen "127.0.0.1:$port"
squatter_pid=$IT_LAST_PID
it_wait_until 10 it_log_has squatter "listening on" || it_fail "the other program listens"
bridge squat --backend "modlisp://127.0.0.1:$port" --bin-path "'$FAKE_LISP' --listen 127.0.0.1:%p" \
    --min-procs 1 --max-procs 1 --queue-timeout 1
it_wait_until 10 it_log_has squat "already accepts connections, before its Lisp is started" || true
it_check_contains "a slot whose port another program answers on is not started, and the log says why" \
    "modlisp://127.0.0.1:$port already accepts connections, before its Lisp is started" \
    "$(cat "$IT_DIR/squat.log")"
it_check_eq "requests are not sent to that program: 503" 503 "$(status_of /whoami)"
it_stop "$bpid"
bridge squat2 --backend "modlisp://127.0.0.1:$port" --bin-path "'$FAKE_LISP' --listen fd:0" \
    --bin-inherit-socket yes --min-procs 1 --max-procs 1 --queue-timeout 1
it_wait_until 10 it_log_has squat2 "Address already in use" || true
it_check_contains "with bin-inherit-socket the bind fails and the log says so" \
    "cannot start '$FAKE_LISP' --listen fd:0: bind(127.0.0.1:$port) failed: Address already in use" \
    "$(cat "$IT_DIR/squat2.log")"
it_stop "$bpid"
it_stop "$squatter_pid"

# --- the real Lisp: SBCL cl-modlisp on port+N --------------------------------------------
if command -v sbcl >/dev/null 2>&1; then
    port=$(it_free_port)
    app="$top_srcdir/contrib/lisp/modlisp-app.lisp"
    mkdir -p "$IT_DIR/home"
    HOME="$IT_DIR/home" XDG_CACHE_HOME="$IT_DIR/home/cache" bridge sbcl \
        --backend "modlisp://127.0.0.1:$port" --min-procs 1 --max-procs 2 \
        --max-load-per-proc 1 --idle-timeout 1 \
        --bin-copy-environment "PATH HOME XDG_CACHE_HOME" \
        --bin-path "sbcl --noinform --non-interactive --no-userinit --load '$app'"
    if it_wait_until 90 log_count_is sbcl 'accepting connections' 1; then
        it_pass "min-procs 1: one SBCL cl-modlisp process starts, on port $port"
    else
        it_fail "the SBCL process did not come up" "$(tail -n 10 "$IT_DIR/sbcl.log")"
    fi
    out=$(probe request --uri /hello)
    it_check_contains "SBCL answers through the pool" "hello from cl-modlisp" "$out"
    # two slow requests at once: the second starts slot 1 (port+1) and waits for it
    probe request --uri '/slow?ms=3000' >"$IT_DIR/sbcl-slow1.out" &
    s1=$!
    sleep 0.3
    probe request --uri '/slow?ms=100' >"$IT_DIR/sbcl-slow2.out" &
    s2=$!
    wait "$s1" "$s2"
    ok=0
    for f in sbcl-slow1 sbcl-slow2; do grep -q '^slow$' "$IT_DIR/$f.out" && ok=$((ok + 1)); done
    it_check_eq "under two requests at once with max-load-per-proc 1, both answered" 2 "$ok"
    it_check_contains "the second SBCL was started for them, on port+1" \
        "lisp slot 1 pid" "$(grep 'accepting connections' "$IT_DIR/sbcl.log")"
    if it_wait_until 15 it_nchildren_is "$bpid" 1; then
        it_pass "back to one SBCL after idle-timeout"
    else
        it_fail "still $(it_nchildren "$bpid") SBCL processes after 15 s idle"
    fi
    victim=$(pgrep -P "$bpid" | head -n 1)
    kill -9 "$victim"
    if it_wait_until 90 log_count_is sbcl 'accepting connections' 3; then
        it_pass "an SBCL killed with -9 is started again and accepts connections"
    else
        it_fail "the killed SBCL did not come back" "$(tail -n 10 "$IT_DIR/sbcl.log")"
    fi
    fails=0
    for _ in $(seq 1 20); do [ "$(status_of /hello)" = 200 ] || fails=$((fails + 1)); done
    it_check_eq "then 20 requests all succeed" 0 "$fails"
    it_check_contains "its death is logged" "killed by SIGKILL" "$(cat "$IT_DIR/sbcl.log")"
    # SIGHUP under load: the SBCL process is replaced, no request fails
    old=$(it_children "$bpid")
    rm -f "$IT_DIR/stop-load"
    load_until &
    load_pid=$!
    sleep 0.3
    kill -HUP "$bpid"
    sbcl_rolled() {
        log_count_is sbcl 'accepting connections' 4 && it_nchildren_is "$bpid" 1 &&
            [ "$(it_children "$bpid")" != "$old" ]
    }
    if it_wait_until 90 sbcl_rolled; then it_pass "SIGHUP: the SBCL process is replaced"
    else it_fail "SIGHUP did not replace the SBCL process" "$(tail -n 8 "$IT_DIR/sbcl.log")"; fi
    touch "$IT_DIR/stop-load"
    wait "$load_pid"
    read -r n bad <"$IT_DIR/load.result"
    it_check_eq "no failed request among the $n sent while SBCL was replaced" 0 "$bad"
    lisps=$(it_children "$bpid")
    it_stop "$bpid"
    left=0
    for p in $lisps; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
    it_check_eq "no SBCL is left after fcgi-lisp stops" 0 "$left"
    # bin-inherit-socket: SBCL accepts on the unix socket fcgi-lisp hands it as fd 0
    HOME="$IT_DIR/home" XDG_CACHE_HOME="$IT_DIR/home/cache" bridge sbcl-fd0 \
        --backend "modlisp+unix:$IT_DIR/sbcl.sock" --min-procs 1 --max-procs 1 \
        --bin-inherit-socket yes --bin-copy-environment "PATH HOME XDG_CACHE_HOME" \
        --bin-path "sbcl --noinform --non-interactive --no-userinit --load '$app'"
    if it_wait_until 90 log_count_is sbcl-fd0 'accepting connections' 1; then
        it_pass "an SBCL cl-modlisp process accepts on the unix socket it inherited on fd 0"
    else
        it_fail "the SBCL process on fd 0 did not come up" "$(tail -n 10 "$IT_DIR/sbcl-fd0.log")"
    fi
    it_check_contains "and answers" "hello from cl-modlisp" "$(probe request --uri /hello)"
    stopped_lisp_request sbcl-fd0 sbcl-fd0-wait.out
    it_check_contains "a request in the backlog of an SBCL killed with -9 is answered by the next" \
        "hello from cl-modlisp" "$(cat "$IT_DIR/sbcl-fd0-wait.out")"
    lisps=$(it_children "$bpid")
    it_stop "$bpid"
    left=0
    for p in $lisps; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
    it_check_eq "no SBCL is left after that fcgi-lisp stops" 0 "$left"
else
    echo "SKIP: spawn: the SBCL part needs sbcl (and cl-modlisp)"
fi

it_finish
