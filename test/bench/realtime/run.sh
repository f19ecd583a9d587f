#!/bin/sh
# make bench-realtime: installs socket.io 4.8 and ws into build/rt-bench (git-ignored) with
# npm, builds the echo generator (echo_load.c) there, then runs bench.mjs (see there).
# RT_BENCH_ECHO_GEN= (empty) drives the echo rows with load.mjs instead.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
mods=$top/build/rt-bench
if [ ! -d "$mods/node_modules/socket.io" ]; then
    mkdir -p "$mods"
    (cd "$mods" && npm install --no-audit --no-fund --loglevel=error socket.io@4.8.1 ws@8.18.0 >/dev/null)
fi
# the echo rows' generator (echo_load.c): rebuilt when its source is newer
gen=$mods/echo_load
if [ ! -x "$gen" ] || [ "$top/test/bench/realtime/echo_load.c" -nt "$gen" ]; then
    ${CC:-cc} -O2 -std=c11 -Wall -Wextra -o "$gen" "$top/test/bench/realtime/echo_load.c"
fi
RT_BENCH_ECHO_GEN=${RT_BENCH_ECHO_GEN-$gen}
export RT_BENCH_ECHO_GEN
ulimit -n 65536 2>/dev/null || true
RT_BENCH_NODE_MODULES=$mods/node_modules
export RT_BENCH_NODE_MODULES
# (the harness it imports brings node:test along: its report goes nowhere, not into the bench's)
exec node --test-reporter=dot --test-reporter-destination=/dev/null "$top/test/bench/realtime/bench.mjs"
