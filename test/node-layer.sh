# Sourced by the runners of node:test files (run-integration.sh, run-realtime-asan.sh).
# node_layer LAYER FILE...: runs the files (TAP) with a TMPDIR of their own, readable by the
# servers' www-data children, which must be empty again at the end: files left there fail the
# layer, and the folder goes either way, so even a failed run leaves nothing in /tmp. Shows the
# log on a failure (everything with VERBOSE=1) and sets p, f and s (passed, failed, skipped).
# NODE_TEST_JOBS files at a time (default 2: most of a file's time is spent waiting on its
# servers; each file has servers, ports and roots of its own).
node_layer() {
    nl_layer=$1; shift
    nl_log=$(mktemp)
    nl_tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-$nl_layer.XXXXXX")
    chmod 755 "$nl_tmp"
    TMPDIR=$nl_tmp node --test --test-reporter=tap --test-concurrency="${NODE_TEST_JOBS:-2}" "$@" >"$nl_log" 2>&1
    nl_rc=$?
    nl_left=$(ls -A "$nl_tmp")
    rm -rf "$nl_tmp"
    if [ $nl_rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$nl_log"; fi
    p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$nl_log" | tail -n 1)
    f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$nl_log" | tail -n 1)
    s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$nl_log" | tail -n 1)
    p=${p:-0}; f=${f:-0}; s=${s:-0}
    rm -f "$nl_log"
    if [ $nl_rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "$nl_layer: runner exited $nl_rc"; fi
    if [ -n "$nl_left" ]; then
        f=$((f + 1)); echo "$nl_layer: left files in TMPDIR: $(echo $nl_left)"
    fi
}
