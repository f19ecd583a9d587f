#!/bin/sh
# The real-time integration files (test/integration/realtime_*.test.mjs) against an
# ASan+UBSan build of skillbarter-realtime (build/asan/skillbarter-realtime, made by
# `make test-realtime-asan`): the harness fails a file when the daemon writes anything to
# stderr (a sanitizer report) or exits other than 0 (LeakSanitizer at exit).
# Prints "realtime-asan: N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${SB_REALTIME:-$top/build/asan/skillbarter-realtime}
if [ ! -x "$bin" ]; then
    echo "realtime-asan: no daemon $bin"; echo "realtime-asan: 0 passed, 1 failed, 0 skipped"; exit 1
fi
SB_REALTIME=$bin
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export SB_REALTIME ASAN_OPTIONS
log=$(mktemp)
node --test --test-reporter=tap "$top"/test/integration/realtime_*.test.mjs >"$log" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; fi
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -n 1)
p=${p:-0}; f=${f:-0}; s=${s:-0}
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "realtime-asan: runner exited $rc"; fi
echo "realtime-asan: $p passed, $f failed, $s skipped"
rm -f "$log"
[ "$f" -eq 0 ]
