#!/bin/sh
# Every test layer in turn; the last line is the total: "N passed, N failed[, N skipped]".
# Layers: unit (cmocka), unit under ASan+UBSan, unit under valgrind, configuration
# reference check, integration (real httpd + module + SQLite), fuzz smoke run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$(mktemp)

run_layer() {
    name=$1; shift
    echo "== $name"
    log=$(mktemp)
    "$@" >"$log" 2>&1
    rc=$?
    cat "$log"
    line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        line="$name: 0 passed, 1 failed, 0 skipped"
        echo "$line (the layer printed no summary; exit $rc)"
    elif [ $rc -ne 0 ] && echo "$line" | grep -q ' 0 failed'; then
        line="$name: 0 passed, 1 failed, 0 skipped"
        echo "$name exited $rc"
    fi
    echo "$line" >>"$out"
    rm -f "$log"
}

run_layer unit make --no-print-directory test-unit
run_layer unit-asan make --no-print-directory test-asan
run_layer unit-valgrind make --no-print-directory test-valgrind
run_layer conf test/check-conf-reference.sh
run_layer integration test/run-integration.sh
run_layer web-unit make --no-print-directory test-web-unit
run_layer e2e make --no-print-directory test-e2e
if [ -x test/fuzz/run.sh ]; then
    run_layer fuzz test/fuzz/run.sh "${FUZZ_SECONDS:-10}"
fi

echo "== summary"
cat "$out"
p=0; f=0; s=0
while read -r line; do
    n=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p'); p=$((p + ${n:-0}))
    n=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p'); f=$((f + ${n:-0}))
    n=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p'); s=$((s + ${n:-0}))
done <"$out"
rm -f "$out"
if [ "$s" -gt 0 ]; then
    echo "$p passed, $f failed, $s skipped"
else
    echo "$p passed, $f failed"
fi
[ "$f" -eq 0 ]
