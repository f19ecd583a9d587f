#!/bin/sh
# make bench-scale: the cost of every discover route as the number of users grows. One server;
# 10,000 users are seeded, every discover route measured, then 90,000 more (100,000) and the
# same again (SCALE=1M: then 1,000,000 as well, about 10 minutes of seeding; not part of make
# test). At each size search is also measured while one user edits their profile 10 times a
# second. Prints each route's rate per size and the ratio to its rate at 10,000 (target: every
# ratio at 100,000 >= 0.8). Env as make bench (DURATION, CONNS, THREADS), and SCALE.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/bench/lib.sh"
. "$top/test/bench/discover_routes.sh"
sizes="10000 100000"
[ "${SCALE:-}" = 1M ] && sizes="$sizes 1000000"
results=$root/results
: > "$results"
size=0
record_row() {  # record "size<TAB>name<TAB>req/s<TAB>p99<TAB>errors"
    name=$1; shift
    set -- $(measure "$@")
    printf '%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$1" "$2" "$3" >> "$results"
    printf '  %-44s %10s req/s  p99 %7s ms  errors %s\n' "$name" "$1" "$2" "$3"
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
printf '%-44s' route; for s in $sizes; do printf ' %10s' "$s"; done
for s in $sizes; do [ "$s" = 10000 ] || printf ' %8s' "/10k@$s"; done; echo
cut -f2 "$results" | awk '!seen[$0]++' | while IFS= read -r name; do
    printf '%-44s' "$name"
    base_rps=$(awk -F'\t' -v n="$name" '$1 == 10000 && $2 == n {print $3}' "$results")
    for s in $sizes; do
        printf ' %10s' "$(awk -F'\t' -v n="$name" -v s="$s" '$1 == s && $2 == n {print $3}' "$results")"
    done
    for s in $sizes; do
        [ "$s" = 10000 ] && continue
        r=$(awk -F'\t' -v n="$name" -v s="$s" '$1 == s && $2 == n {print $3}' "$results")
        printf ' %8s' "$(ratio "$r" "$base_rps")"
    done
    echo
done
echo "(target: every ratio at 100,000 >= 0.8; the search (edits) row is compared with search at 10,000 too:" \
    "$(ratio "$(awk -F'\t' '$1 == 100000 && $2 ~ /edits/ {print $3}' "$results")" \
             "$(awk -F'\t' '$1 == 10000 && $2 == "GET /api/discover/search?q=guitar" {print $3}' "$results")"))"
grep -E ':(error|crit|alert|emerg)\]' "$root/logs/error.log" && { echo "bench: errors logged"; exit 1; } || true
