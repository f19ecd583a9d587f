#!/bin/sh
# Runs the node:test integration files (TAP) and prints "integration: N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
node --test --test-reporter=tap "$top"/test/integration/*.test.mjs >"$log" 2>&1
rc=$?
# Show failures (and everything when VERBOSE=1).
if [ $rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; fi
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -n 1)
p=${p:-0}; f=${f:-0}; s=${s:-0}
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "integration: runner exited $rc"; fi
echo "integration: $p passed, $f failed, $s skipped"
rm -f "$log"
[ "$f" -eq 0 ]
