#!/bin/sh
# Vitest unit tests of the web app's client logic; prints "web-unit: N passed, N failed, N skipped".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
start=$(date +%s)
json=$(mktemp)
(cd "$top/htdocs" && nice npx --no-install vitest run --reporter=default --reporter=json \
    --outputFile.json="$json") >"$log" 2>&1
rc=$?
if [ $rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; fi
counts=$(node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8") || "{}");
const s = (r.numPendingTests || 0) + (r.numTodoTests || 0);
console.log(`${r.numPassedTests || 0} ${r.numFailedTests || 0} ${s}`);' "$json" 2>/dev/null || echo "0 0 0")
set -- $counts
p=$1; f=$2; s=$3
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "web-unit: vitest exited $rc"; fi
echo "web-unit: took $(( $(date +%s) - start )) s"
echo "web-unit: $p passed, $f failed, $s skipped"
rm -f "$log" "$json"
[ "$f" -eq 0 ]
