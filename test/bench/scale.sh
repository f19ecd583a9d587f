#!/bin/sh
# make bench-scale: the cost of every discover route as the number of users grows. One server;
# 10,000 users are seeded, every discover route measured, then 90,000 more (100,000) and the
# same again (SCALE=1M: then 1,000,000 as well, about 10 minutes of seeding; not part of make
# test). At each size search is also measured while one user edits their profile 10 times a
# second. Every row is sliced beside Apache's static file as in make bench (lib.sh), so the
# sizes, measured minutes apart on a drifting machine, are compared by their ratios to the
# static file: a route's scale ratio at 100,000 is its ratio there over its ratio at 10,000
# (target >= 0.8; test/bench/targets). Env as make bench (BENCH_SECONDS, BENCH_SLICES, CONNS,
# THREADS), SCALE, and BENCH_TSV (default build/bench/scale-last.tsv).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/bench/lib.sh"
. "$top/test/bench/discover_routes.sh"
sizes="10000 100000"
[ "${SCALE:-}" = 1M ] && sizes="$sizes 1000000"
size=0
row_w=50
record_row() {  # record_row NAME URL: a sliced row named "NAME @size"
    check_2xx "$2"
    r=$(sliced "$top/test/bench/report.lua" "$2")
    print_row "$1 @$size" "$r"
}
row() { record_row "$@"; }

editor=$(register benchedit)
bench_skills "$editor"
bench_skills "$SB_BENCH_TOKEN"
# edit_loop TOKEN FILE: a profile edit (bio text that search ranks) every 0.1 s on a fixed
# schedule, the number done so far in FILE
cat > "$root/edit.py" <<'PY'
import json, os, sys, time, urllib.request
base, token, out = sys.argv[1:4]
i, t = 0, time.monotonic()
while True:
    i += 1
    body = json.dumps({"bio": "guitar teacher, edit %d" % i}).encode()
    req = urllib.request.Request(base + "/api/users/profile", data=body, method="PUT",
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except Exception:
        pass
    with open(out + ".tmp", "w") as f:
        f.write(str(i))
    os.replace(out + ".tmp", out)
    t += 0.1
    time.sleep(max(0.0, t - time.monotonic()))
PY
edit_loop() { exec python3 "$root/edit.py" "$base" "$1" "$2"; }
seeded=0
for want in $sizes; do
    echo "seeding to $want users ..."
    seed $((want - seeded))
    seeded=$want
    size=$want
    SB_BENCH_TOKEN=$(login benchuser); export SB_BENCH_TOKEN
    editor=$(login benchedit)
    row() { warm 2 "$2"; }   # first every route once, so no row pays for a cold cache
    discover_rows
    row() { record_row "$@"; }
    echo "$want users:"
    row_head
    discover_rows
    sleep 3   # let the last row's requests drain
    rm -f "$root/edits"   # the count of the last size's loop
    edit_loop "$editor" "$root/edits" & edit_pid=$!
    bench_stops="$bench_stops $edit_pid"
    # the loop writes its count after its first edit (slow to come on a loaded machine)
    i=0; until [ -s "$root/edits" ]; do
        i=$((i+1)); [ $i -lt 300 ] || { echo "scale: the edit loop did not start"; exit 1; }
        sleep 0.1; done
    e0=$(cat "$root/edits"); t0=$(date +%s.%N)
    row "GET /api/discover/search?q=guitar (edits)" "$base/api/discover/search?q=guitar"
    e1=$(cat "$root/edits"); t1=$(date +%s.%N)
    kill "$edit_pid" 2>/dev/null || true; wait "$edit_pid" 2>/dev/null || true
    echo "  (profile edits during that row: $(awk -v a="$e0" -v b="$e1" -v s="$t0" -v t="$t1" \
        'BEGIN{printf "%.1f/s", (b - a) / (t - s)}'))"
done

echo
# each route: its ratio to the static file per size, then that ratio over its ratio at 10,000
printf '%-44s' route; for s in $sizes; do printf ' %8s' "@$s"; done
for s in $sizes; do [ "$s" = 10000 ] || printf ' %10s' "/10k@$s"; done; echo
awk -F'\t' -v sizes="$sizes" '
    BEGIN { k = 0 }
    $1 == "row" { n = $2; sub(/ @[0-9]+$/, "", n); s = substr($2, length(n) + 3)
                  if (!(n in seen)) { seen[n] = 1; order[k++] = n } q[n, s] = $5 }
    END {
        ns = split(sizes, sz, " ")
        for (i = 0; i < k; i++) {
            n = order[i]; printf "%-44s", n
            for (j = 1; j <= ns; j++) { v = "-"; if ((n, sz[j]) in q) v = q[n, sz[j]]; printf " %8s", v }
            b = n; sub(/ \(edits\)$/, "", b)   # search under edits against plain search
            for (j = 2; j <= ns; j++) {
                v = "-"
                if (((n, sz[j]) in q) && ((b, sz[1]) in q) && (q[b, sz[1]] + 0 > 0))
                    v = sprintf("%.2f", q[n, sz[j]] / q[b, sz[1]])
                printf " %10s", v
            }
            printf "\n"
        }
    }' "$results"
grep -E ':(error|crit|alert|emerg)\]' "$root/logs/error.log" && { echo "bench: errors logged"; exit 1; } || true
targets scale
keep_results "${BENCH_TSV:-$top/build/bench/scale-last.tsv}"
