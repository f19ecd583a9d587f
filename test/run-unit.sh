#!/bin/sh
# Runs cmocka test binaries and prints one summary line "<layer>: N passed, N failed, N skipped".
#
# UNIT_LAYER names the layer: unit (plain), unit-asan (binaries built with SAN=1) or
# unit-valgrind (each binary under valgrind with leak checking; VALGRIND=1 means the same).
# The two checker layers set SB_POOL_GUARD=1 (test/unit/sb_pool_guard.c: every pool allocation
# its own malloc block). CANARIES names programs broken on purpose, each of which passes only
# when caught: the pool and race canaries by the checker's report (checker layers only), the
# harness canaries (a case that crashes, a binary that litters TMPDIR) by this script.
#
# Binaries run UNIT_JOBS at a time (default: one per CPU), each in a TMPDIR of its own. A binary fails when it exits nonzero, when its output
# has sanitizer text, or when it leaves anything in its TMPDIR, even if every case was OK.
# With SB_RESULTS set, one line per case is appended to that file:
# "pass|fail|skip unit/<binary>/<case>" (run-all.sh counts a case once over all layers).
set -u
layer=${UNIT_LAYER:-unit}
[ "${VALGRIND:-}" = 1 ] && layer=unit-valgrind
case $layer in
    unit-asan) checker=asan ;;
    unit-valgrind) checker=valgrind ;;
    *) checker= ;;
esac
if [ -n "$checker" ]; then
    SB_POOL_GUARD=1; export SB_POOL_GUARD
fi
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}; export UBSAN_OPTIONS
results=${SB_RESULTS:-/dev/null}
sanitizer_text='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:'
sanitizer_text="$sanitizer_text|SUMMARY: UndefinedBehavior"
pass=0; fail=0; skip=0; bad=0

run() {
    if [ "$checker" = valgrind ]; then
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$@"
    else
        "$@"
    fi
}

# cmocka prints "[ RUN      ] case" and then OK / FAILED / SKIPPED / ERROR with the same name
# (failed and skipped ones again in the closing list). A case that started and never finished
# (the binary crashed in it) failed.
cases() {
    awk -v bin="$1" '
        function name(s) { return substr(s, 14) }
        /^\[ RUN      \] / { n = name($0); if (!(n in st)) order[++k] = n; st[n] = "fail"; next }
        /^\[       OK \] / { st[name($0)] = "pass"; next }
        /^\[  SKIPPED \] / { n = name($0); if (n !~ /^[0-9]+ test/) st[n] = "skip"; next }
        /^\[  (FAILED  |ERROR   )\] / {
            n = name($0)
            if (n !~ /^[0-9]+ test/) { if (!(n in st)) order[++k] = n; st[n] = "fail" }
        }
        END { for (i = 1; i <= k; i++) print st[order[i]], "unit/" bin "/" order[i] }' "$2"
}

# judge <binary>: run it in a TMPDIR of its own (which must be empty again when it ends); sets
# log (its output), rec (its case records), p f s (counts) and why (what made it fail, beyond
# failed cases). The caller removes log and rec.
judge() {
    name=$(basename "$1")
    log=$(mktemp); rec=$(mktemp)
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-unit.XXXXXX")
    TMPDIR=$tmp run "$1" >"$log" 2>&1
    rc=$?
    left=$(cd "$tmp" && ls -A)
    rm -rf "$tmp"
    cases "$name" "$log" >"$rec"
    p=$(grep -c '^pass ' "$rec"); f=$(grep -c '^fail ' "$rec"); s=$(grep -c '^skip ' "$rec")
    why=
    if [ $rc -ne 0 ]; then why="exited $rc"; fi
    if grep -Eq "$sanitizer_text" "$log"; then why="${why:+$why, }printed a sanitizer report"; fi
    if [ -n "$left" ]; then why="${why:+$why, }left files in TMPDIR: $(echo $left)"; fi
    if [ -n "$why" ] && [ "$f" -eq 0 ]; then
        echo "fail unit/$name/(binary $why)" >>"$rec"; f=1
    fi
}

# --judge DIR BINARY (this script running itself, UNIT_JOBS at a time): judge one binary and
# leave DIR/NAME.log, .rec, .why and .rc for the summaries below.
if [ "${1:-}" = --judge ]; then
    judge "$3"
    mv "$log" "$2/$name.log"
    mv "$rec" "$2/$name.rec"
    printf '%s' "$why" >"$2/$name.why"
    echo "$rc" >"$2/$name.rc"
    exit 0
fi

# What a canary must show to be caught (want: the checker's report in its output; verdict:
# this script's own reason; also: a further line in its output or records), or skip when the
# layer has no checker for it.
canary_wants() {
    want=; also=.; verdict=
    case $checker/$1 in
        */canary_harness_litter) verdict='left files in TMPDIR' ;;
        */canary_harness_crash) verdict='exited' also='^fail unit/canary_harness_crash/crashes$' ;;
        asan/canary_pool_overflow) want='ERROR: AddressSanitizer: heap-buffer-overflow' ;;
        asan/canary_pool_use_after_clear) want='ERROR: AddressSanitizer: heap-use-after-free' ;;
        asan/canary_race_overflow) want='ERROR: AddressSanitizer: heap-buffer-overflow' ;;
        valgrind/canary_pool_overflow) want='Invalid write of size' ;;
        valgrind/canary_pool_use_after_clear) want='Invalid read of size' ;;
        valgrind/canary_race_overflow) want='Invalid write of size' ;;
        */canary_pool_*|*/canary_race_*) return 1 ;; # no checker in this layer
    esac
    [ "$1" = canary_race_overflow ] && also='race: racer [0-9]+ (exited nonzero|was killed)'
    return 0
}
canaries=
for t in ${CANARIES:-}; do
    canary_wants "$(basename "$t")" && canaries="$canaries $t"
done

# Every binary and canary UNIT_JOBS at a time (default: one per CPU; under valgrind each is
# one busy thread for minutes), through the same --judge, so the canaries prove the path the
# tests' verdicts take; then the results in the order given.
jobs=${UNIT_JOBS:-$(nproc 2>/dev/null || echo 1)}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%s\n' "$@" $canaries | xargs -r -P "$jobs" -n 1 "$0" --judge "$out"

# judged NAME: what --judge left for NAME (log, rec, why, rc; p f s counted from rec).
judged() {
    log=$out/$1.log; rec=$out/$1.rec
    why=$(cat "$out/$1.why" 2>/dev/null) || why="was not judged"
    rc=$(cat "$out/$1.rc" 2>/dev/null) || rc=1
    [ -f "$rec" ] || : >"$rec"
    [ -f "$log" ] || : >"$log"
    p=$(grep -c '^pass ' "$rec"); f=$(grep -c '^fail ' "$rec"); s=$(grep -c '^skip ' "$rec")
    if [ -n "$why" ] && [ "$f" -eq 0 ]; then
        echo "fail unit/$1/(binary $why)" >>"$rec"; f=1
    fi
}

for t in "$@"; do
    name=$(basename "$t")
    judged "$name"
    cat "$rec" >>"$results"
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ -n "$why" ] || [ "${VERBOSE:-}" = 1 ]; then cat "$log"; fi
    [ -n "$why" ] && { bad=1; echo "$layer: $name $why"; }
    echo "$layer: $name $p passed, $f failed, $s skipped"
done

# Canaries. Each is judged like a test binary and passes only when it is caught the way it
# is broken: by the checker's report (checker layers only), or by this script's own verdict
# (harness canaries, every layer).
for t in $canaries; do
    name=$(basename "$t")
    canary_wants "$name"
    judged "$name"
    if [ -n "$verdict" ]; then
        case $why in *"$verdict"*) caught=1 ;; *) caught= ;; esac
        [ -n "$caught" ] && ! grep -Eq "$also" "$rec" && caught=
        evidence=$verdict
    else
        caught=
        [ -n "$want" ] && [ "$rc" -ne 0 ] && grep -q "$want" "$log" && grep -Eq "$also" "$log" \
            && caught=1
        evidence=$want
    fi
    if [ -n "$caught" ]; then
        echo "$layer: canary $name caught ($evidence)"
        echo "pass unit/canary/$name" >>"$results"; pass=$((pass + 1))
    else
        cat "$log"
        echo "$layer: canary $name NOT caught (exit $rc${why:+; $why}; wanted \"$evidence\")"
        echo "fail unit/canary/$name" >>"$results"; fail=$((fail + 1)); bad=1
    fi
done
echo "$layer: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $bad -eq 0 ]
