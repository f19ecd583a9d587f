#!/bin/sh
# Every test layer in turn; the last line is the total: "N passed, N failed[, N skipped]".
#
# Layers: unit (cmocka), unit-asan (the same under ASan+UBSan), unit-valgrind (the same under
# valgrind), conf (configuration reference check), integration (real httpd + module + SQLite),
# integration-asan (the same against an ASan build of the module, when the Makefile has
# test-integration-asan), realtime-asan (the real-time files against an ASan build of the
# daemon), fuzz (a short libFuzzer run of each parser).
#
# A test is counted once, however many layers ran it: the unit layers share their cases, the
# integration layers theirs. A test failed if it failed in any layer, passed if it passed in
# one and failed in none, and is skipped if every layer skipped it. Each layer's own line is
# printed above the distinct counts.
#
# Per-test results: a layer writes "pass|fail|skip <group>/<id>" lines to $SB_RESULTS
# (run-unit.sh, fuzz/run.sh); for the integration layers they are read from the node TAP
# (leaf tests only). A layer that gives neither is counted from its summary line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/layers"

# TAP from node --test: "ok N - name", "not ok N - name", "... # SKIP"; a test line whose
# predecessor is indented deeper closes a parent (a suite or a test with subtests).
tap_records() {
    awk -v group="$1" '
        /^ *(not )?ok [0-9]+ - / {
            ind = match($0, /[^ ]/) - 1
            parent = (have && prev > ind); prev = ind; have = 1
            if (parent) next
            line = substr($0, ind + 1)
            st = (line ~ /^not ok/) ? "fail" : "pass"
            sub(/^(not )?ok [0-9]+ - /, "", line)
            if (line ~ / # [Ss][Kk][Ii][Pp]/ || line ~ / # [Tt][Oo][Dd][Oo]/) {
                if (st == "pass") st = "skip"
                sub(/ # ([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo]).*$/, "", line)
            }
            id = group "/" line
            if (++seen[id] > 1) id = id " #" seen[id]
            print st, id
        }' "$2"
}

# run_layer <name> <group> <tap|-> <command...>
run_layer() {
    name=$1; group=$2; tap=$3; shift 3
    echo "== $name"
    t0=$(date +%s)
    log=$work/$name.log; rec=$work/$name.rec
    : >"$rec"
    if [ "$tap" = tap ]; then
        SB_RESULTS=$rec VERBOSE=1 "$@" >"$log" 2>&1
    else
        SB_RESULTS=$rec "$@" >"$log" 2>&1
    fi
    rc=$?
    # the layer's summary (a layer may name itself by its group, e.g. "integration:")
    line=$(grep -E "^($name|$group): [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1 \
        | sed "s/^[a-z-]*:/$name:/")
    if [ "$tap" = tap ] && [ ! -s "$rec" ]; then
        tap_records "$group" "$log" >"$rec"
    fi
    if [ $rc -ne 0 ]; then
        cat "$log"
    else
        # the layer's own lines (not cmocka's or TAP's chatter)
        grep -E "^($name|$group): " "$log"
    fi
    if [ -z "$line" ]; then
        line="$name: 0 passed, 1 failed, 0 skipped"
        echo "$line (the layer printed no summary; exit $rc)"
        echo "fail $group/($name printed no summary)" >>"$rec"
    elif [ ! -s "$rec" ]; then
        # no per-test names: one record per counted test, by position within the group
        for st in passed failed skipped; do
            k=$(echo "$line" | sed -n "s/.* \([0-9]*\) $st.*/\1/p")
            i=0
            while [ "$i" -lt "${k:-0}" ]; do
                i=$((i + 1)); echo "${st%ed} $group/#${st%ed}$i"
            done
        done | sed 's/^skipp /skip /' >"$rec"
    fi
    if [ $rc -ne 0 ] && ! grep -q '^fail ' "$rec"; then
        echo "$name exited $rc"
        echo "fail $group/($name exited $rc)" >>"$rec"
    fi
    echo "$name $group $line" >>"$work/layers"
    echo "$name took $(( $(date +%s) - t0 )) s"
}

run_layer unit unit - make --no-print-directory test-unit
run_layer unit-asan unit - make --no-print-directory test-asan
run_layer unit-valgrind unit - make --no-print-directory test-valgrind
run_layer conf conf - test/check-conf-reference.sh
run_layer format format - make --no-print-directory format-check
run_layer integration integration tap test/run-integration.sh
if make -n test-integration-asan >/dev/null 2>&1; then
    run_layer integration-asan integration tap make --no-print-directory test-integration-asan
fi
if make -n test-realtime-asan >/dev/null 2>&1; then
    run_layer realtime-asan integration tap make --no-print-directory test-realtime-asan
fi
run_layer web-unit web-unit - make --no-print-directory test-web-unit
run_layer e2e e2e tap make --no-print-directory test-e2e
if [ -x test/fuzz/run.sh ]; then
    run_layer fuzz fuzz - make --no-print-directory test-fuzz
fi

echo "== summary"
# each layer's own count
while read -r name group line; do
    echo "$line"
done <"$work/layers"
# records tagged with their layer, then one verdict per test
while read -r name group line; do
    sed "s|^|$name |" "$work/$name.rec"
done <"$work/layers" >"$work/all"
awk '
    { layer = $1; st = $2; id = substr($0, length($1) + length($2) + 3)
      g = id; sub(/\/.*/, "", g); group[id] = g
      if (!(id in v)) { order[++n] = id; v[id] = st }
      else if (st == "fail" || (st == "pass" && v[id] == "skip")) v[id] = st
      if (!index(layers[g] " ", " " layer " ")) layers[g] = layers[g] " " layer
      if (st == "fail") failed_in[id] = failed_in[id] " " layer }
    END {
        for (i = 1; i <= n; i++) { id = order[i]; c[group[id], v[id]]++; t[v[id]]++
            if (!(group[id] in gs)) { gs[group[id]] = 1; go[++m] = group[id] } }
        for (i = 1; i <= n; i++) if (v[order[i]] == "fail")
            print "FAILED " order[i] " (in" failed_in[order[i]] ")"
        for (j = 1; j <= m; j++) { g = go[j]
            printf "distinct %s (layers%s): %d passed, %d failed, %d skipped\n", g, layers[g],
                   c[g, "pass"], c[g, "fail"], c[g, "skip"] }
        if (t["skip"] > 0)
            printf "%d passed, %d failed, %d skipped\n", t["pass"], t["fail"], t["skip"]
        else printf "%d passed, %d failed\n", t["pass"], t["fail"]
        exit t["fail"] > 0
    }' "$work/all"
