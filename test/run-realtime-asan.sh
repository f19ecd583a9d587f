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
. "$top/test/node-layer.sh"
node_layer realtime-asan "$top"/test/integration/realtime_*.test.mjs
echo "realtime-asan: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
