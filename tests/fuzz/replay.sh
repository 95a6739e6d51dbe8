#!/bin/sh
# Replays every seed corpus through its fuzz target (built without libFuzzer).
# Fails if a corpus is empty or a target aborts on any input.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
status=0
for target in fcgi_record fcgi_params modlisp_response command_split spawn_args sexp form lisplets_reply lisplets_request cookie store_record; do
    corpus="$top_srcdir/tests/fuzz/corpus/$target"
    set -- "$corpus"/*
    if [ ! -e "$1" ]; then
        echo "replay.sh: corpus $corpus is empty" >&2
        status=1
        continue
    fi
    if ! "$top_builddir/tests/fuzz/replay_$target" "$@"; then
        echo "replay.sh: $target failed on its corpus" >&2
        status=1
    fi
done
exit $status
