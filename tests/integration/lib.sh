# lib.sh - shared helpers for the integration scripts (sourced, POSIX sh + bash).
# fcgi-lisp, MIT licence.
#
# Every script: sources this file, calls `it_setup NAME`, starts what it needs
# with `it_spawn` (so `it_cleanup` stops exactly those processes), checks with
# the it_check_* helpers and ends with `it_finish`, which prints
# "N passed, N failed" and exits 0, 1, or 77 (automake's "skipped").
# The temp dir is removed after a success unless IT_KEEP is set.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
FCGI_LISP=${FCGI_LISP:-$top_builddir/bridge/fcgi-lisp}
FAKE_LISP=$top_builddir/tests/integration/fake-lisp
FCGI_PROBE=$top_builddir/tests/integration/fcgi-probe

IT_PASSED=0
IT_FAILED=0
IT_PIDS=""
IT_NAME=""
IT_DIR=""

# it_setup NAME: makes the temp dir $IT_DIR and installs the cleanup trap.
it_setup() {
    IT_NAME=$1
    IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-lisp-$IT_NAME.XXXXXX") || exit 99
    chmod 755 "$IT_DIR"
    trap it_cleanup EXIT
    trap 'exit 1' INT TERM
}

# it_skip REASON: the test cannot run here; says why, exits 77.
it_skip() {
    echo "SKIP: $IT_NAME: $*"
    exit 77
}

# it_require CMD...: skips unless each command is installed.
it_require() {
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || it_skip "$cmd is not installed"
    done
}

# it_spawn NAME CMD ARGS...: starts CMD in the background, output in
# $IT_DIR/NAME.log; records its PID (in $IT_LAST_PID) for cleanup.
it_spawn() {
    name=$1
    shift
    "$@" >"$IT_DIR/$name.log" 2>&1 &
    IT_LAST_PID=$!
    IT_PIDS="$IT_PIDS $IT_LAST_PID"
}

# it_stop PID: TERM, then KILL after 5 s; waits for it.
it_stop() {
    pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

it_cleanup() {
    status=$?
    for pid in $IT_PIDS; do
        it_stop "$pid"
    done
    if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] && [ -n "$IT_DIR" ]; then
        echo "--- logs of $IT_NAME (kept in $IT_DIR) ---"
        for f in "$IT_DIR"/*.log "$IT_DIR"/logs/*.log; do
            [ -f "$f" ] || continue
            echo "--- $f"
            tail -n 40 "$f"
        done
    elif [ -n "$IT_DIR" ] && [ -z "${IT_KEEP:-}" ]; then
        rm -rf "$IT_DIR"
    fi
    exit "$status"
}

# it_free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
it_free_port() {
    while :; do
        # 10000..31999: below Linux's ephemeral range (32768..60999), where an
        # outgoing connection could take the port or even connect to itself.
        port=$(( (($$ + $(date +%N | sed 's/^0*//') ) % 22000) + 10000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
}

# it_wait_port PORT [SECONDS]: waits until 127.0.0.1:PORT accepts connections.
it_wait_port() {
    port=$1
    limit=$(( ${2:-20} * 10 ))
    i=0
    while [ $i -lt "$limit" ]; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
        i=$((i + 1))
    done
    echo "it_wait_port: nothing listens on 127.0.0.1:$port after ${2:-20}s" >&2
    return 1
}

# it_wait_socket PATH [SECONDS]: waits until the unix socket PATH exists.
it_wait_socket() {
    limit=$(( ${2:-20} * 10 ))
    i=0
    while [ $i -lt "$limit" ]; do
        [ -S "$1" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "it_wait_socket: no socket at $1 after ${2:-20}s" >&2
    return 1
}

# it_wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds;
# fails after SECONDS.
it_wait_until() {
    local limit=$(( $1 * 10 )) i=0
    shift
    while ! "$@"; do
        [ $i -ge "$limit" ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
}

# it_children PID: the PIDs of PID's child processes, sorted, on one line.
it_children() { pgrep -P "$1" | sort -n | tr '\n' ' '; }
it_nchildren() { pgrep -c -P "$1"; }
it_nchildren_is() { [ "$(it_nchildren "$1")" = "$2" ]; }
# it_zombies PID: how many of PID's children are zombies (/proc/PID/stat).
it_zombies() {
    local n=0 c
    for c in $(pgrep -P "$1"); do
        [ "$(awk '{print $3}' "/proc/$c/stat" 2>/dev/null)" = Z ] && n=$((n + 1))
    done
    echo "$n"
}
# it_log_has NAME PATTERN: $IT_DIR/NAME.log (it_spawn's) has a line with PATTERN.
it_log_has() { grep -q -- "$2" "$IT_DIR/$1.log"; }

it_pass() {
    IT_PASSED=$((IT_PASSED + 1))
    echo "PASS: $IT_NAME: $1"
}

it_fail() {
    IT_FAILED=$((IT_FAILED + 1))
    echo "FAIL: $IT_NAME: $1"
    shift
    for line in "$@"; do
        echo "      $line"
    done
}

# it_check_eq WHAT EXPECTED ACTUAL
it_check_eq() {
    if [ "$2" = "$3" ]; then
        it_pass "$1"
    else
        it_fail "$1" "expected: $2" "actual:   $3"
    fi
}

# it_check_contains WHAT NEEDLE HAYSTACK
it_check_contains() {
    case $3 in
        *"$2"*) it_pass "$1" ;;
        *) it_fail "$1" "expected to contain: $2" "actual: $(printf '%s' "$3" | head -c 600)" ;;
    esac
}

# it_check_not_contains WHAT NEEDLE HAYSTACK
it_check_not_contains() {
    case $3 in
        *"$2"*) it_fail "$1" "expected not to contain: $2" "actual: $(printf '%s' "$3" | head -c 600)" ;;
        *) it_pass "$1" ;;
    esac
}

# it_finish: prints the summary and exits with the verdict.
it_finish() {
    echo "$IT_NAME: $IT_PASSED passed, $IT_FAILED failed"
    if [ "$IT_FAILED" -ne 0 ]; then
        exit 1
    fi
    if [ "$IT_PASSED" -eq 0 ]; then
        echo "$IT_NAME: no check ran" >&2
        exit 1
    fi
    exit 0
}
