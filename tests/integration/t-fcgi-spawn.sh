#!/usr/bin/env bash
# t-fcgi-spawn.sh - fcgi-lisp-spawn next to the real spawn-fcgi: the same
# flags give the children the same view (socket, mode, owner, backlog,
# users, cwd, environment) except what fcgi-lisp-spawn fixes (no leaked
# descriptor, stdout and stderr logged); then the supervision: a child
# killed with -9 comes back, one that exits at once trips the fuse, daemon
# mode and its status, systemd socket activation and sd_notify, a socket on
# fd 0; and a SIGHUP reload under load through the real nginx (fcgi-lisp as
# the app) and the real lighttpd (a libfcgi app) without one failed request.
# fcgi-lisp, MIT licence.
# shellcheck source=tests/integration/lib.sh
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
# shellcheck source=tests/integration/matrix.sh
. "$top_srcdir/tests/integration/matrix.sh"

it_setup fcgi-spawn
SPAWN_BUILT=$top_builddir/spawn/fcgi-lisp-spawn
INSPECT_BUILT=$top_builddir/tests/integration/spawn-inspect
SD_ACTIVATE=$top_builddir/tests/integration/sd-activate
HELLO_FCGI_BUILT=$top_builddir/bench/hello-fcgi
it_require spawn-fcgi pgrep "$SPAWN_BUILT" "$INSPECT_BUILT" "$SD_ACTIVATE" "$FCGI_LISP" \
    "$FAKE_LISP" "$FCGI_PROBE"
mx_setup
# copies the servers' user may run (see mx_setup)
for b in "$SPAWN_BUILT" "$INSPECT_BUILT"; do cp "$b" "$IT_DIR/bin/" || exit 99; done
SPAWN=$IT_DIR/bin/fcgi-lisp-spawn
INSPECT=$IT_DIR/bin/spawn-inspect

reports_in() { [ "$(find "$1" -name 'report.*' ! -name '*.tmp' | wc -l)" -ge "$2" ]; }
first_report() { find "$1" -name 'report.*' ! -name '*.tmp' | sort | head -n 1; }
report_dir() { mkdir -p "$IT_DIR/$1" && chmod 777 "$IT_DIR/$1" && echo "$IT_DIR/$1"; }
# normalized REPORT SOCKET: the report with the socket path or port made
# generic, without the lines that differ on purpose or by run
normalized() {
    sed -e "s|$2|SOCKET|g" -e '/^fds=/d' -e '/^fd[12]=/d' -e '/^env\._=/d' \
        -e '/^sigignored=/d' "$1"
}
# stop_listed PID...: TERM to each, then waits until all are gone
stop_listed() {
    local p
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    for p in "$@"; do it_wait_until 5 sh -c "! kill -0 $p 2>/dev/null" || kill -KILL "$p" 2>/dev/null; done
}

# --- side by side: the same flags, what the children see --------------------------
drop=()
if [ "$(id -u)" -eq 0 ]; then
    drop=(-u "$MX_USER")   # as root both drop to nobody; the socket follows -u
fi
mkdir -p "$IT_DIR/app" && chmod 755 "$IT_DIR/app"
flags=(-M 0600 -F 2 -C 3 -d "$IT_DIR/app" "${drop[@]}")
exec 9</dev/null # a descriptor the shell leaves open in what it starts
rsf=$(report_dir rep-sf)
rus=$(report_dir rep-us)
spawn-fcgi -s "$IT_DIR/sf.sock" "${flags[@]}" -- "$INSPECT" "$rsf" >"$IT_DIR/sf.out" 2>&1
sf_pids=$(sed -n 's/.*child spawned successfully: PID: \([0-9]*\)/\1/p' "$IT_DIR/sf.out")
IT_PIDS="$IT_PIDS $sf_pids"
# in run/, which the children's user may write: the supervisor, that user
# too by then, removes its socket and pid file at exit
"$SPAWN" -s "$IT_DIR/run/us.sock" "${flags[@]}" -P "$IT_DIR/run/us.pid" -- "$INSPECT" "$rus" \
    >"$IT_DIR/us.out" 2>"$IT_DIR/us.log"
us_rc=$?
exec 9<&-
us_pid=$(cat "$IT_DIR/run/us.pid" 2>/dev/null)
IT_PIDS="$IT_PIDS $us_pid"
it_check_eq "daemon mode exits 0 once its children run, as spawn-fcgi does" 0 "$us_rc"
it_check_eq "and prints spawn-fcgi's line for each child" 2 \
    "$(grep -c 'fcgi-lisp-spawn: child spawned successfully: PID: ' "$IT_DIR/us.out")"
if [ -n "$us_pid" ] && [ "$(pgrep -c -P "$us_pid")" = 2 ]; then
    it_pass "the pid file holds the supervisor, the parent of the 2 children"
else
    it_fail "the pid file's process is not the parent of 2 children" "pid=$us_pid"
fi
it_wait_until 10 reports_in "$rsf" 2 || it_fail "spawn-fcgi's children report" "$(cat "$IT_DIR/sf.out")"
it_wait_until 10 reports_in "$rus" 2 || it_fail "fcgi-lisp-spawn's children report" "$(cat "$IT_DIR/us.log")"
sf_report=$(first_report "$rsf")
us_report=$(first_report "$rus")
differ=$(diff <(normalized "$sf_report" "$IT_DIR/sf.sock") <(normalized "$us_report" "$IT_DIR/run/us.sock"))
it_check_eq "with the same flags the children see the same socket, mode, owner, backlog, users, cwd and environment" \
    "" "$differ"
it_check_contains "that is: a listening unix socket on fd 0" "fd0.listening=yes" "$(cat "$us_report")"
it_check_contains "mode -M 0600" "socket.mode=0600" "$(cat "$us_report")"
it_check_contains "backlog 1024" "fd0.backlog=1024" "$(cat "$us_report")"
it_check_contains "cwd -d" "cwd=$IT_DIR/app" "$(cat "$us_report")"
it_check_contains "PHP_FCGI_CHILDREN from -C" "env.PHP_FCGI_CHILDREN=3" "$(cat "$us_report")"
if [ "$(id -u)" -eq 0 ]; then
    it_check_contains "-u: the child runs as $MX_USER" "uid=$(id -u "$MX_USER")" "$(cat "$us_report")"
    it_check_contains "and the socket belongs to $MX_USER" "socket.owner=$MX_USER:" "$(cat "$us_report")"
fi
it_check_contains "spawn-fcgi leaks the shell's fd 9 to its children" "fds=0,1,2,9" "$(cat "$sf_report")"
it_check_contains "fcgi-lisp-spawn's children hold only fds 0, 1 and 2" "fds=0,1,2" \
    "$(grep '^fds=' "$us_report")"
it_check_eq "their fd 2 is a pipe to the supervisor's log, not /dev/null" "fd2=pipe" \
    "$(grep '^fd2=' "$us_report")"
# signals 1..31 (glibc keeps 32 and 33 for itself: sigaction refuses them,
# so an ignored disposition inherited from make or a shell stays there)
ignored=$(sed -n 's/^sigignored=//p' "$us_report")
it_check_eq "none of signals 1..31 is ignored in them (sigignored=$ignored)" 0 \
    "$(( 0x${ignored:-ffffffff} & 0x7fffffff ))"
stop_listed $sf_pids
stop_listed "$us_pid"
it_check_eq "SIGTERM: fcgi-lisp-spawn's children are gone" 0 "$(pgrep -c -f -- "$rus")"
[ -e "$IT_DIR/run/us.sock" ] && it_fail "the socket is left after fcgi-lisp-spawn stops" \
    || it_pass "the unix socket is removed when it stops"
[ -e "$IT_DIR/run/us.pid" ] && it_fail "the pid file is left after fcgi-lisp-spawn stops" \
    || it_pass "so is the pid file"

# the same over TCP
port_sf=$(it_free_port)
rtsf=$(report_dir rep-tsf)
spawn-fcgi -a 127.0.0.1 -p "$port_sf" -b 77 -- "$INSPECT" "$rtsf" >"$IT_DIR/tsf.out" 2>&1
tsf_pids=$(sed -n 's/.*child spawned successfully: PID: \([0-9]*\)/\1/p' "$IT_DIR/tsf.out")
IT_PIDS="$IT_PIDS $tsf_pids"
port_us=$(it_free_port)
rtus=$(report_dir rep-tus)
it_spawn tus "$SPAWN" -n -a 127.0.0.1 -p "$port_us" -b 77 -- "$INSPECT" "$rtus"
tus_pid=$IT_LAST_PID
it_wait_until 10 reports_in "$rtsf" 1
it_wait_until 10 reports_in "$rtus" 1
differ=$(diff <(normalized "$(first_report "$rtsf")" "$port_sf" | grep '^fd0') \
    <(normalized "$(first_report "$rtus")" "$port_us" | grep '^fd0'))
it_check_eq "-a -p -b: the same TCP socket (family, address, backlog 77, blocking)" "" "$differ"
it_check_contains "an IPv4 listening socket with backlog 77" "fd0.backlog=77" \
    "$(cat "$(first_report "$rtus")")"
stop_listed $tsf_pids
it_stop "$tus_pid"

# -c: both chroot (and drop to -u) the same way; the socket is bound inside
if [ "$(id -u)" -eq 0 ]; then
    # jail J: the inspector and the libraries it needs, a report dir
    make_jail() {
        local j=$1 lib
        mkdir -p "$j/rep" && chmod 777 "$j/rep" && chmod 755 "$j"
        cp "$INSPECT" "$j/spawn-inspect"
        for lib in $(ldd "$INSPECT" | grep -o '/[^ ]*'); do
            mkdir -p "$j$(dirname "$lib")" && cp "$lib" "$j$lib"
        done
    }
    make_jail "$IT_DIR/jail-sf"
    make_jail "$IT_DIR/jail-us"
    spawn-fcgi -c "$IT_DIR/jail-sf" -u "$MX_USER" -s /fcgi.sock -- /spawn-inspect /rep \
        >"$IT_DIR/jsf.out" 2>&1
    jsf_pids=$(sed -n 's/.*child spawned successfully: PID: \([0-9]*\)/\1/p' "$IT_DIR/jsf.out")
    IT_PIDS="$IT_PIDS $jsf_pids"
    "$SPAWN" -c "$IT_DIR/jail-us" -u "$MX_USER" -s /fcgi.sock -P "$IT_DIR/jus.pid" -- \
        /spawn-inspect /rep >/dev/null 2>"$IT_DIR/jus.log"
    jus_pid=$(cat "$IT_DIR/jus.pid" 2>/dev/null)
    IT_PIDS="$IT_PIDS $jus_pid"
    it_wait_until 10 reports_in "$IT_DIR/jail-sf/rep" 1
    it_wait_until 10 reports_in "$IT_DIR/jail-us/rep" 1 ||
        it_fail "a child starts in the chroot" "$(cat "$IT_DIR/jus.log")"
    jr=$(first_report "$IT_DIR/jail-us/rep")
    differ=$(diff <(normalized "$(first_report "$IT_DIR/jail-sf/rep")" "$IT_DIR/jail-sf") \
        <(normalized "$jr" "$IT_DIR/jail-us"))
    it_check_eq "-c with -u: the same view as spawn-fcgi's (root, cwd, users, socket)" "" "$differ"
    it_check_contains "the child runs in the chroot" "cwd=/" "$(cat "$jr")"
    [ -S "$IT_DIR/jail-us/fcgi.sock" ] && it_pass "the socket is bound inside the chroot" \
        || it_fail "no socket inside the chroot"
    stop_listed $jsf_pids "$jus_pid"
    # -S: the socket bound before the chroot, at a path outside it
    rm -f "$IT_DIR"/jail-us/rep/report.*
    "$SPAWN" -c "$IT_DIR/jail-us" -S -u "$MX_USER" -s "$IT_DIR/run/outside.sock" \
        -P "$IT_DIR/jus.pid" -- /spawn-inspect /rep >/dev/null 2>"$IT_DIR/jus-S.log"
    jus_pid=$(cat "$IT_DIR/jus.pid" 2>/dev/null)
    IT_PIDS="$IT_PIDS $jus_pid"
    it_wait_until 10 reports_in "$IT_DIR/jail-us/rep" 1 ||
        it_fail "-S: a child starts in the chroot" "$(cat "$IT_DIR/jus-S.log")"
    it_check_contains "-S: the socket is bound before the chroot, outside it" \
        "fd0.address=$IT_DIR/run/outside.sock" "$(cat "$(first_report "$IT_DIR/jail-us/rep")")"
    it_check_contains "and the child still runs in the chroot" "cwd=/" \
        "$(cat "$(first_report "$IT_DIR/jail-us/rep")")"
    stop_listed "$jus_pid"
fi

# --- supervision in the foreground -------------------------------------------------
rsup=$(report_dir rep-sup)
it_spawn sup "$SPAWN" -n -s "$IT_DIR/sup.sock" -F 2 --log-level 6 -- "$INSPECT" "$rsup"
sup=$IT_LAST_PID
it_wait_until 10 reports_in "$rsup" 2 || it_fail "two children start" "$(cat "$IT_DIR/sup.log")"
before=$(it_children "$sup")
victim=$(pgrep -P "$sup" | head -n 1)
kill -9 "$victim"
back() { it_nchildren_is "$sup" 2 && [ "$(it_children "$sup")" != "$before" ]; }
if it_wait_until 3 back; then it_pass "a child killed with -9 is back at once (first restart: no delay)"
else it_fail "the killed child did not come back" "$(tail -n 5 "$IT_DIR/sup.log")"; fi
it_wait_until 5 reports_in "$rsup" 3
it_check_contains "its death is logged with the signal and uptime" \
    "pid $victim killed by SIGKILL after" "$(cat "$IT_DIR/sup.log")"
newest=$(ls -t "$rsup"/report.* | head -n 1)
it_check_eq "the new child holds only fds 0, 1 and 2 too" "fds=0,1,2" "$(grep '^fds=' "$newest")"
it_check_eq "no zombie among the children" 0 "$(it_zombies "$sup")"
refused=$("$SPAWN" -s "$IT_DIR/sup.sock" -- /bin/true 2>&1)
it_check_contains "a socket in use is refused, as spawn-fcgi refuses it" \
    "$(spawn-fcgi -s "$IT_DIR/sup.sock" -- /bin/true 2>&1 | sed 's/^spawn-fcgi: //')" "$refused"
old=$(it_children "$sup")
kill -HUP "$sup"
rolled() { it_nchildren_is "$sup" 2 && [ -z "$(comm -12 <(tr ' ' '\n' <<<"$old" | sort) <(it_children "$sup" | tr ' ' '\n' | sort) | tr -d '\n')" ]; }
if it_wait_until 10 rolled; then it_pass "SIGHUP: two new children, none of the old ones left"
else it_fail "SIGHUP did not replace the children" "$(tail -n 8 "$IT_DIR/sup.log")"; fi
it_check_contains "the reload is logged" "the new children are up; 2 old ones asked to finish (SIGUSR1)" \
    "$(cat "$IT_DIR/sup.log")"
lisps=$(it_children "$sup")
kill -TERM "$sup"
wait "$sup"
it_check_eq "SIGTERM: fcgi-lisp-spawn exits with status 0" 0 "$?"
left=0
for p in $lisps; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
it_check_eq "SIGTERM stops every child" 0 "$left"

# --- a child that exits at once: the fuse ------------------------------------------
it_spawn fuse "$SPAWN" -n -s "$IT_DIR/fuse.sock" -- /bin/sh -c 'echo cannot load the app >&2; exit 3'
fuse=$IT_LAST_PID
if it_wait_until 20 it_log_has fuse "starts failed within 60s"; then
    it_pass "a child that exits at once trips the crash-loop fuse"
else
    it_fail "no fuse" "$(tail -n 8 "$IT_DIR/fuse.log")"
fi
it_check_contains "each exit is logged with its status" "exited with status 3 after" "$(cat "$IT_DIR/fuse.log")"
it_check_contains "and what the child said" "stderr: cannot load the app" "$(cat "$IT_DIR/fuse.log")"
it_check_contains "restarts back off" "starting it again in 4s" "$(cat "$IT_DIR/fuse.log")"
it_check_eq "the fuse is logged once" 1 "$(grep -c 'starts failed within' "$IT_DIR/fuse.log")"
it_check_eq "no zombie" 0 "$(it_zombies "$fuse")"
it_stop "$fuse"

# daemon mode: every child gone within 100 ms gives their status, as spawn-fcgi does
spawn-fcgi -s "$IT_DIR/die1.sock" -- /bin/sh -c 'exit 7' >/dev/null 2>&1
sf_rc=$?
"$SPAWN" -s "$IT_DIR/die2.sock" -- /bin/sh -c 'exit 7' >/dev/null 2>"$IT_DIR/die.log"
us_rc=$?
it_check_eq "a child that exits at once: the same status as spawn-fcgi's ($sf_rc)" "$sf_rc" "$us_rc"
it_check_contains "and spawn-fcgi's message" "fcgi-lisp-spawn: child exited with: 7" "$(cat "$IT_DIR/die.log")"
it_wait_until 5 sh -c "! pgrep -f -- '$IT_DIR/die2.sock' >/dev/null"
it_check_eq "then the daemon is gone too" 0 "$(pgrep -c -f -- "$IT_DIR/die2.sock")"
"$SPAWN" -s x -p 1 -- /bin/true 2>/dev/null
it_check_eq "bad usage exits 2" 2 "$?"
# a set-user-ID copy started by another user: refused, as spawn-fcgi refuses it
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: fcgi-spawn: the set-user-ID check needs root to make a set-user-ID copy"
elif findmnt -no OPTIONS -T "$IT_DIR" 2>/dev/null | grep -qw nosuid ||
    grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status; then
    echo "SKIP: fcgi-spawn: set-user-ID bits are ignored here (nosuid mount or no_new_privs)"
else
    cp "$SPAWN" "$IT_DIR/bin/suid-spawn" && chmod 4755 "$IT_DIR/bin/suid-spawn"
    out=$(mx_as "$IT_DIR/bin/suid-spawn" -n -s "$IT_DIR/run/suid.sock" -- /bin/true 2>&1)
    rc=$?
    it_check_contains "a set-user-ID copy run by $MX_USER refuses to start" \
        "Don't apply a SUID bit to this binary" "$out"
    it_check_eq "with status 2" 2 "$rc"
fi

# --- the socket from systemd (LISTEN_FDS), sd_notify; or on fd 0 ---------------------
rsd=$(report_dir rep-sd)
it_spawn sd "$SD_ACTIVATE" --listen "unix:$IT_DIR/sd.sock" --notify "$IT_DIR/notify" -- \
    "$SPAWN" -n -F 1 --log-level 6 -- "$INSPECT" "$rsd"
sd=$IT_LAST_PID
it_wait_until 10 reports_in "$rsd" 1 || it_fail "a child starts on systemd's socket" "$(cat "$IT_DIR/sd.log")"
r=$(cat "$(first_report "$rsd")")
it_check_contains "the child accepts on the socket systemd passed" "fd0.address=$IT_DIR/sd.sock" "$r"
it_check_not_contains "LISTEN_PID is not passed on" "env.LISTEN_PID" "$r"
it_check_not_contains "nor NOTIFY_SOCKET" "env.NOTIFY_SOCKET" "$r"
it_wait_until 5 grep -q READY=1 "$IT_DIR/notify"
spawn_pid=$(pgrep -P "$sd")
it_check_contains "READY=1 with MAINPID is sent to NOTIFY_SOCKET" "READY=1;MAINPID=$spawn_pid" \
    "$(cat "$IT_DIR/notify" 2>/dev/null)"
kill -HUP "$spawn_pid"
it_wait_until 10 sh -c "[ \$(grep -c READY=1 '$IT_DIR/notify') -ge 2 ]"
it_check_eq "SIGHUP: RELOADING=1, then READY=1" "READY=1;MAINPID=$spawn_pid RELOADING=1 READY=1" \
    "$(tr '\n' ' ' <"$IT_DIR/notify" | sed 's/ $//')"
it_stop "$sd"
it_check_contains "SIGTERM: STOPPING=1" "STOPPING=1" "$(cat "$IT_DIR/notify")"
# spawn-fcgi binds the socket and execs fcgi-lisp-spawn with it on fd 0
rfd=$(report_dir rep-fd0)
it_spawn fd0 spawn-fcgi -n -s "$IT_DIR/fd0.sock" -- "$SPAWN" -n -F 2 -- "$INSPECT" "$rfd"
fd0=$IT_LAST_PID
it_wait_until 10 reports_in "$rfd" 2 || it_fail "children start on fd 0's socket" "$(cat "$IT_DIR/fd0.log")"
it_check_contains "a listening socket on its own fd 0 is the children's" "fd0.address=$IT_DIR/fd0.sock" \
    "$(cat "$(first_report "$rfd")")"
it_stop "$fd0"

# --- SIGHUP under load through nginx, fcgi-lisp as the app: no failed request ----------
reload_under_load() { # NAME URL SUPERVISOR_PID: wrk for 6 s, SIGHUP at 1.5 s and 3.5 s
    local out="$IT_DIR/$1-wrk.out"
    wrk -t2 -c8 -d6s "$2" >"$out" 2>&1 &
    local w=$!
    sleep 1.5
    kill -HUP "$3"
    sleep 2
    kill -HUP "$3"
    wait "$w"
    local n
    n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
    if [ "${n:-0}" -gt 100 ] && ! grep -q -e 'Non-2xx' -e 'Socket errors' "$out"; then
        it_pass "[$1] two SIGHUP reloads during $n requests: every one answered 2xx"
    else
        it_fail "[$1] failed requests during the reloads" "$(cat "$out")"
    fi
    it_check_eq "[$1] both reloads finished" 2 "$(grep -c 'the new children are up' "$IT_DIR/$1.log")"
}
if command -v nginx >/dev/null && command -v wrk >/dev/null && mx_start_fake; then
    d="$IT_DIR/nginx"
    mx_mkdir "$d" "$d/logs" "$d/temp"
    port=$(it_free_port)
    sockdrop=()
    [ "$(id -u)" -eq 0 ] && sockdrop=(-u "$MX_USER" -U "$MX_USER")
    it_spawn nginx-spawn "$SPAWN" -n -s "$d/fcgi.sock" -F 2 --log-level 6 "${sockdrop[@]}" -- \
        "$IT_DIR/bin/fcgi-lisp" --backend "$MX_BACKEND_URL"
    ns=$IT_LAST_PID
    it_wait_socket "$d/fcgi.sock" 10
    mx_nginx_fastcgi "$d" "$port" / "unix:$d/fcgi.sock"
    ng=$MX_NGINX_PID
    if it_wait_port "$port" 10; then
        reload_under_load nginx-spawn "http://127.0.0.1:$port/hello" "$ns"
    else
        it_fail "nginx starts" "$(cat "$IT_DIR/nginx.log")"
    fi
    mx_stop "$ng"
    mx_stop "$ns"
    mx_stop "$MX_BACKEND_PID"
else
    echo "SKIP: fcgi-spawn: the nginx reload needs nginx and wrk"
fi

# --- SIGHUP under load through lighttpd, a libfcgi app --------------------------------
if command -v lighttpd >/dev/null && command -v wrk >/dev/null && [ -x "$HELLO_FCGI_BUILT" ]; then
    cp "$HELLO_FCGI_BUILT" "$IT_DIR/bin/" && chmod 755 "$IT_DIR/bin/hello-fcgi"
    d="$IT_DIR/lighttpd"
    mx_mkdir "$d" "$d/logs" "$d/www" "$d/temp"
    port=$(it_free_port)
    sockdrop=()
    [ "$(id -u)" -eq 0 ] && sockdrop=(-u "$MX_USER" -U "$MX_USER")
    it_spawn lighttpd-spawn "$SPAWN" -n -s "$d/fcgi.sock" -F 2 --log-level 6 "${sockdrop[@]}" -- \
        "$IT_DIR/bin/hello-fcgi"
    ls_pid=$IT_LAST_PID
    it_wait_socket "$d/fcgi.sock" 10
    mx_lighttpd_fastcgi "$d" "$port" \
        "( \"/\" => ( ( \"socket\" => \"$d/fcgi.sock\", \"check-local\" => \"disable\" ) ) )"
    lt=$MX_LIGHTTPD_PID
    if it_wait_port "$port" 10; then
        reload_under_load lighttpd-spawn "http://127.0.0.1:$port/hello" "$ls_pid"
    else
        it_fail "lighttpd starts" "$(cat "$IT_DIR/lighttpd.log")" "$(tail -n 5 "$d/logs/error.log")"
    fi
    mx_stop "$lt"
    mx_stop "$ls_pid"
else
    echo "SKIP: fcgi-spawn: the lighttpd reload needs lighttpd, wrk and libfcgi (bench/hello-fcgi)"
fi
left=$(pgrep -f -- "$IT_DIR/bin/" | grep -v "^$$\$" | wc -l)
it_check_eq "no process of this test is left" 0 "$left"

it_finish
