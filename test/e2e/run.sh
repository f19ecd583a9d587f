#!/bin/sh
# Browser tests (node:test + playwright-core + Debian chromium) against real servers; prints
# "e2e: N passed, N failed, N skipped". Screenshots go to test/e2e/artifacts/ (git-ignored).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp)
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "e2e: no chromium at ${CHROMIUM:-/usr/bin/chromium} (make deps installs it)"
    echo "e2e: 0 passed, 1 failed, 0 skipped"
    exit 1
fi
start=$(date +%s)
# every test and the whole layer bounded: a page that never shows what a test waits for fails
# that test instead of hanging the run
timeout -k 10 900 node --test --test-reporter=tap --test-concurrency=1 --test-timeout=180000 \
    "$top"/test/e2e/*.test.mjs >"$log" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; fi
grep -E '^# (Subtest|SKIP)|# SKIP' "$log" | grep SKIP | sed 's/^ */e2e skipped: /' || true
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)
s=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$log" | tail -n 1)
p=${p:-0}; f=${f:-0}; s=${s:-0}
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "e2e: runner exited $rc"; fi
echo "e2e: took $(( $(date +%s) - start )) s; screenshots in test/e2e/artifacts/"
echo "e2e: $p passed, $f failed, $s skipped"
rm -f "$log"
[ "$f" -eq 0 ]
