#!/usr/bin/env bash
# quickstart.sh - from a fresh Debian 12 clone to a running example: installs
# what the build, the example and `make check` need (apt-get, through sudo
# when not root; the list is .ci/packages), builds fcgi-lisp
# (./autogen.sh && ./configure && make), then starts
#
#   browser -> lighttpd http://127.0.0.1:8080/ -> fcgi-lisp -> SBCL cl-modlisp
#              (contrib/lighttpd/fcgi-lisp.conf)            (contrib/lisp/modlisp-app.lisp)
#
# in the foreground until Ctrl-C, which stops everything it started. Running
# it again skips what is already done. Only loopback addresses are used.
#
# Usage: contrib/quickstart.sh [-p PORT] [-l LISP_PORT] [--no-install]
#   -p, --port PORT       lighttpd's port (default $PORT, else 8080)
#   -l, --lisp-port PORT  the Lisp's mod_lisp port (default $MODLISP_PORT, else 3000)
#   --no-install          do not run apt-get, even if packages are missing
# Environment: BUILD_DIR builds there (out of tree) instead of in the source
# tree. fcgi-lisp, MIT licence.
set -euo pipefail

say() { printf '%s\n' "quickstart: $*"; }
die() { printf '%s\n' "quickstart: $*" >&2; exit 1; }

srcdir=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
lisp_port=${MODLISP_PORT:-3000}
install=yes
while [ $# -gt 0 ]; do
    case $1 in
        -p|--port) [ $# -ge 2 ] || die "$1 needs a port"; port=$2; shift 2 ;;
        -l|--lisp-port) [ $# -ge 2 ] || die "$1 needs a port"; lisp_port=$2; shift 2 ;;
        --no-install) install=no; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
for p in "$port" "$lisp_port"; do
    case $p in
        ''|*[!0-9]*) die "not a port number: $p" ;;
    esac
    if [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then die "not a port number: $p"; fi
done
[ "$port" != "$lisp_port" ] || die "the web port and the Lisp port must differ"
# lighttpd lives in /usr/sbin, which a normal user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

builddir=${BUILD_DIR:-$srcdir}
mkdir -p "$builddir"
builddir=$(cd "$builddir" && pwd)

# Everything this run writes besides the build: logs, lighttpd's config and
# socket, its upload dir. Removed on Ctrl-C, kept (and named) on failure.
run=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-lisp-quickstart.XXXXXX")
mkdir -p "$run/logs" "$run/temp" "$run/www"
log="$run/logs/build.log"
lisp_pid=""
web_pid=""
keep_run=no

# shellcheck disable=SC2317 # called from the traps
stop_all() {
    trap - INT TERM EXIT
    local pid
    for pid in $web_pid $lisp_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $web_pid $lisp_pid; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "$keep_run" = yes ]; then
        say "logs kept in $run/logs"
    else
        rm -rf "$run"
    fi
}
trap 'echo; say "stopping"; stop_all; exit 0' INT TERM
trap 'keep_run=yes; stop_all' EXIT

# --- 1. packages ------------------------------------------------------------
missing=()
if [ ! -f "$srcdir/.ci/packages" ]; then
    say "no .ci/packages here (not a clone?); skipping the package check"
    install=skipped
else
    while read -r pkg _; do
        case $pkg in ''|'#'*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done <"$srcdir/.ci/packages"
fi
if [ ${#missing[@]} -gt 0 ]; then
    [ "$install" = yes ] || die "missing packages (--no-install given): ${missing[*]}"
    command -v apt-get >/dev/null || die "no apt-get here; install these yourself: ${missing[*]}"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "not root and no sudo; as root run: apt-get install ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing ${missing[*]} (apt-get; log in $log)"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1 ||
        die "apt-get update failed; see $log"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >>"$log" 2>&1 || die "apt-get install failed; see $log"
elif [ "$install" != skipped ]; then
    say "packages: all of .ci/packages are installed"
fi

# --- 2. build ---------------------------------------------------------------
if [ ! -x "$srcdir/configure" ]; then
    say "running ./autogen.sh"
    (cd "$srcdir" && ./autogen.sh) >>"$log" 2>&1 || die "./autogen.sh failed; see $log"
fi
if [ ! -f "$builddir/config.status" ]; then
    say "running ./configure"
    (cd "$builddir" && "$srcdir/configure") >>"$log" 2>&1 || die "./configure failed; see $log"
fi
say "running make"
make -C "$builddir" -j"$(nproc 2>/dev/null || echo 2)" >>"$log" 2>&1 || die "make failed; see $log"
fcgi_lisp="$builddir/bridge/fcgi-lisp"
[ -x "$fcgi_lisp" ] || die "make did not produce $fcgi_lisp; see $log"

# --- 3. run -----------------------------------------------------------------
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_busy "$port" && die "something already listens on 127.0.0.1:$port; try --port N"
port_busy "$lisp_port" && die "something already listens on 127.0.0.1:$lisp_port; try --lisp-port N"

wait_port() { # PORT SECONDS PID
    local i=0
    while [ $i -lt $(( $2 * 10 )) ]; do
        port_busy "$1" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

say "starting the SBCL cl-modlisp app on 127.0.0.1:$lisp_port (the first start compiles cl-modlisp)"
MODLISP_ADDRESS=127.0.0.1 MODLISP_PORT=$lisp_port \
    sbcl --noinform --non-interactive --no-userinit --load "$srcdir/contrib/lisp/modlisp-app.lisp" \
    >"$run/logs/lisp.log" 2>&1 &
lisp_pid=$!
wait_port "$lisp_port" 120 "$lisp_pid" || { tail -n 20 "$run/logs/lisp.log" >&2; die "the Lisp app did not start"; }

quote() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }
cat >"$run/lighttpd.conf" <<EOF
# written by contrib/quickstart.sh
server.bind          = "127.0.0.1"
server.port          = $port
server.document-root = $(quote "$run/www")
server.errorlog      = $(quote "$run/logs/lighttpd-error.log")
server.upload-dirs   = ( $(quote "$run/temp") )
var.fcgi_lisp_bin     = $(quote "$fcgi_lisp")
var.fcgi_lisp_socket  = $(quote "$run/fcgi-lisp.sock")
var.fcgi_lisp_backend = "modlisp://127.0.0.1:$lisp_port"
include $(quote "$srcdir/contrib/lighttpd/fcgi-lisp.conf")
EOF
say "starting lighttpd and fcgi-lisp on http://127.0.0.1:$port/"
lighttpd -D -f "$run/lighttpd.conf" >"$run/logs/lighttpd.log" 2>&1 &
web_pid=$!
wait_port "$port" 20 "$web_pid" || {
    cat "$run/logs/lighttpd.log" >&2
    tail -n 20 "$run/logs/lighttpd-error.log" >&2 2>/dev/null || true
    die "lighttpd did not start"
}

cat <<EOF

  fcgi-lisp is running:
    http://127.0.0.1:$port/ -> lighttpd -> fcgi-lisp -> SBCL cl-modlisp on 127.0.0.1:$lisp_port

  Try, in another terminal:
    curl 'http://127.0.0.1:$port/echo?x=1'
    curl -d 'name=lisp' http://127.0.0.1:$port/form
    curl -i http://127.0.0.1:$port/cookies
    curl http://127.0.0.1:$port/

  Logs: $run/logs/   Ctrl-C stops everything.

EOF

# Runs until Ctrl-C, or until lighttpd or the Lisp exits on its own.
set +e
wait -n "$lisp_pid" "$web_pid"
set -e
say "lighttpd or the Lisp app stopped on its own; stopping the rest"
exit 1
