#!/bin/sh
# Runs cmocka test binaries and prints one summary line "unit: N passed, N failed, N skipped".
# VALGRIND=1 runs each under valgrind with leak checking (a leak or error fails the binary).
set -u
pass=0; fail=0; skip=0; bad=0
for t in "$@"; do
    name=$(basename "$t")
    log=$(mktemp)
    if [ "${VALGRIND:-}" = 1 ]; then
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
            "$t" >"$log" 2>&1
    else
        "$t" >"$log" 2>&1
    fi
    rc=$?
    # cmocka names a failed or skipped test twice (as it runs and in the closing list),
    # and prints "[  FAILED  ] N test(s)" once: count distinct names.
    p=$(grep -c '^\[       OK \]' "$log")
    f=$(grep -E '^\[  (FAILED|ERROR)   ?\] ' "$log" | grep -vE '\] [0-9]+ test' | sort -u | wc -l)
    s=$(grep -E '^\[  SKIPPED \] ' "$log" | grep -vE '\] [0-9]+ test' | sort -u | wc -l)
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        fail=$((fail + 1)); echo "unit: $name exited $rc"
    fi
    if [ $rc -ne 0 ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; bad=1; fi
    echo "unit: $name $p passed, $f failed, $s skipped"
    rm -f "$log"
done
echo "unit: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $bad -eq 0 ]
