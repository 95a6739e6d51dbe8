#!/usr/bin/env bash
# t-big.sh - 1 GiB through fcgi-lisp both ways, with bounded memory and no
# leaked descriptors: fcgi-probe -> fcgi-lisp (unix socket) -> fake-lisp.
# fcgi-lisp, MIT licence.
#
# Transfers (BIG bytes each, 1 GiB unless FCGI_LISP_BIG_BYTES says otherwise):
#   upload with CONTENT_LENGTH   a sparse file with random markers, streamed by
#                                the probe from disk; fake-lisp's SHA-256 must be
#                                sha256sum's. fake-lisp hashes slower than the
#                                probe sends, so the bridge must stop reading.
#   download with Content-Length /big, digested by the probe: it reads slower
#                                than fake-lisp writes (backpressure again).
#   download without a length    /bigstream, read to the Lisp's close, pattern
#                                checked byte by byte.
#   upload without CONTENT_LENGTH  the probe's generated pattern, spooled by the
#                                bridge to an unlinked temp file in $IT_DIR/spool,
#                                then sent on; checked as it arrives, and the
#                                temp file must be gone afterwards.
# Expected digests come from coreutils, not from the tools under test.
# Then: the bridge's peak RSS (VmHWM) stays under BIG_HWM_LIMIT_KB (not with
# ASan, whose quarantine inflates RSS), its descriptor count is back to what
# it was before the transfers once the idle sweep closed the kept backend
# sockets, and it exits 0 on SIGTERM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_setup big
it_require "$FCGI_LISP" "$FAKE_LISP" "$FCGI_PROBE" sha256sum truncate dd head
[ -r /proc/self/status ] || it_skip "needs Linux /proc to measure memory and descriptors"

BIG=${FCGI_LISP_BIG_BYTES:-1073741824}
case $BIG in
    '' | *[!0-9]*) it_skip "FCGI_LISP_BIG_BYTES must be a number of bytes: $BIG" ;;
esac
[ "$BIG" -ge 4194304 ] || it_skip "FCGI_LISP_BIG_BYTES must be at least 4 MiB: $BIG"
BIG_MIB=$((BIG / 1048576))

# Peak RSS allowed to the bridge. Its buffers stop growing at fixed marks:
# 256 KiB queued per direction (conn.h CONN_OUT_HIGH, request.c
# REQUEST_BOUT_HIGH) plus one 64 KiB read each, 64 KiB kept for a re-send,
# 1 MiB of spooled body in memory (--spool-memory default) and a reply head
# of at most 64 KiB: under 3 MiB for one request even if every buffer
# doubled its capacity once, on top of ~3 MiB for code, libc and libev.
# 32 MiB leaves ample room for malloc's arenas and still fails when as little
# as 3% of one transfer is held in memory.
BIG_HWM_LIMIT_KB=32768
# fake-lisp streams too (constant memory): its children must not have held
# a transfer either, or the test would not have loaded the bridge.
FAKE_HWM_LIMIT_KB=32768
IO_TIMEOUT=2     # seconds; also the idle sweep period of kept backend sockets

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# rate BYTES MS: "X MiB/s".
rate() { awk -v b="$1" -v ms="$2" 'BEGIN { if (ms < 1) ms = 1; printf "%.0f MiB/s", b / 1048576 / (ms / 1000) }'; }

# fd_count PID: entries of /proc/PID/fd.
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# deleted_fds PID: descriptors of PID open on unlinked files ("... (deleted)").
deleted_fds() {
    local f
    for f in "/proc/$1"/fd/*; do
        case $(readlink "$f" 2>/dev/null) in
            *' (deleted)') echo "$(basename "$f") -> $(readlink "$f")" ;;
        esac
    done
}

# status_kb PID FIELD: a /proc/PID/status field in kB (VmHWM, VmRSS).
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB$/\1/p" "/proc/$1/status" 2>/dev/null; }

# pattern_sha256 N: SHA-256 of N bytes of the /big pattern (byte i is i % 251),
# made with printf, cat and head, independently of fake-lisp and fcgi-probe.
pattern_sha256() {
    local n=$1 blk="$IT_DIR/pattern.blk" fmt="" o i reps
    for i in $(seq 0 250); do
        printf -v o '\\%03o' "$i"
        fmt="$fmt$o"
    done
    # shellcheck disable=SC2059 # the format is the 251 octal escapes
    printf "$fmt" >"$blk"
    for i in $(seq 18); do            # 251 * 2^18 bytes: a whole number of periods
        cat "$blk" "$blk" >"$blk.2" && mv "$blk.2" "$blk"
    done
    reps=$(( (n + $(wc -c <"$blk") - 1) / $(wc -c <"$blk") ))
    for ((i = 0; i < reps; i++)); do cat "$blk"; done | head -c "$n" | sha256sum | cut -d' ' -f1
    rm -f "$blk"
}

# --- the test data --------------------------------------------------------------
# A sparse file of BIG bytes with 4 KiB random markers: at the start, across
# the 1 MiB boundary where the bridge's spool moves to a file, at the end, and
# 61 more at odd offsets, so a byte moved, lost or repeated changes the digest.
upload="$IT_DIR/upload.sparse"
truncate -s "$BIG" "$upload" || exit 99
for off in 0 $((1048576 - 1000)) $((BIG - 4096)) $(seq 1 61 | awk -v big="$BIG" \
        '{ printf "%d\n", $1 * int(big / 64) + 1 + ($1 * 4099) % 65536 }'); do
    dd if=/dev/urandom of="$upload" bs=4096 count=1 seek="$off" oflag=seek_bytes conv=notrunc \
        status=none || exit 99
done
[ "$(wc -c <"$upload")" -eq "$BIG" ] || exit 99
t0=$(now_ms)
sha256sum "$upload" | cut -d' ' -f1 >"$IT_DIR/upload.sha" &
sha_pid=$!
want_pattern=$(pattern_sha256 "$BIG")
wait "$sha_pid"
want_upload=$(cat "$IT_DIR/upload.sha")
echo "expected digests computed in $(( $(now_ms) - t0 )) ms"

# --- start -------------------------------------------------------------------------
lisp_sock="$IT_DIR/lisp.sock"
it_spawn fake-lisp "$FAKE_LISP" --listen "unix:$lisp_sock" --log-memory
fake_pid=$IT_LAST_PID
it_wait_socket "$lisp_sock" || it_fail "fake-lisp listens on $lisp_sock"
sock="$IT_DIR/fcgi.sock"
mkdir -p "$IT_DIR/spool"
max_body=()
[ "$BIG" -le 1073741824 ] || max_body=(--max-body "$BIG")   # the default is 1 GiB
it_spawn fcgi-lisp "$FCGI_LISP" --listen "unix:$sock" --backend "modlisp+unix:$lisp_sock" \
    --spool-dir "$IT_DIR/spool" --io-timeout "$IO_TIMEOUT" --log-level 6 "${max_body[@]}"
bridge_pid=$IT_LAST_PID
it_wait_socket "$sock" || it_fail "fcgi-lisp listens on $sock"

probe() { "$FCGI_PROBE" --timeout 600 --connect "unix:$sock" "$@"; }

# The idle daemon's descriptors: the listening socket, the loop's, the logs.
fds_start=$(fd_count "$bridge_pid")
hwm_start=$(status_kb "$bridge_pid" VmHWM)
echo "fcgi-lisp at start: $fds_start descriptors, VmHWM ${hwm_start} kB"

# What is measured below is fcgi-lisp itself: not a wrapper, not fake-lisp.
if [ "/proc/$bridge_pid/exe" -ef "$FCGI_LISP" ] && [ "$bridge_pid" != "$fake_pid" ] &&
   ! [ "/proc/$bridge_pid/exe" -ef "$FAKE_LISP" ]; then
    it_pass "the measured process $bridge_pid is the fcgi-lisp binary, not fake-lisp"
else
    it_fail "the measured process is fcgi-lisp" "pid $bridge_pid runs $(readlink "/proc/$bridge_pid/exe")"
fi

out=$(probe request --uri /hello 2>/dev/null)
it_check_contains "the bridge answers before the transfers" "hello from fake-lisp" "$out"

# --- 1. upload with CONTENT_LENGTH ------------------------------------------------------
t0=$(now_ms)
out=$(probe request --uri /upload --stdin-file "$upload" 2>"$IT_DIR/up-cl.err")
ms=$(( $(now_ms) - t0 ))
it_check_contains "$BIG_MIB MiB upload with CONTENT_LENGTH arrives intact ($ms ms, $(rate "$BIG" "$ms"))" \
    "sha256=$want_upload bytes=$BIG" "$out"
it_check_contains "and ends cleanly" "app_status=0 protocol_status=0" "$(cat "$IT_DIR/up-cl.err")"

# --- 2. download with Content-Length, digested (a slow reader) -------------------------
t0=$(now_ms)
out=$(probe request --uri "/big?bytes=$BIG" --count-body 2>"$IT_DIR/down-cl.err")
ms=$(( $(now_ms) - t0 ))
it_check_contains "$BIG_MIB MiB download with Content-Length arrives whole ($ms ms, $(rate "$BIG" "$ms"))" \
    "body_bytes=$BIG sha256=$want_pattern" "$out"
it_check_contains "its CGI head carries the Content-Length" "Content-Length: $BIG" "$out"
it_check_contains "and ends cleanly" "app_status=0 protocol_status=0" "$(cat "$IT_DIR/down-cl.err")"

# --- 3. download without a length, read to the Lisp's close -----------------------------
t0=$(now_ms)
out=$(probe request --uri "/bigstream?bytes=$BIG" --count-body --check-pattern 2>"$IT_DIR/down-eof.err")
ms=$(( $(now_ms) - t0 ))
it_check_contains "$BIG_MIB MiB download without Content-Length arrives whole ($ms ms, $(rate "$BIG" "$ms"))" \
    "body_bytes=$BIG pattern=ok" "$out"
it_check_not_contains "its CGI head has no Content-Length" "Content-Length" "$out"
it_check_contains "and ends cleanly" "app_status=0 protocol_status=0" "$(cat "$IT_DIR/down-eof.err")"

# --- 4. upload without CONTENT_LENGTH: spooled to a temp file ---------------------------
spool_free_kb=$(df -Pk "$IT_DIR/spool" | awk 'NR == 2 { print $4 }')
if [ -n "$spool_free_kb" ] && [ "$spool_free_kb" -lt $(( BIG / 1024 + 262144 )) ]; then
    echo "NOTE: $IT_NAME: the spooled upload is not run: $IT_DIR/spool has ${spool_free_kb} kB free"
else
    t0=$(now_ms)
    it_spawn up-spool "$FCGI_PROBE" --timeout 600 --connect "unix:$sock" request --uri /upload \
        --stdin-pattern "$BIG" --no-content-length
    up_pid=$IT_LAST_PID
    # While it runs, the body must sit in an unlinked file under the spool dir:
    # the positive control for the "nothing deleted is left open" check below.
    seen_spool=""
    while kill -0 "$up_pid" 2>/dev/null; do
        seen_spool=$(deleted_fds "$bridge_pid" | grep -F "$IT_DIR/spool/fcgi-lisp-body" | head -n 1)
        [ -n "$seen_spool" ] && break
        sleep 0.05
    done
    wait "$up_pid"
    ms=$(( $(now_ms) - t0 ))
    it_check_contains "$BIG_MIB MiB upload without CONTENT_LENGTH arrives intact ($ms ms, $(rate "$BIG" "$ms"))" \
        "sha256=$want_pattern bytes=$BIG" "$(cat "$IT_DIR/up-spool.log")"
    it_check_contains "and ends cleanly" "app_status=0 protocol_status=0" "$(cat "$IT_DIR/up-spool.log")"
    if [ -n "$seen_spool" ]; then it_pass "while it was spooled, the body was an unlinked temp file"
    else it_fail "the body was spooled to an unlinked temp file" "none seen in /proc/$bridge_pid/fd"; fi
    left=""
    for _ in $(seq 20); do   # the request is reaped just after its END_REQUEST went out
        left=$(deleted_fds "$bridge_pid")
        [ -z "$left" ] && break
        sleep 0.1
    done
    it_check_eq "after it no descriptor of fcgi-lisp is on a deleted file" "" "$left"
    it_check_eq "and the spool dir is empty" "" "$(ls -A "$IT_DIR/spool")"
fi
rm -f "$upload"

# --- memory --------------------------------------------------------------------------
hwm=$(status_kb "$bridge_pid" VmHWM)
rss=$(status_kb "$bridge_pid" VmRSS)
echo "fcgi-lisp after the transfers: VmHWM ${hwm} kB (${hwm_start} kB at start), VmRSS ${rss} kB"
if ldd "$FCGI_LISP" 2>/dev/null | grep -q 'libasan' ||
   nm "$FCGI_LISP" 2>/dev/null | grep -q '__asan_init'; then
    echo "NOTE: $IT_NAME: VmHWM limit not checked: fcgi-lisp is built with AddressSanitizer," \
         "whose quarantine and shadow memory inflate RSS"
elif [ -z "$hwm" ]; then
    it_fail "VmHWM of fcgi-lisp is readable" "/proc/$bridge_pid/status: $(head -c 300 "/proc/$bridge_pid/status")"
elif [ "$hwm" -lt "$BIG_HWM_LIMIT_KB" ]; then
    it_pass "fcgi-lisp's peak RSS stayed bounded: ${hwm} kB < ${BIG_HWM_LIMIT_KB} kB"
else
    it_fail "fcgi-lisp's peak RSS stayed bounded" "VmHWM ${hwm} kB >= ${BIG_HWM_LIMIT_KB} kB"
fi
fake_hwm=$(sed -n 's/.*connection done .*vmhwm_kb=\([0-9]*\).*/\1/p' "$IT_DIR/fake-lisp.log" |
           sort -n | tail -n 1)
if ldd "$FAKE_LISP" 2>/dev/null | grep -q 'libasan' || nm "$FAKE_LISP" 2>/dev/null | grep -q '__asan_init'; then
    echo "NOTE: $IT_NAME: fake-lisp's VmHWM (${fake_hwm} kB) not checked: built with AddressSanitizer"
elif [ -n "$fake_hwm" ] && [ "$fake_hwm" -lt "$FAKE_HWM_LIMIT_KB" ]; then
    it_pass "fake-lisp streamed too (its largest child VmHWM ${fake_hwm} kB): the bridge was what buffered"
else
    it_fail "fake-lisp streamed too" "largest child VmHWM: ${fake_hwm:-none logged} kB"
fi

# --- descriptors ---------------------------------------------------------------------
# Kept backend sockets are legitimate until the idle sweep (every --io-timeout)
# closes those idle for longer than --io-timeout; client connections linger
# up to 2 s after a close. After that, the count must be the baseline's.
fds_busy=$(fd_count "$bridge_pid")
deadline=$(( $(now_ms) + (2 * IO_TIMEOUT + 3) * 1000 ))
while [ "$(fd_count "$bridge_pid")" -gt "$fds_start" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.2
done
fds_end=$(fd_count "$bridge_pid")
echo "fcgi-lisp descriptors: $fds_start at start, $fds_busy right after the transfers, $fds_end when idle"
it_check_eq "no descriptor leaked once idle (kept sockets swept)" "$fds_start" "$fds_end"
if [ "$fds_end" != "$fds_start" ]; then
    ls -l "/proc/$bridge_pid/fd" >&2
fi

# --- stop ------------------------------------------------------------------------------
kill -TERM "$bridge_pid"
wait "$bridge_pid"
it_check_eq "after SIGTERM fcgi-lisp exits 0" 0 "$?"
it_check_not_contains "fcgi-lisp's log has no sanitizer report" "Sanitizer" "$(cat "$IT_DIR/fcgi-lisp.log")"

it_finish
