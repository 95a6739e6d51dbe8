#!/usr/bin/env bash
# bench/run.sh - fcgi-lisp against what its users run today, measured in one
# run on loopback. fcgi-lisp, MIT licence. See bench/README.md.
#
#   bench/run.sh [--smoke] [--only a,b,c,d,e,f,g] [BUILDDIR]
#
# BUILDDIR (or $top_builddir, else the current directory) is a built tree:
# bridge/fcgi-lisp, tests/integration/fake-lisp and fcgi-probe, and
# bench/hello-fcgi, bench/fcgi-load, bench/sink-lisp and bench/http-body
# (`make bench-tools` builds them all). This script builds nothing.
#
# Sections (each starts its servers on free 127.0.0.1 ports, as user nobody
# when run as root, in a temp dir, and stops exactly what it started):
#   a  nginx -> fcgi-lisp -> fake-lisp (C stub)  vs  nginx -> libfcgi hello
#      under spawn-fcgi -F 2 (direct FastCGI baseline)
#   b  Apache mod_fcgid -> fcgi-lisp -> SBCL cl-modlisp  vs  Apache mod_lisp
#      (libapache2-mod-lisp) -> the same SBCL app
#   c  nginx -> fcgi-lisp -> SBCL cl-modlisp  vs  nginx proxy_pass (HTTP/1.1
#      keepalive) -> Hunchentoot serving the same page
#   d  lighttpd -> fcgi-lisp (bin-path) -> SBCL cl-modlisp (report only)
#   e  1 GiB download and upload through nginx -> fcgi-lisp -> fake-lisp
#   f  start-up: exec of fcgi-lisp to the first answered request; idle RSS
#   g  scale: 10 000 idle FastCGI connections, 1 000 requests in flight
# Rounds of wrk alternate between the configurations of a section (A, B, A,
# B, ...) after one discarded warm-up round of each.
#
# Environment: BENCH_SECONDS (per round, default 10), BENCH_ROUNDS (default
# 5), BENCH_WARMUP_SECONDS (default BENCH_SECONDS), BENCH_CONNS (32),
# BENCH_THREADS (1), BENCH_NGINX_WORKERS (1), BENCH_BODY_BYTES (1 GiB),
# BENCH_IDLE_CONNS (10000), BENCH_ACTIVE_CONNS (1000), BENCH_STARTUP_RUNS
# (20), BENCH_PROFILE (1: perf and callgrind profiles of fcgi-lisp),
# BENCH_ONLY (sections, as --only), BENCH_KEEP (1: keep the temp dir with
# every log and raw result), BENCH_STUB_TRANSPORT (tcp: fcgi-lisp reaches
# fake-lisp on 127.0.0.1, as a real mod_lisp Lisp; unix: on a unix socket),
# FCGI_LISP (the daemon to measure), BENCH_STRICT (1: a skipped section
# fails the run), BENCH_APACHE_MPM (event, Debian's default, or prefork:
# section b's Apache).
# --smoke: ~1 s rounds, 2 rounds, small bodies and counts, no profile (CI).
#
# Tools: bridge/fcgi-lisp and tests/integration/fake-lisp from the build,
# and bench/hello-fcgi (libfcgi), bench/fcgi-load and bench/sink-lisp.
#
# Exit: 0 ran (targets may be missed: see the table), 1 a configuration
# failed its checks or was INVALID (errors or non-2xx under load), 2 usage.

# Functions run by the trap or through "$@" look unreachable to shellcheck:
# shellcheck disable=SC2317
set -u
export LC_ALL=C

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

smoke=0
only=${BENCH_ONLY:-a,b,c,d,e,f,g}
builddir=${top_builddir:-}
while [ $# -gt 0 ]; do
    case $1 in
        --smoke) smoke=1 ;;
        --only) [ $# -ge 2 ] || usage; only=$2; shift ;;
        --only=*) only=${1#--only=} ;;
        -h | --help) usage ;;
        -*) usage ;;
        *) builddir=$1 ;;
    esac
    shift
done
builddir=$(cd "${builddir:-.}" && pwd) || exit 2
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)

if [ "$smoke" -eq 1 ]; then
    : "${BENCH_SECONDS:=1}" "${BENCH_ROUNDS:=2}" "${BENCH_BODY_BYTES:=67108864}"
    : "${BENCH_IDLE_CONNS:=500}" "${BENCH_ACTIVE_CONNS:=100}" "${BENCH_STARTUP_RUNS:=3}"
    : "${BENCH_PROFILE:=0}"
fi
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-$BENCH_SECONDS}
BENCH_CONNS=${BENCH_CONNS:-32}
BENCH_THREADS=${BENCH_THREADS:-1}
BENCH_NGINX_WORKERS=${BENCH_NGINX_WORKERS:-1}
BENCH_BODY_BYTES=${BENCH_BODY_BYTES:-1073741824}
BENCH_IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
BENCH_ACTIVE_CONNS=${BENCH_ACTIVE_CONNS:-1000}
BENCH_STARTUP_RUNS=${BENCH_STARTUP_RUNS:-20}
BENCH_PROFILE=${BENCH_PROFILE:-1}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_STUB_TRANSPORT=${BENCH_STUB_TRANSPORT:-tcp}
BENCH_APACHE_MPM=${BENCH_APACHE_MPM:-event}
case $BENCH_APACHE_MPM in event | prefork) ;; *) echo "run.sh: BENCH_APACHE_MPM is event or prefork" >&2; exit 2 ;; esac
case $BENCH_STUB_TRANSPORT in tcp | unix) ;; *) echo "run.sh: BENCH_STUB_TRANSPORT is tcp or unix" >&2; exit 2 ;; esac
for v in BENCH_SECONDS BENCH_ROUNDS BENCH_WARMUP_SECONDS BENCH_CONNS BENCH_THREADS \
         BENCH_NGINX_WORKERS BENCH_BODY_BYTES BENCH_IDLE_CONNS BENCH_ACTIVE_CONNS \
         BENCH_STARTUP_RUNS; do
    case ${!v} in
        '' | *[!0-9]* | 0) echo "run.sh: $v must be a positive integer: '${!v}'" >&2; exit 2 ;;
    esac
done

FCGI_LISP=${FCGI_LISP:-$builddir/bridge/fcgi-lisp}
FAKE_LISP=${FAKE_LISP:-$builddir/tests/integration/fake-lisp}
HELLO_FCGI=${HELLO_FCGI:-$builddir/bench/hello-fcgi}
FCGI_LOAD=${FCGI_LOAD:-$builddir/bench/fcgi-load}
HTTP_BODY=${HTTP_BODY:-$builddir/bench/http-body}
SINK_LISP=${SINK_LISP:-$builddir/bench/sink-lisp}
PATH=$PATH:/usr/sbin:/sbin
APACHE_MODULES=/usr/lib/apache2/modules
HZ=$(getconf CLK_TCK)
FAKE_BODY="hello from fake-lisp"     # + LF: fake-lisp's and hello-fcgi's /hello
SBCL_BODY="hello from cl-modlisp"    # + LF: modlisp-app.lisp's and hunchentoot-hello.lisp's

# --- processes ----------------------------------------------------------------

B_PIDS=""
B_DIR=""
B_STATUS=0

say() { printf '%s\n' "$*" >&2; }
note() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# b_spawn NAME CMD ARGS...: CMD in the background, output in logs/NAME.log;
# its PID is in B_LAST and in the list cleanup stops. Each runs in a session
# of its own (setsid execs in place: the PID stays CMD's): Apache's prefork
# MPM signals its whole process group when it stops, which would otherwise
# be this script's and every other server's.
b_spawn() {
    local name=$1
    shift
    setsid "$@" >"$B_DIR/logs/$name.log" 2>&1 &
    B_LAST=$!
    B_PIDS="$B_LAST $B_PIDS"
}

# b_adopt PID: one more process to stop at the end (spawn-fcgi -F children).
b_adopt() { B_PIDS="$1 $B_PIDS"; }

# b_stop PID...: TERM, KILL after 5 s, for each; forgets them.
b_stop() {
    local pid i kept p
    for pid in "$@"; do
        if kill -TERM "$pid" 2>/dev/null; then
            i=0
            while running "$pid" && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
            done
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
        kept=""
        for p in $B_PIDS; do
            [ "$p" = "$pid" ] || kept="$kept $p"
        done
        B_PIDS=$kept
    done
}

# b_stragglers: PIDs of processes running one of this run's binary copies.
b_stragglers() {
    pgrep -f -- "$B_DIR/bin/" 2>/dev/null | grep -vx "$$" | paste -sd' '
}

cleanup() {
    local status=$? left
    trap - EXIT INT TERM
    # shellcheck disable=SC2086 # one PID per word
    [ -n "${B_PIDS// /}" ] && b_stop $B_PIDS
    if [ -n "$B_DIR" ]; then
        left=$(b_stragglers)
        if [ -n "$left" ]; then
            say "run.sh: stopping leftover processes: $left"
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null
        fi
        if [ "$BENCH_KEEP" = 1 ] || [ "$status" -gt 1 ]; then
            say "run.sh: logs and raw results kept in $B_DIR"
        else
            rm -rf "$B_DIR"
        fi
    fi
    exit "$status"
}

# free_port: a port nothing listens on, below the kernel's ephemeral range:
# a port inside it may be the local end of one of the many connections a
# round leaves in TIME_WAIT (the server then cannot bind it), and a connect
# to it may even connect to itself (so a probe would see a listener).
free_port() {
    local port low
    low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ "${low:-0}" -gt 12000 ] || low=32768
    while :; do
        port=$(( (RANDOM * 32768 + RANDOM) % (low - 10000) + 10000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
}

# wait_for SECONDS CMD...: until CMD succeeds (every 0.1 s).
wait_for() {
    local limit=$(( $1 * 10 )) i=0
    shift
    while [ $i -lt $limit ]; do
        "$@" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# running PID: PID exists and is not a zombie.
running() {
    kill -0 "$1" 2>/dev/null || return 1
    case $(ps -o stat= -p "$1" 2>/dev/null) in Z* | '') return 1 ;; esac
    return 0
}
# alive_and_listening PID PORT: PID still runs and 127.0.0.1:PORT accepts.
alive_and_listening() {
    running "$1" && port_open "$2"
}

# --- running as nobody ----------------------------------------------------------

RUNAS=()
RUN_USER=$(id -un)
RUN_GROUP=$(id -gn)
SPAWN_DROP=()
as_user() { "${RUNAS[@]}" "$@"; }
mkdir_user() {
    mkdir -p "$@" || exit 1
    if [ "$(id -u)" -eq 0 ]; then chown "$RUN_USER:$RUN_GROUP" "$@" || exit 1; fi
}

# --- CPU accounting ---------------------------------------------------------------
# A component is "PID" (that process and all its descendants) or "PID/COMM"
# (only those of them whose command name is COMM) or "PID/!COMM" (all but
# those); several separated by commas. ticks COMP... prints the CPU ticks
# (user + system, with those of children they reaped) each used so far,
# then the machine's busy ticks. Children reaped by SIGCHLD = SIG_IGN
# (fake-lisp's, sink-lisp's) take their ticks with them: a backend that
# forks per connection is under-counted when connections end in a round.

ticks() {
    ps -e -o pid=,ppid=,comm= | awk -v specs="$*" '
        { ppid[$1] = $2; comm[$1] = $3 }
        function stat_ticks(p,    line, rest, f) {
            line = ""
            if ((getline line < ("/proc/" p "/stat")) <= 0) return 0
            close("/proc/" p "/stat")
            rest = substr(line, index(line, ") ") + 2)
            split(rest, f, " ")
            return f[12] + f[13] + f[14] + f[15]
        }
        END {
            n = split(specs, spec, " ")
            for (s = 1; s <= n; s++) {
                total = 0
                m = split(spec[s], part, ",")
                for (k = 1; k <= m; k++) {
                    root = part[k]; want = ""; neg = 0
                    if (index(root, "/")) {
                        want = substr(root, index(root, "/") + 1); root = substr(root, 1, index(root, "/") - 1)
                        if (substr(want, 1, 1) == "!") { neg = 1; want = substr(want, 2) }
                    }
                    if (root == "" || root == "-") continue
                    delete in_tree; in_tree[root] = 1; changed = 1
                    while (changed) {
                        changed = 0
                        for (p in ppid) if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; changed = 1 }
                    }
                    for (p in in_tree) {
                        if (!(p in comm)) continue
                        if (want != "" && ((comm[p] == want) == neg)) continue
                        total += stat_ticks(p)
                    }
                }
                printf "%d ", total
            }
            getline line < "/proc/stat"
            split(line, c, " ")
            printf "%d\n", c[2] + c[3] + c[4] + c[7] + c[8] + c[9]
        }'
}

# --- configurations and rounds ------------------------------------------------------
# cfg_add NAME LABEL URL BODY FRONT BRIDGE BACK: a configuration measured
# with wrk on URL; BODY (+ LF) is the page it must serve; FRONT, BRIDGE and
# BACK are components (see ticks) for the CPU columns ("-" if none).

declare -A CFG_LABEL CFG_URL CFG_BODY CFG_COMP CFG_STATE CFG_HEAD CFG_SIZE
CFG_ORDER=()
cfg_add() {
    CFG_LABEL[$1]=$2
    CFG_URL[$1]=$3
    CFG_BODY[$1]=$4
    CFG_COMP[$1]="$5 $6 $7"
    CFG_STATE[$1]=ok
    CFG_ORDER+=("$1")
    : >"$B_DIR/results/$1.rounds"
}

# cfg_check NAME: one curl: 200 and exactly the page; records the sizes.
cfg_check() {
    local name=$1 out code hsize bsize
    out="$B_DIR/results/$name.check"
    code=$(curl -s --max-time 10 -o "$out.body" -D "$out.head" \
        -w '%{http_code} %{size_header} %{size_download}' "${CFG_URL[$name]}")
    read -r code hsize bsize <<<"$code"
    CFG_HEAD[$name]=$hsize
    CFG_SIZE[$name]=$bsize
    if [ "$code" != 200 ] || [ "$(cat "$out.body")" != "${CFG_BODY[$name]}" ] ||
       [ "$bsize" != $(( ${#CFG_BODY[$name]} + 1 )) ]; then
        CFG_STATE[$name]="FAILED: GET ${CFG_URL[$name]} gave HTTP $code, $bsize bytes: $(head -c 200 "$out.body" 2>/dev/null)"
        say "run.sh: $name: ${CFG_STATE[$name]}"
        B_STATUS=1
        return 1
    fi
    return 0
}

WRK_LUA=""
# run_wrk NAME SECONDS [KEEP]: one wrk round; with KEEP, appends to
# results/NAME.rounds "rps p50_us p99_us errors non2xx cpu% of front bridge back wrk busy".
run_wrk() {
    local name=$1 secs=$2 keep=${3:-} before after out line
    [ "${CFG_STATE[$name]}" = ok ] || return 0
    # shellcheck disable=SC2086 # components are words
    before=$(ticks ${CFG_COMP[$name]})
    # GNU time gives wrk's own CPU (0 0 without it)
    local timer=()
    echo "WRKTIME 0 0" >"$B_DIR/results/wrk.time"
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -o "$B_DIR/results/wrk.time" -f 'WRKTIME %U %S')
    out=$("${timer[@]}" wrk -t"$BENCH_THREADS" -c"$BENCH_CONNS" -d"${secs}s" --timeout 5s \
        -s "$WRK_LUA" "${CFG_URL[$name]}" 2>&1)
    # shellcheck disable=SC2086
    after=$(ticks ${CFG_COMP[$name]})
    printf '%s\n' "$out" >>"$B_DIR/results/$name.wrk"
    line=$(printf '%s\n' "$out" | sed -n 's/^BENCH //p')
    if [ -z "$line" ]; then
        say "run.sh: $name: wrk printed no result: $out"
        CFG_STATE[$name]="FAILED: wrk: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
        B_STATUS=1
        return 1
    fi
    [ -n "$keep" ] || return 0
    awk -v line="$line" -v b="$before" -v a="$after" -v hz="$HZ" \
        -v wrk="$(sed -n 's/^WRKTIME //p' "$B_DIR/results/wrk.time")" '
        BEGIN {
            split(wrk, w, " ")
            n = split(line, kv, " ")
            for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
            split(b, x, " "); split(a, y, " ")
            secs = v["duration_us"] / 1e6
            errs = v["connect"] + v["read"] + v["write"] + v["timeout"]
            printf "%.1f %d %d %d %d", v["requests"] / secs, v["p50_us"], v["p99_us"], errs, v["status"]
            for (i = 1; i <= 3; i++) { d = y[i] - x[i]; printf " %.0f", (d > 0 ? d : 0) / hz / secs * 100 }
            printf " %.0f %.0f\n", (w[1] + w[2]) / secs * 100, (y[4] - x[4]) / hz / secs * 100
        }' >>"$B_DIR/results/$name.rounds"
    tail -n 1 "$B_DIR/results/$name.rounds" | awk -v n="$name" \
        '{ printf "  %-16s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  err %d non2xx %d  cpu%% front %s bridge %s back %s wrk %s busy %s\n", n, $1, $2/1000, $3/1000, $4, $5, $6, $7, $8, $9, $10 }' >&2
}

# run_group NAME...: a warm-up round of each (discarded), then BENCH_ROUNDS
# rounds that alternate between them.
run_group() {
    local name r
    for name in "$@"; do
        cfg_check "$name" || continue
    done
    note "warm-up ($BENCH_WARMUP_SECONDS s each, discarded): $*"
    for name in "$@"; do
        run_wrk "$name" "$BENCH_WARMUP_SECONDS"
    done
    for r in $(seq "$BENCH_ROUNDS"); do
        note "round $r/$BENCH_ROUNDS"
        for name in "$@"; do
            run_wrk "$name" "$BENCH_SECONDS" keep
        done
    done
    for name in "$@"; do
        [ "${CFG_STATE[$name]}" = ok ] && cfg_check "$name"
    done
}

# median FILE COLUMN
median() {
    cut -d' ' -f"$2" "$1" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cfg_summary NAME: sets S_RPS S_P50 S_P99 S_ERR S_NON S_CPU (medians, sums)
# and marks the configuration INVALID if any round had errors.
cfg_summary() {
    local f="$B_DIR/results/$1.rounds"
    S_RPS=nan S_P50=nan S_P99=nan S_ERR=0 S_NON=0 S_CPU="- - - - -"
    [ -s "$f" ] || return 0
    S_RPS=$(median "$f" 1)
    S_P50=$(median "$f" 2)
    S_P99=$(median "$f" 3)
    S_ERR=$(awk '{ s += $4 } END { print s + 0 }' "$f")
    S_NON=$(awk '{ s += $5 } END { print s + 0 }' "$f")
    S_CPU="$(median "$f" 6) $(median "$f" 7) $(median "$f" 8) $(median "$f" 9) $(median "$f" 10)"
    if [ "${CFG_STATE[$1]}" = ok ] && { [ "$S_ERR" != 0 ] || [ "$S_NON" != 0 ]; }; then
        CFG_STATE[$1]="INVALID: $S_ERR socket errors, $S_NON non-2xx/3xx responses under load"
        B_STATUS=1
    fi
}

# --- targets -------------------------------------------------------------------------

RATIOS=()
# ratio CAND BASE WHAT TARGET_TEXT: req/s (WHAT=rps, CAND/BASE >= TARGET) or
# p99 (WHAT=p99, CAND/BASE <= TARGET).
ratio() {
    local cand=$1 base=$2 what=$3 target=$4 a b verdict r
    cfg_summary "$cand"; local ca=$S_RPS cp=$S_P99
    cfg_summary "$base"; local ba=$S_RPS bp=$S_P99
    if [ "${CFG_STATE[$cand]}" != ok ] || [ "${CFG_STATE[$base]}" != ok ]; then
        RATIOS+=("$(printf '%-44s %8s   target %-7s %s' "$cand / $base $what" "-" "$target" "NO RATIO (a side is not valid)")")
        return
    fi
    if [ "$what" = rps ]; then a=$ca b=$ba; else a=$cp b=$bp; fi
    r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
    if [ "$what" = rps ]; then
        verdict=$(awk -v r="$r" -v t="$target" 'BEGIN { print (r >= t) ? "PASS" : "MISS" }')
        RATIOS+=("$(printf '%-44s %7sx   target >= %-5s %s' "$cand / $base req/s" "$r" "$target" "$verdict")")
    else
        verdict=$(awk -v r="$r" -v t="$target" 'BEGIN { print (r <= t) ? "PASS" : "MISS" }')
        RATIOS+=("$(printf '%-44s %7sx   target <= %-5s %s' "$cand / $base p99" "$r" "$target" "$verdict")")
    fi
}

EXTRA=()    # lines of sections e, f, g and the profiles
extra() { EXTRA+=("$*"); say "  $*"; }

# --- servers ---------------------------------------------------------------------------

FAKE_PID="" FAKE_URL=""
start_fake() {
    [ -n "$FAKE_PID" ] && return 0
    local ready="$B_DIR/run/fake-lisp.addr" listen=127.0.0.1:0
    if [ "$BENCH_STUB_TRANSPORT" = unix ]; then
        listen="unix:$B_DIR/run/fake-lisp.sock"
    fi
    b_spawn fake-lisp "${RUNAS[@]}" "$B_DIR/bin/fake-lisp" --listen "$listen" --ready-file "$ready"
    FAKE_PID=$B_LAST
    if ! wait_for 10 test -s "$ready"; then
        say "run.sh: fake-lisp does not start: $(cat "$B_DIR/logs/fake-lisp.log")"
        return 1
    fi
    FAKE_URL="modlisp://$(cat "$ready")"
    if [ "$BENCH_STUB_TRANSPORT" = unix ]; then
        FAKE_URL="modlisp+unix:${listen#unix:}"
    fi
}

SBCL_PID="" SBCL_URL=""
start_sbcl() {
    [ -n "$SBCL_PID" ] && return 0
    local port
    port=$(free_port)
    b_spawn sbcl-modlisp env HOME="$B_DIR/home" XDG_CACHE_HOME="$B_DIR/home/cache" \
        MODLISP_ADDRESS=127.0.0.1 MODLISP_PORT="$port" \
        "${RUNAS[@]}" sbcl --noinform --non-interactive --no-userinit \
        --load "$B_DIR/src/modlisp-app.lisp"
    SBCL_PID=$B_LAST
    if ! wait_for 120 alive_and_listening "$SBCL_PID" "$port"; then
        say "run.sh: the SBCL cl-modlisp app does not start: $(tail -n 5 "$B_DIR/logs/sbcl-modlisp.log")"
        return 1
    fi
    SBCL_URL="modlisp://127.0.0.1:$port"
}

HT_PID="" HT_PORT=""
start_hunchentoot() {
    HT_PORT=$(free_port)
    b_spawn hunchentoot env HOME="$B_DIR/home" XDG_CACHE_HOME="$B_DIR/home/cache" \
        HUNCHENTOOT_ADDRESS=127.0.0.1 HUNCHENTOOT_PORT="$HT_PORT" \
        "${RUNAS[@]}" sbcl --noinform --non-interactive --no-userinit \
        --load "$B_DIR/src/hunchentoot-hello.lisp"
    HT_PID=$B_LAST
    if ! wait_for 180 alive_and_listening "$HT_PID" "$HT_PORT"; then
        say "run.sh: Hunchentoot does not start: $(tail -n 5 "$B_DIR/logs/hunchentoot.log")"
        return 1
    fi
}

# start_bridge NAME SOCKET BACKEND [ARGS...]: fcgi-lisp under spawn-fcgi -n
# (which execs it: the PID is fcgi-lisp's), as contrib/nginx/fcgi-lisp.conf
# says to run it. Sets BRIDGE_PID.
start_bridge() {
    local name=$1 sock=$2 backend=$3
    shift 3
    b_spawn "$name" spawn-fcgi -n -s "$sock" -M 0600 "${SPAWN_DROP[@]}" -- \
        "$B_DIR/bin/fcgi-lisp" --backend "$backend" "$@"
    BRIDGE_PID=$B_LAST
    if ! wait_for 10 test -S "$sock"; then
        say "run.sh: $name does not start: $(cat "$B_DIR/logs/$name.log")"
        return 1
    fi
}

# start_hello SOCKET: hello-fcgi under spawn-fcgi -F 2; sets HELLO_PIDS.
start_hello() {
    local sock=$1 pidfile="$B_DIR/run/hello-fcgi.pid" p
    rm -f "$pidfile"
    spawn-fcgi -F 2 -s "$sock" -M 0600 -P "$pidfile" "${SPAWN_DROP[@]}" -- "$B_DIR/bin/hello-fcgi" \
        >"$B_DIR/logs/spawn-fcgi-hello.log" 2>&1
    HELLO_PIDS=""
    for p in $(tr -c '0-9' ' ' <"$pidfile" 2>/dev/null); do
        b_adopt "$p"
        HELLO_PIDS="$HELLO_PIDS${HELLO_PIDS:+,}$p"
    done
    [ -n "$HELLO_PIDS" ] || { say "run.sh: spawn-fcgi -F 2 hello-fcgi failed: $(cat "$B_DIR/logs/spawn-fcgi-hello.log")"; return 1; }
}

# render_nginx_contrib SOCKET LISTEN: contrib/nginx/fcgi-lisp.conf as shipped,
# placeholders rendered.
render_nginx_contrib() {
    sed -e "s|@FCGI_LISP_SOCKET@|$1|g" -e "s|@LISTEN@|$2|g" "$top_srcdir/contrib/nginx/fcgi-lisp.conf"
}

# start_nginx DIR: nginx with DIR/nginx.conf (the http block's servers in
# DIR/servers.conf). Sets NGINX_PID.
start_nginx() {
    local d=$1 port
    cat >"$d/nginx.conf" <<EOF
# written by bench/run.sh
worker_processes $BENCH_NGINX_WORKERS;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path temp/body;
    fastcgi_temp_path temp/fastcgi;
    proxy_temp_path temp/proxy;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    include $d/servers.conf;
}
EOF
    if ! as_user nginx -t -q -p "$d" -c "$d/nginx.conf" -e stderr >"$d/nginx-t.log" 2>&1; then
        say "run.sh: nginx refuses $d/nginx.conf: $(cat "$d/nginx-t.log")"
        return 1
    fi
    b_spawn "nginx-$(basename "$d")" "${RUNAS[@]}" nginx -p "$d" -c "$d/nginx.conf" -e stderr -g 'daemon off;'
    NGINX_PID=$B_LAST
    while read -r port; do
        wait_for 10 port_open "$port" || { say "run.sh: nginx does not listen on $port"; return 1; }
    done < <(sed -n 's/.*listen *127\.0\.0\.1:\([0-9]*\).*/\1/p' "$d/servers.conf")
}

# start_apache DIR PORT KIND: Apache prefork (not -X: 32 clients need 32
# children); KIND fcgid (contrib/apache/fcgi-lisp-fcgid.conf, backend
# SBCL_URL) or lisp (mod_lisp, LispServer = SBCL_URL). Sets APACHE_PID.
start_apache() {
    local d=$1 port=$2 kind=$3 hostport=${SBCL_URL#modlisp://}
    mkdir_user "$d" "$d/logs" "$d/run" "$d/www"
    cat >"$d/httpd.conf" <<EOF
# written by bench/run.sh: the same Apache for mod_fcgid and mod_lisp
ServerRoot        "$APACHE_MODULES/.."
ServerName        localhost
Listen            127.0.0.1:$port
PidFile           "$d/run/httpd.pid"
ErrorLog          "$d/logs/error.log"
LogLevel          warn
DocumentRoot      "$d/www"
Mutex             "file:$d/run" default
DefaultRuntimeDir "$d/run"
LoadModule authz_core_module  "$APACHE_MODULES/mod_authz_core.so"
$(apache_mpm_conf)
MaxConnectionsPerChild 0
KeepAlive              On
MaxKeepAliveRequests   0
KeepAliveTimeout       60
<Directory />
    Require all granted
</Directory>
EOF
    if [ "$kind" = fcgid ]; then
        cat >>"$d/httpd.conf" <<EOF
LoadModule fcgid_module "$APACHE_MODULES/mod_fcgid.so"
FcgidIPCDir           "$d/run"
FcgidProcessTableFile "$d/run/fcgid_shm"
Define FCGI_LISP_BIN     "$B_DIR/bin/fcgi-lisp"
Define FCGI_LISP_BACKEND "$SBCL_URL"
Include "$B_DIR/src/fcgi-lisp-fcgid.conf"
EOF
    else
        cat >>"$d/httpd.conf" <<EOF
LoadModule lisp_module "$APACHE_MODULES/mod_lisp.so"
LispServer ${hostport%:*} ${hostport##*:} "fcgi-lisp-bench"
<Location />
    SetHandler lisp-handler
</Location>
EOF
    fi
    if ! as_user apache2 -t -f "$d/httpd.conf" >"$d/apache-t.log" 2>&1; then
        say "run.sh: Apache refuses $d/httpd.conf: $(cat "$d/apache-t.log")"
        return 1
    fi
    b_spawn "apache-$kind" "${RUNAS[@]}" apache2 -D FOREGROUND -f "$d/httpd.conf"
    APACHE_PID=$B_LAST
    wait_for 10 port_open "$port" || { say "run.sh: Apache ($kind) does not start: $(tail -n 5 "$d/logs/error.log")"; return 1; }
}

# have CMD...: all installed (else prints what is missing, returns 1).
have() {
    local c missing=""
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || missing="$missing $c"
    done
    [ -z "$missing" ] && return 0
    say "  missing:$missing"
    return 1
}

# idle_check SECTION: the machine's CPU use over 1 s before a section
# starts (nothing of this run is busy then): anything else running skews
# every figure, so the report says so.
idle_check() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
    local busy=$(( (b - a) * 100 / HZ ))
    if [ "$busy" -gt 10 ]; then
        extra "WARNING: before section $1 the machine was ${busy}% busy (of $(( $(nproc) * 100 ))%) with something else: its figures are not clean"
    fi
}

SKIPPED=()
# A skipped section says why; with BENCH_STRICT=1 (CI, where every tool is
# installed) it also makes the run fail.
skip() {
    SKIPPED+=("section $1: $2")
    say "run.sh: SKIP section $1: $2"
    [ "${BENCH_STRICT:-0}" = 1 ] && B_STATUS=1
    return 0
}
want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

# --- sections -----------------------------------------------------------------------------

A_BRIDGE_PID=""
section_a() {
    have nginx spawn-fcgi wrk "$FAKE_LISP" "$HELLO_FCGI" || { skip a "needs nginx, spawn-fcgi, wrk, fake-lisp, hello-fcgi"; return; }
    note "section a: nginx -> fcgi-lisp -> fake-lisp vs nginx -> libfcgi hello (spawn-fcgi -F 2)"
    start_fake || { skip a "fake-lisp does not start"; B_STATUS=1; return; }
    local d="$B_DIR/nginx-a" pa pb pk p32
    mkdir_user "$d" "$d/logs" "$d/temp"
    start_bridge fcgi-lisp-a "$d/fcgi-lisp.sock" "$FAKE_URL" || { skip a "fcgi-lisp does not start"; B_STATUS=1; return; }
    A_BRIDGE_PID=$BRIDGE_PID
    start_hello "$d/hello.sock" || { skip a "hello-fcgi does not start"; B_STATUS=1; return; }
    pa=$(free_port) pb=$(free_port) pk=$(free_port) p32=$(free_port)
    {
        echo "# A: contrib/nginx/fcgi-lisp.conf as shipped (keepalive 32, fastcgi_keep_conn on)"
        render_nginx_contrib "$d/fcgi-lisp.sock" "127.0.0.1:$pa"
        echo "# A'': the same with keepalive 8 (fewer kept connections than requests in flight)"
        render_nginx_contrib "$d/fcgi-lisp.sock" "127.0.0.1:$p32" |
            sed -e 's/fcgi_lisp/fcgi_lisp_k/g' -e "s/keepalive [0-9]*;/keepalive 8;/"
        cat <<EOF
# B: the direct FastCGI baseline. libfcgi serves one connection at a time,
# so no upstream keepalive (an idle kept connection would block a process).
server {
    listen 127.0.0.1:$pb;
    location / {
        include /etc/nginx/fastcgi_params;
        fastcgi_pass unix:$d/hello.sock;
    }
}
# A': fcgi-lisp with the baseline's nginx settings (no keepalive)
server {
    listen 127.0.0.1:$pk;
    location / {
        include /etc/nginx/fastcgi_params;
        fastcgi_pass unix:$d/fcgi-lisp.sock;
    }
}
EOF
    } >"$d/servers.conf"
    start_nginx "$d" || { skip a "nginx does not start"; B_STATUS=1; return; }
    cfg_add a.libfcgi "nginx -> libfcgi hello (spawn-fcgi -F 2)" "http://127.0.0.1:$pb/hello" \
        "$FAKE_BODY" "$NGINX_PID" - "$HELLO_PIDS"
    cfg_add a.fcgi-lisp "nginx -> fcgi-lisp -> fake-lisp (contrib: keepalive)" "http://127.0.0.1:$pa/hello" \
        "$FAKE_BODY" "$NGINX_PID" "$A_BRIDGE_PID" "$FAKE_PID"
    cfg_add a.fcgi-lisp-nk "nginx -> fcgi-lisp -> fake-lisp (no keepalive)" "http://127.0.0.1:$pk/hello" \
        "$FAKE_BODY" "$NGINX_PID" "$A_BRIDGE_PID" "$FAKE_PID"
    cfg_add a.fcgi-lisp-k8 "nginx -> fcgi-lisp -> fake-lisp (keepalive 8)" \
        "http://127.0.0.1:$p32/hello" "$FAKE_BODY" "$NGINX_PID" "$A_BRIDGE_PID" "$FAKE_PID"
    run_group a.fcgi-lisp a.libfcgi a.fcgi-lisp-nk a.fcgi-lisp-k8
    ratio a.fcgi-lisp a.libfcgi rps 1.0
    ratio a.fcgi-lisp a.libfcgi p99 1.2
    ratio a.fcgi-lisp-nk a.libfcgi rps 1.0
    ratio a.fcgi-lisp-nk a.libfcgi p99 1.2
    ratio a.fcgi-lisp-k8 a.libfcgi rps 1.0
    ratio a.fcgi-lisp-k8 a.libfcgi p99 1.2
    extra "a: fcgi-lisp VmRSS after the rounds: $(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$A_BRIDGE_PID/status"), VmHWM $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$A_BRIDGE_PID/status")"
    [ "$BENCH_PROFILE" = 1 ] && profile_perf a.fcgi-lisp "$A_BRIDGE_PID"
    b_stop "$NGINX_PID"
    # shellcheck disable=SC2046 # PIDs
    b_stop $(tr ',' ' ' <<<"$HELLO_PIDS")
    b_stop "$A_BRIDGE_PID"
}

# profile_perf CFG PID: perf record (cpu-clock: this machine has no hardware
# counters) of PID during one more wrk round of CFG; top symbols.
profile_perf() {
    local cfg=$1 pid=$2 data="$B_DIR/results/perf-$1.data" rep
    if ! command -v perf >/dev/null 2>&1 || ! perf stat -e cpu-clock -o /dev/null true 2>/dev/null; then
        extra "profile: perf is not usable here"
        return
    fi
    note "profile: perf record -e cpu-clock -p fcgi-lisp during a $BENCH_SECONDS s round of $cfg"
    perf record -q -e cpu-clock -F 4999 -p "$pid" -o "$data" -- sleep "$BENCH_SECONDS" \
        >"$B_DIR/logs/perf-$cfg.log" 2>&1 &
    local perf_pid=$!
    sleep 0.2
    run_wrk "$cfg" "$BENCH_SECONDS"
    wait "$perf_pid"
    rep="$B_DIR/results/perf-$cfg.txt"
    perf report -i "$data" --stdio --no-children --sort symbol --percent-limit 0.8 -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 40 >"$rep"
    extra "profile (perf, cpu-clock samples of fcgi-lisp under $cfg, self time, top symbols):"
    while IFS= read -r line; do extra "    $line"; done < <(head -n 25 "$rep")
    perf report -i "$data" --stdio --no-children --sort dso -g none 2>/dev/null |
        grep -v '^#' | grep -v '^$' | head -n 6 >"$rep.dso"
    extra "  by object:"
    while IFS= read -r line; do extra "    $line"; done <"$rep.dso"
    profile_syscalls "$cfg" "$pid"
}

# profile_syscalls CFG PID: strace -c of PID during one more (slowed down)
# wrk round of CFG: system calls per request.
profile_syscalls() {
    local cfg=$1 pid=$2 out="$B_DIR/results/strace-$1.txt" spid n
    command -v strace >/dev/null 2>&1 || { extra "profile: strace is not installed"; return; }
    strace -c -q -p "$pid" -o "$out" 2>/dev/null &
    spid=$!
    sleep 0.5
    run_wrk "$cfg" "$BENCH_SECONDS"
    kill -INT "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    n=$(tail -n 1 "$B_DIR/results/$cfg.wrk" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
    [ -n "$n" ] && [ "$n" -gt 0 ] || return 0
    extra "profile (strace -c of fcgi-lisp under $cfg, $n requests; strace slows it down, the counts per request stand):"
    while IFS= read -r line; do extra "$line"; done < <(awk -v n="$n" '
        $1 ~ /^[0-9.]+$/ && NF >= 5 { calls = $4; name = $NF; if (name == "total") next
            tot += calls; c[name] = calls }
        END { printf "    %.1f system calls per request:", tot / n
              for (k in c) if (c[k] / n >= 0.05) printf " %s %.2f", k, c[k] / n; printf "\n" }' "$out")
}

# apache_mpm_conf: the MPM lines of section b's httpd.conf, 96 workers
# either way: BENCH_APACHE_MPM=event (Debian's default) or prefork.
apache_mpm_conf() {
    if [ "$BENCH_APACHE_MPM" = prefork ]; then
        cat <<EOF
LoadModule mpm_prefork_module "$APACHE_MODULES/mod_mpm_prefork.so"
StartServers           48
MinSpareServers        48
MaxSpareServers        96
ServerLimit            96
MaxRequestWorkers      96
EOF
    else
        cat <<EOF
LoadModule mpm_event_module "$APACHE_MODULES/mod_mpm_event.so"
StartServers           2
ServerLimit            2
ThreadLimit            48
ThreadsPerChild        48
MinSpareThreads        48
MaxSpareThreads        96
MaxRequestWorkers      96
EOF
    fi
}

section_b() {
    have apache2 sbcl wrk || { skip b "needs apache2, sbcl, wrk"; return; }
    local m
    for m in "mod_mpm_$BENCH_APACHE_MPM" mod_authz_core mod_fcgid mod_lisp; do
        [ -f "$APACHE_MODULES/$m.so" ] || { skip b "$APACHE_MODULES/$m.so is missing (libapache2-mod-fcgid, libapache2-mod-lisp)"; return; }
    done
    note "section b: Apache mod_fcgid -> fcgi-lisp -> SBCL vs Apache mod_lisp -> SBCL"
    start_sbcl || { skip b "the SBCL app does not start"; B_STATUS=1; return; }
    local pf pl fpid lpid
    pf=$(free_port)
    start_apache "$B_DIR/apache-fcgid" "$pf" fcgid || { skip b "Apache (mod_fcgid) does not start"; B_STATUS=1; return; }
    fpid=$APACHE_PID
    pl=$(free_port)
    start_apache "$B_DIR/apache-lisp" "$pl" lisp || { skip b "Apache (mod_lisp) does not start"; B_STATUS=1; return; }
    lpid=$APACHE_PID
    cfg_add b.mod_lisp "Apache mod_lisp -> SBCL cl-modlisp" "http://127.0.0.1:$pl/hello" \
        "$SBCL_BODY" "$lpid" - "$SBCL_PID"
    cfg_add b.fcgid "Apache mod_fcgid -> fcgi-lisp -> SBCL" "http://127.0.0.1:$pf/hello" \
        "$SBCL_BODY" "$fpid/!fcgi-lisp" "$fpid/fcgi-lisp" "$SBCL_PID"
    # mod_fcgid starts a fcgi-lisp process only when a request found none
    # free (a few a second: FcgidSpawnScore...), and such a request first
    # sleeps 1 s (fcgid_bridge.c handle_request). With exactly as many
    # processes as requests in flight, some requests keep taking that sleep.
    # Warm up with twice the connections, as a peak would, until the number
    # of processes is stable: the pool then covers the measured load.
    local n prev=-1 i=0
    cfg_check b.fcgid && while [ $i -lt 8 ]; do
        BENCH_CONNS=$(( BENCH_CONNS * 2 )) run_wrk b.fcgid "$BENCH_WARMUP_SECONDS"
        n=$(pgrep -c -f -- "$B_DIR/bin/fcgi-lisp")
        note "  mod_fcgid runs $n fcgi-lisp processes"
        [ "$n" = "$prev" ] && break
        prev=$n
        i=$((i + 1))
    done
    run_group b.fcgid b.mod_lisp
    extra "b: mod_fcgid ran $(pgrep -c -f -- "$B_DIR/bin/fcgi-lisp") fcgi-lisp processes at the end; one of them: VmRSS $(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$(pgrep -f -- "$B_DIR/bin/fcgi-lisp" | head -n 1)/status" 2>/dev/null)"
    ratio b.fcgid b.mod_lisp rps 10
    b_stop "$fpid" "$lpid"
}

section_c() {
    have nginx spawn-fcgi sbcl wrk || { skip c "needs nginx, spawn-fcgi, sbcl, wrk"; return; }
    [ -d /usr/share/common-lisp/source/hunchentoot ] || { skip c "cl-hunchentoot is not installed"; return; }
    note "section c: nginx -> fcgi-lisp -> SBCL cl-modlisp vs nginx proxy_pass -> Hunchentoot"
    start_sbcl || { skip c "the SBCL app does not start"; B_STATUS=1; return; }
    start_hunchentoot || { skip c "Hunchentoot does not start"; B_STATUS=1; return; }
    local d="$B_DIR/nginx-c" pa pb bpid
    mkdir_user "$d" "$d/logs" "$d/temp"
    start_bridge fcgi-lisp-c "$d/fcgi-lisp.sock" "$SBCL_URL" || { skip c "fcgi-lisp does not start"; B_STATUS=1; return; }
    bpid=$BRIDGE_PID
    pa=$(free_port) pb=$(free_port)
    {
        echo "# A: contrib/nginx/fcgi-lisp.conf as shipped"
        render_nginx_contrib "$d/fcgi-lisp.sock" "127.0.0.1:$pa"
        cat <<EOF
# B: nginx as a reverse proxy to Hunchentoot, HTTP/1.1 with upstream
# keepalive for all $BENCH_CONNS client connections (Hunchentoot starts a
# thread per new connection: more kept connections only help it).
upstream hunchentoot {
    server 127.0.0.1:$HT_PORT;
    keepalive $BENCH_CONNS;
}
server {
    listen 127.0.0.1:$pb;
    location / {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_pass http://hunchentoot;
    }
}
EOF
    } >"$d/servers.conf"
    start_nginx "$d" || { skip c "nginx does not start"; B_STATUS=1; return; }
    cfg_add c.hunchentoot "nginx -> proxy_pass keepalive -> Hunchentoot" "http://127.0.0.1:$pb/hello" \
        "$SBCL_BODY" "$NGINX_PID" - "$HT_PID"
    cfg_add c.fcgi-lisp "nginx -> fcgi-lisp -> SBCL cl-modlisp" "http://127.0.0.1:$pa/hello" \
        "$SBCL_BODY" "$NGINX_PID" "$bpid" "$SBCL_PID"
    run_group c.fcgi-lisp c.hunchentoot
    ratio c.fcgi-lisp c.hunchentoot rps 1.0
    b_stop "$NGINX_PID" "$bpid" "$HT_PID"
}

section_d() {
    have lighttpd sbcl wrk || { skip d "needs lighttpd, sbcl, wrk"; return; }
    note "section d: lighttpd -> fcgi-lisp (bin-path) -> SBCL cl-modlisp"
    start_sbcl || { skip d "the SBCL app does not start"; B_STATUS=1; return; }
    local d="$B_DIR/lighttpd-d" port pid
    mkdir_user "$d" "$d/logs" "$d/run" "$d/temp" "$d/www"
    port=$(free_port)
    cat >"$d/lighttpd.conf" <<EOF
# written by bench/run.sh: contrib/lighttpd/fcgi-lisp.conf as shipped
server.bind          = "127.0.0.1"
server.port          = $port
server.document-root = "$d/www"
server.errorlog      = "$d/logs/error.log"
server.upload-dirs   = ( "$d/temp" )
var.fcgi_lisp_bin     = "$B_DIR/bin/fcgi-lisp"
var.fcgi_lisp_socket  = "$d/run/fcgi-lisp.sock"
var.fcgi_lisp_backend = "$SBCL_URL"
include "$B_DIR/src/lighttpd-fcgi-lisp.conf"
EOF
    if ! as_user lighttpd -tt -f "$d/lighttpd.conf" >"$d/lighttpd-t.log" 2>&1; then
        skip d "lighttpd refuses the config: $(cat "$d/lighttpd-t.log")"
        B_STATUS=1
        return
    fi
    b_spawn lighttpd "${RUNAS[@]}" lighttpd -D -f "$d/lighttpd.conf"
    pid=$B_LAST
    wait_for 10 port_open "$port" || { skip d "lighttpd does not start"; B_STATUS=1; return; }
    cfg_add d.lighttpd "lighttpd -> fcgi-lisp (bin-path) -> SBCL" "http://127.0.0.1:$port/hello" \
        "$SBCL_BODY" "$pid/!fcgi-lisp" "$pid/fcgi-lisp" "$SBCL_PID"
    run_group d.lighttpd
    b_stop "$pid"
}

status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB$/\1/p" "/proc/$1/status" 2>/dev/null; }

# transfer LABEL BRIDGE_PID BACK_PID CMD...: runs CMD (one transfer of
# BENCH_BODY_BYTES), prints GB/s, the bridge's VmHWM growth, CPU shares.
transfer() {
    local label=$1 bpid=$2 kpid=$3 h0 h1 t0 t1 out rc before after
    shift 3
    h0=$(status_kb "$bpid" VmHWM)
    before=$(ticks "$NGINX_PID" "$bpid" "$kpid")
    t0=$(date +%s%N)
    out=$("$@" 2>&1)
    rc=$?
    t1=$(date +%s%N)
    after=$(ticks "$NGINX_PID" "$bpid" "$kpid")
    h1=$(status_kb "$bpid" VmHWM)
    printf '%s\n' "$label: $out" >>"$B_DIR/results/bodies.txt"
    awk -v label="$label" -v bytes="$BENCH_BODY_BYTES" -v t0="$t0" -v t1="$t1" -v h0="$h0" -v h1="$h1" \
        -v b="$before" -v a="$after" -v hz="$HZ" -v rc="$rc" -v out="$(printf '%s' "$out" | tail -c 300 | tr '\n' ' ')" '
        BEGIN {
            s = (t1 - t0) / 1e9; split(b, x, " "); split(a, y, " ")
            gbs = bytes / s / 1e9
            if (rc != 0) { printf "%-50s FAILED (%s)\n", label, out; exit }
            printf "%-50s %5.2f GB/s %6.2f s  VmHWM +%4d KiB  cpu%% nginx %3.0f fcgi-lisp %3.0f backend %3.0f all %3.0f  %s\n",
                label, gbs, s, h1 - h0, (y[1]-x[1])/hz/s*100, (y[2]-x[2])/hz/s*100, (y[3]-x[3])/hz/s*100,
                (y[4]-x[4])/hz/s*100, (gbs >= 1.0 && h1 - h0 <= 2048) ? "PASS" : "MISS"
        }'
}

# The checks around one transfer: each prints what it got, fails if wrong.
check_download() {
    local o
    o=$("$@")
    [ "$o" = "200 $BENCH_BODY_BYTES" ] || { echo "got: $o"; return 1; }
    echo "$o"
}
check_upload() {
    local o
    o=$("$@" 2>&1)
    case $o in *"bytes=$BENCH_BODY_BYTES"*) echo "${o##*$'\n'}" ;; *) echo "got: $o"; return 1 ;; esac
}
# fcgi-load get: the STDOUT bytes are the CGI head and the body
check_load_get() {
    local o n
    o=$("$@" 2>&1)
    n=$(sed -n 's/.*stdout_bytes=\([0-9]*\).*status_ok=1.*/\1/p' <<<"$o")
    if [ -n "$n" ] && [ "$n" -ge "$BENCH_BODY_BYTES" ] && [ "$n" -lt $(( BENCH_BODY_BYTES + 1024 )) ]; then
        echo "$o"
        return 0
    fi
    echo "got: $o"
    return 1
}
# http-body get: HTTP 200 and exactly BENCH_BODY_BYTES body bytes
check_http_get() {
    local o
    o=$("$@" 2>&1)
    case $o in "status=200 body_bytes=$BENCH_BODY_BYTES "*) echo "$o" ;; *) echo "got: $o"; return 1 ;; esac
}
# http-body post: a 2xx after all BENCH_BODY_BYTES bytes went out, and the
# backend's reply (its last line: "bytes=N" or "sha256=HEX bytes=N") counts them
check_http_post() {
    local o reply
    o=$("$@" 2>&1)
    reply=" ${o##*$'\n'} "
    case $o in
        "status=2"??" sent=$BENCH_BODY_BYTES "*$'\n'*)
            case $reply in *" bytes=$BENCH_BODY_BYTES "*) echo "${o//$'\n'/ / }"; return 0 ;; esac ;;
    esac
    echo "got: $o"
    return 1
}

# body_transfer LABEL BRIDGE_PID BACK_PID CMD...: transfer, reported.
body_transfer() {
    local line
    line=$(transfer "$@")
    extra "$line"
    case $line in *" FAILED ("*) B_STATUS=1 ;; esac
}

SINK_PID="" SINK_URL=""
start_sink() {
    [ -n "$SINK_PID" ] && return 0
    local ready="$B_DIR/run/sink-lisp.addr"
    b_spawn sink-lisp "${RUNAS[@]}" "$B_DIR/bin/sink-lisp" --listen 127.0.0.1:0 --ready-file "$ready"
    SINK_PID=$B_LAST
    wait_for 10 test -s "$ready" || { say "run.sh: sink-lisp does not start: $(cat "$B_DIR/logs/sink-lisp.log")"; return 1; }
    SINK_URL="modlisp://$(cat "$ready")"
}

section_e() {
    have nginx spawn-fcgi curl truncate "$FAKE_LISP" "$SINK_LISP" "$FCGI_LOAD" "$HTTP_BODY" ||
        { skip e "needs nginx, spawn-fcgi, curl, fake-lisp, bench/sink-lisp, bench/fcgi-load, bench/http-body"; return; }
    note "section e: $BENCH_BODY_BYTES-byte bodies through nginx -> fcgi-lisp -> fake-lisp / sink-lisp"
    { start_fake && start_sink; } || { skip e "fake-lisp or sink-lisp does not start"; B_STATUS=1; return; }
    local d="$B_DIR/nginx-e" pa ps pf pbs pbf p sbpid fbpid up="$B_DIR/upload.sparse" big="/big?bytes=$BENCH_BODY_BYTES"
    mkdir_user "$d" "$d/logs" "$d/temp"
    # fresh fcgi-lisp processes, so that VmHWM before a transfer is the idle one
    start_bridge fcgi-lisp-e-sink "$d/sink-bridge.sock" "$SINK_URL" || { skip e "fcgi-lisp does not start"; B_STATUS=1; return; }
    sbpid=$BRIDGE_PID
    start_bridge fcgi-lisp-e-fake "$d/fake-bridge.sock" "$FAKE_URL" || { skip e "fcgi-lisp does not start"; B_STATUS=1; return; }
    fbpid=$BRIDGE_PID
    pa=$(free_port) ps=$(free_port) pf=$(free_port) pbs=$(free_port) pbf=$(free_port)
    # contrib/nginx/fcgi-lisp.conf as shipped, -> sink-lisp ($pa) and -> fake-lisp ($pf);
    # with its two "stream the upload" lines uncommented ($pbs, $pbf)
    local stream='s/#fastcgi_request_buffering/fastcgi_request_buffering/; s/#client_body_buffer_size/client_body_buffer_size/'
    {
        render_nginx_contrib "$d/sink-bridge.sock" "127.0.0.1:$pa"
        render_nginx_contrib "$d/fake-bridge.sock" "127.0.0.1:$pf" | sed -e 's/fcgi_lisp/fcgi_lisp_f/g'
        render_nginx_contrib "$d/sink-bridge.sock" "127.0.0.1:$pbs" | sed -e 's/fcgi_lisp/fcgi_lisp_ss/g' -e "$stream"
        render_nginx_contrib "$d/fake-bridge.sock" "127.0.0.1:$pbf" | sed -e 's/fcgi_lisp/fcgi_lisp_sf/g' -e "$stream"
        cat <<EOF
# -> sink-lisp, nothing buffered: nginx neither spools the upload nor buffers
# the reply (fastcgi_buffering off reads in fastcgi_buffer_size pieces)
server {
    listen 127.0.0.1:$ps;
    client_max_body_size 0;
    location / {
        include /etc/nginx/fastcgi_params;
        fastcgi_keep_conn on;
        fastcgi_request_buffering off;
        fastcgi_buffering off;
        fastcgi_pass fcgi_lisp;
    }
}
EOF
    } >"$d/servers.conf"
    start_nginx "$d" || { skip e "nginx does not start"; B_STATUS=1; return; }
    truncate -s "$BENCH_BODY_BYTES" "$up" || { skip e "cannot make $up"; return; }
    # the first read of a new sparse file fills the page cache with zeros
    # (some 3 s of system CPU per GiB here): not the (curl) upload's to pay
    cat "$up" >/dev/null
    for p in "$pa" "$pf"; do
        curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$p/hello"
    done
    extra "e: $BENCH_BODY_BYTES-byte bodies; idle fcgi-lisp VmHWM $(status_kb "$sbpid" VmHWM) KiB (-> sink-lisp), $(status_kb "$fbpid" VmHWM) KiB (-> fake-lisp); targets >= 1 GB/s and VmHWM growth <= 2048 KiB"
    extra "   sink-lisp: zeros (ASCII) down, discards up; fake-lisp: bytes i % 251 down (not ASCII), SHA-256 of the upload"
    extra "   HTTP client: bench/http-body (256 KiB read()/write(), the body not touched); the (curl) rows: curl"
    e_get "download nginx(contrib) -> fcgi-lisp -> fake-lisp" "$fbpid" "$FAKE_PID" "$pf"
    e_get "download nginx(contrib) -> fcgi-lisp -> sink-lisp" "$sbpid" "$SINK_PID" "$pa"
    e_get "download nginx(no buffering) -> fl -> sink-lisp" "$sbpid" "$SINK_PID" "$ps"
    body_transfer "download nginx(no buffering) -> fl -> sink (curl)" "$sbpid" "$SINK_PID" check_download \
        curl -s --max-time 600 -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$ps$big"
    body_transfer "download direct -> fcgi-lisp -> fake-lisp" "$fbpid" "$FAKE_PID" check_load_get \
        "$FCGI_LOAD" get --connect "unix:$d/fake-bridge.sock" --uri "$big"
    body_transfer "download direct -> fcgi-lisp -> sink-lisp" "$sbpid" "$SINK_PID" check_load_get \
        "$FCGI_LOAD" get --connect "unix:$d/sink-bridge.sock" --uri "$big"
    if [ "$BENCH_BODY_BYTES" -le 1073741824 ]; then
        e_post "upload nginx(contrib, spools) -> fl -> sink-lisp" "$sbpid" "$SINK_PID" "$pa"
        e_post "upload nginx(contrib, spools) -> fl -> fake-lisp" "$fbpid" "$FAKE_PID" "$pf"
    fi
    e_post "upload nginx(no buffering) -> fl -> sink-lisp" "$sbpid" "$SINK_PID" "$ps"
    body_transfer "upload nginx(no buffering) -> fl -> sink (curl)" "$sbpid" "$SINK_PID" check_upload \
        curl -s --max-time 600 -X POST -T "$up" -H 'Expect:' -H 'Content-Type: application/octet-stream' \
        "http://127.0.0.1:$ps/upload"
    if [ "$BENCH_BODY_BYTES" -le 1073741824 ]; then
        e_post "upload nginx(contrib, streamed) -> fl -> sink" "$sbpid" "$SINK_PID" "$pbs"
        e_post "upload nginx(contrib, streamed) -> fl -> fake" "$fbpid" "$FAKE_PID" "$pbf"
    fi
    body_transfer "upload direct -> fcgi-lisp -> sink-lisp" "$sbpid" "$SINK_PID" check_upload \
        "$FCGI_LOAD" post --connect "unix:$d/sink-bridge.sock" --uri /upload --bytes "$BENCH_BODY_BYTES"
    extra "e: for scale, sha256sum of the upload file here: $(sha_rate "$up")"
    rm -f "$up"
    b_stop "$NGINX_PID" "$sbpid" "$fbpid"
}

# e_get LABEL BRIDGE_PID BACK_PID PORT, e_post (the same): one transfer by
# bench/http-body through nginx on 127.0.0.1:PORT (/big down, /upload up).
e_get() {
    body_transfer "$1" "$2" "$3" check_http_get \
        "$HTTP_BODY" get --connect "127.0.0.1:$4" --uri "/big?bytes=$BENCH_BODY_BYTES"
}
e_post() {
    body_transfer "$1" "$2" "$3" check_http_post \
        "$HTTP_BODY" post --connect "127.0.0.1:$4" --uri /upload --bytes "$BENCH_BODY_BYTES"
}

# sha_rate FILE: how fast coreutils hashes FILE (fake-lisp's SHA-256 is
# its own code, so this is only an order of magnitude).
sha_rate() {
    local t0 t1
    t0=$(date +%s%N)
    sha256sum "$1" >/dev/null
    t1=$(date +%s%N)
    awk -v b="$BENCH_BODY_BYTES" -v s="$(( t1 - t0 ))" 'BEGIN { printf "%.2f GB/s", b / (s / 1e9) / 1e9 }'
}

section_f() {
    have "$FCGI_LOAD" "$FAKE_LISP" || { skip f "needs bench/fcgi-load and fake-lisp"; return; }
    note "section f: start-up, exec to the first answered request ($BENCH_STARTUP_RUNS runs each)"
    start_fake || { skip f "fake-lisp does not start"; B_STATUS=1; return; }
    local d="$B_DIR/startup" out
    mkdir_user "$d"
    out=$(as_user "$FCGI_LOAD" startup --fd0 --repeat "$BENCH_STARTUP_RUNS" --socket "$d/f.sock" -- \
        "$B_DIR/bin/fcgi-lisp" --backend "$FAKE_URL" 2>&1)
    printf '%s\n' "$out" >"$B_DIR/results/startup-fd0.txt"
    extra "f: socket on fd 0 (as mod_fcgid): $(tail -n 1 <<<"$out")  $(startup_verdict "$out")"
    out=$(as_user "$FCGI_LOAD" startup --repeat "$BENCH_STARTUP_RUNS" --socket "$d/l.sock" -- \
        "$B_DIR/bin/fcgi-lisp" --listen "unix:$d/l.sock" --backend "$FAKE_URL" 2>&1)
    printf '%s\n' "$out" >"$B_DIR/results/startup-listen.txt"
    extra "f: --listen unix:PATH:            $(tail -n 1 <<<"$out")  $(startup_verdict "$out")"
    out=$(as_user "$FCGI_LOAD" startup --fd0 --repeat "$BENCH_STARTUP_RUNS" --socket "$d/h.sock" -- \
        "$B_DIR/bin/hello-fcgi" 2>&1)
    extra "f: for scale, libfcgi hello-fcgi: $(tail -n 1 <<<"$out")"
}

# startup_verdict OUTPUT: targets exec -> first answer <= 2 ms, RSS <= 1.5 MiB.
startup_verdict() {
    sed -n 's/^startup median_us=\([0-9]*\).*vmrss_kb=\([0-9]*\).*/\1 \2/p' <<<"$1" | awk '{
        printf "time %s (target <= 2000 us), RSS %s (target <= 1536 KiB)",
            ($1 <= 2000) ? "PASS" : "MISS", ($2 <= 1536) ? "PASS" : "MISS" }'
}

section_g() {
    have "$FCGI_LOAD" "$FAKE_LISP" || { skip g "needs bench/fcgi-load and fake-lisp"; return; }
    note "section g: $BENCH_IDLE_CONNS idle connections, $BENCH_ACTIVE_CONNS requests in flight"
    start_fake || { skip g "fake-lisp does not start"; B_STATUS=1; return; }
    local d="$B_DIR/scale" pid out need=$(( BENCH_IDLE_CONNS + 64 ))
    mkdir_user "$d"
    if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$need" ]; then
        skip g "the descriptor limit ($(ulimit -Hn)) is below $need"
        return
    fi
    # a fresh fcgi-lisp for each idle measurement: the heap the first one
    # grew would otherwise be reused by the second
    start_g_bridge "$d" "$need" 1 || return
    pid=$G_PID
    out=$(ulimit -n "$need"; "$FCGI_LOAD" idle --connect "unix:$d/f.sock" -n "$BENCH_IDLE_CONNS" --pid "$pid" 2>&1)
    extra "g: connected, nothing sent:     $out  $(idle_verdict "$out")"
    b_stop "$pid"
    start_g_bridge "$d" "$need" 2 || return
    pid=$G_PID
    out=$(ulimit -n "$need"; "$FCGI_LOAD" idle --connect "unix:$d/f.sock" -n "$BENCH_IDLE_CONNS" --request --pid "$pid" 2>&1)
    extra "g: after one KEEP_CONN request: $out  $(idle_verdict "$out")"
    local t
    for t in 32 "$BENCH_ACTIVE_CONNS"; do
        out=$(ulimit -n "$need"; "$FCGI_LOAD" load --connect "unix:$d/f.sock" -c "$t" -d "$BENCH_SECONDS" 2>&1)
        extra "g: direct FastCGI, $t in flight: $out"
        case $out in *" errors=0 non200=0 "*) ;; *) B_STATUS=1 ;; esac
    done
    out=$(ulimit -n "$need"; "$FCGI_LOAD" load --close --connect "unix:$d/f.sock" -c 32 -d "$BENCH_SECONDS" 2>&1)
    extra "g: direct FastCGI, 32 in flight, a connection per request (as mod_fcgid): $out"
    case $out in *" errors=0 non200=0 "*) ;; *) B_STATUS=1 ;; esac
    extra "g: fcgi-lisp VmRSS $(status_kb "$pid" VmRSS) KiB, VmHWM $(status_kb "$pid" VmHWM) KiB; fake-lisp processes: $(pgrep -c -f -- "$B_DIR/bin/fake-lisp")"
    [ "$BENCH_PROFILE" = 1 ] && profile_callgrind "$d"
    b_stop "$pid"
}

# start_g_bridge DIR FDS N: fcgi-lisp on DIR/f.sock with FDS descriptors
# allowed; sets G_PID.
start_g_bridge() {
    local d=$1 need=$2
    rm -f "$d/f.sock"
    (
        ulimit -n "$need"
        exec setsid "${RUNAS[@]}" "$B_DIR/bin/fcgi-lisp" --listen "unix:$d/f.sock" --backend "$FAKE_URL" \
            --max-conns "$(( BENCH_IDLE_CONNS + 16 ))"
    ) >"$B_DIR/logs/fcgi-lisp-g$3.log" 2>&1 &
    G_PID=$!
    b_adopt "$G_PID"
    if ! wait_for 10 test -S "$d/f.sock"; then
        skip g "fcgi-lisp does not start: $(cat "$B_DIR/logs/fcgi-lisp-g$3.log")"
        B_STATUS=1
        return 1
    fi
}

idle_verdict() {
    sed -n 's/.*per_conn_bytes=\([-0-9]*\).*/\1/p' <<<"$1" | awk '{ printf "%s (target <= 4096 B/conn)", ($1 <= 4096) ? "PASS" : "MISS" }'
}

# profile_callgrind DIR: fcgi-lisp under callgrind, driven directly by
# fcgi-load (32 in flight); instructions per request and top functions.
profile_callgrind() {
    local d=$1 out f="$B_DIR/results/callgrind.out" vpid n
    command -v valgrind >/dev/null 2>&1 || { extra "profile: valgrind is not installed"; return; }
    note "profile: callgrind on fcgi-lisp, fcgi-load -c 32 for $BENCH_SECONDS s"
    b_spawn callgrind valgrind --tool=callgrind --callgrind-out-file="$f" \
        "$B_DIR/bin/fcgi-lisp" --listen "unix:$d/cg.sock" --backend "$FAKE_URL"
    vpid=$B_LAST
    wait_for 30 test -S "$d/cg.sock" || { extra "profile: callgrind run did not start"; return; }
    out=$("$FCGI_LOAD" load --connect "unix:$d/cg.sock" -c 32 -d "$BENCH_SECONDS" 2>&1)
    b_stop "$vpid"
    n=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$out")
    callgrind_annotate --inclusive=no "$f" 2>/dev/null >"$f.txt"
    extra "profile (callgrind, fcgi-lisp direct, $out):"
    while IFS= read -r line; do extra "$line"; done < <(awk -v n="${n:-0}" '
        /PROGRAM TOTALS/ { t = $1; gsub(",", "", t); total = t
            printf "    total %d Ir, %.0f Ir per request (start-up included)\n", total, (n > 0) ? total / n : 0; next }
        total > 0 && $1 ~ /^[0-9,]+$/ && $2 ~ /^\(/ {
            if (shown >= 25) next
            ir = $1; gsub(",", "", ir); fn = $0; sub(/^[^)]*\) +/, "", fn); sub(/ \[.*$/, "", fn); sub(/^.*\//, "", fn)
            printf "    %5.1f%%  %7.0f Ir/req  %s\n", ir * 100 / total, (n > 0) ? ir / n : 0, fn; shown++ }
        ' "$f.txt")
}

# --- main ---------------------------------------------------------------------------------

have "$FCGI_LISP" || { say "run.sh: no fcgi-lisp at $FCGI_LISP (give the build dir, or FCGI_LISP)"; exit 2; }
for tool in "$HELLO_FCGI" "$FCGI_LOAD" "$SINK_LISP" "$HTTP_BODY"; do
    [ -x "$tool" ] || say "run.sh: $tool is not built (see bench/README.md): sections that need it are skipped"
done

umask 022
B_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-lisp-bench.XXXXXX") || exit 1
chmod 755 "$B_DIR"
trap cleanup EXIT
trap 'exit 3' INT TERM
if [ "$(id -u)" -eq 0 ]; then
    have setpriv || exit 1
    RUN_USER=nobody
    RUN_GROUP=$(id -gn nobody) || { say "run.sh: running as root and there is no user nobody"; exit 1; }
    RUNAS=(setpriv "--reuid=$RUN_USER" "--regid=$RUN_GROUP" --clear-groups --)
    SPAWN_DROP=(-u "$RUN_USER" -g "$RUN_GROUP" -U "$RUN_USER" -G "$RUN_GROUP")
fi
mkdir_user "$B_DIR/bin" "$B_DIR/src" "$B_DIR/home" "$B_DIR/run" "$B_DIR/logs" "$B_DIR/results"
for f in "$FCGI_LISP" "$FAKE_LISP" "$HELLO_FCGI" "$SINK_LISP"; do
    [ -x "$f" ] && cp "$f" "$B_DIR/bin/"
done
cp "$top_srcdir/contrib/lisp/modlisp-app.lisp" "$top_srcdir/bench/hunchentoot-hello.lisp" \
   "$top_srcdir/contrib/apache/fcgi-lisp-fcgid.conf" "$B_DIR/src/"
cp "$top_srcdir/contrib/lighttpd/fcgi-lisp.conf" "$B_DIR/src/lighttpd-fcgi-lisp.conf"
chmod -R a+rX "$B_DIR/bin" "$B_DIR/src"
WRK_LUA="$B_DIR/src/report.lua"
cat >"$WRK_LUA" <<'EOF'
-- wrk: one machine-readable line at the end (latency in microseconds)
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH requests=%d duration_us=%d bytes=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d mean_us=%.1f max_us=%d\n",
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
        e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
EOF

pkg() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
MACHINE="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
VERSIONS="nginx $(pkg nginx) apache2 $(pkg apache2) mod_fcgid $(pkg libapache2-mod-fcgid) mod_lisp $(pkg libapache2-mod-lisp) lighttpd $(pkg lighttpd) sbcl $(pkg sbcl) cl-modlisp $(pkg cl-modlisp) hunchentoot $(pkg cl-hunchentoot) libfcgi $(pkg libfcgi0ldbl) spawn-fcgi $(pkg spawn-fcgi) wrk $(pkg wrk)"
FCGI_LISP_VERSION=$("$FCGI_LISP" --version 2>&1 | head -n 1)
note "fcgi-lisp bench: $FCGI_LISP ($FCGI_LISP_VERSION)"
note "machine: $MACHINE"
note "rounds: $BENCH_ROUNDS x $BENCH_SECONDS s (+ warm-up $BENCH_WARMUP_SECONDS s), wrk -t$BENCH_THREADS -c$BENCH_CONNS, nginx workers $BENCH_NGINX_WORKERS; sections: $only"

want a && idle_check a && section_a
want b && idle_check b && section_b
want c && idle_check c && section_c
want d && idle_check d && section_d
want e && idle_check e && section_e
want f && idle_check f && section_f
want g && idle_check g && section_g

# --- report --------------------------------------------------------------------------------

for name in "${CFG_ORDER[@]}"; do
    cfg_summary "$name"
done

{
    echo
    echo "fcgi-lisp bench ($FCGI_LISP_VERSION), $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $MACHINE"
    echo "versions: $VERSIONS"
    echo "command: bench/run.sh$([ "$smoke" = 1 ] && echo " --smoke") (BENCH_SECONDS=$BENCH_SECONDS BENCH_ROUNDS=$BENCH_ROUNDS BENCH_STUB_TRANSPORT=$BENCH_STUB_TRANSPORT BENCH_APACHE_MPM=$BENCH_APACHE_MPM BENCH_WARMUP_SECONDS=$BENCH_WARMUP_SECONDS BENCH_CONNS=$BENCH_CONNS BENCH_THREADS=$BENCH_THREADS BENCH_NGINX_WORKERS=$BENCH_NGINX_WORKERS; sections $only)"
    echo "wrk -t$BENCH_THREADS -c$BENCH_CONNS, $BENCH_ROUNDS alternating rounds of $BENCH_SECONDS s after a discarded warm-up; medians over rounds."
    echo "cpu%: median share of one CPU (100 = one core) of the front end / fcgi-lisp / backend / wrk, and the whole machine ($(nproc) cores = $(( $(nproc) * 100 )))."
    echo
    printf '%-18s %-52s %9s %8s %8s %6s %6s  %-26s %s\n' config "path" "req/s" "p50 ms" "p99 ms" err non2x "cpu% front/fl/back/wrk/all" "head+body bytes"
    for name in "${CFG_ORDER[@]}"; do
        cfg_summary "$name"
        read -r c1 c2 c3 c4 c5 <<<"$S_CPU"
        printf '%-18s %-52s %9.0f %8.2f %8.2f %6s %6s  %-26s %s\n' "$name" "${CFG_LABEL[$name]}" \
            "$S_RPS" "$(awk -v x="$S_P50" 'BEGIN { print x / 1000 }')" "$(awk -v x="$S_P99" 'BEGIN { print x / 1000 }')" \
            "$S_ERR" "$S_NON" "$c1/$c2/$c3/$c4/$c5" "${CFG_HEAD[$name]:-?}+${CFG_SIZE[$name]:-?}"
        [ "${CFG_STATE[$name]}" = ok ] || printf '%-18s   %s\n' "" "${CFG_STATE[$name]}"
    done
    echo
    [ ${#RATIOS[@]} -gt 0 ] && printf '%s\n' "${RATIOS[@]}"
    [ ${#EXTRA[@]} -gt 0 ] && { echo; printf '%s\n' "${EXTRA[@]}"; }
    [ ${#SKIPPED[@]} -gt 0 ] && { echo; printf 'SKIPPED %s\n' "${SKIPPED[@]}"; }
} | tee "$B_DIR/results/summary.txt"
exit "$B_STATUS"
