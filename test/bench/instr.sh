#!/bin/sh
# make bench-instr: instructions per request per route, counted by valgrind's callgrind in one
# httpd process (-X) serving a fixed number of keep-alive requests per route. Unlike wrk's
# rates these counts repeat to within a fraction of a percent on a loaded shared machine, so
# they are what a change to the per-request path is judged by.
# Callgrind dumps its counters at the end of every request (--dump-after), so each dump is one
# whole request cycle (read, handler, log, write); a route's figure is the median of its dumps.
# Env: N (requests per route, default 30), USERS (seeded users, default
# 10000), MESSAGES (seeded messages, default 100000), INSTR_KEEP (a folder: one request's
# callgrind profile per route is copied there).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
instr_n=${N:-30}; users=${USERS:-10000}; messages=${MESSAGES:-100000}
. "$top/test/bench/lib.sh"
. "$top/test/bench/discover_routes.sh"
# the same people every run (--seed), so the counts compare across runs
"$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed "$users" --seed 42 >/dev/null
sqlite3 "$root/data/skillbarter.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1 || true
bench_skills "$SB_BENCH_TOKEN"
"$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed-messages "$messages" benchuser 200 \
    >/dev/null
chown -R www-data:www-data "$root/data"
cursor=$(auth_get "/api/discover?limit=12" | sed -n 's/.*"nextCursor":"\([^"]*\)".*/\1/p')
someone=$(auth_get "/api/discover?limit=1" | sed -n 's/.*"_id":"\([0-9a-f]*\)".*/\1/p')
receiver=$(auth_get "/api/messages/conversations?limit=1" \
    | sed -n 's/.*"otherUser":{"_id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$cursor" ] && [ -n "$someone" ] && [ -n "$receiver" ] || { echo "instr: setup failed"; exit 1; }

# The same root, now served by one process under callgrind.
pid=$(cat "$root/run/httpd.pid")
ctl -k stop
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
mkdir "$root/cg"; chown www-data "$root/cg"
valgrind --tool=callgrind --callgrind-out-file="$root/cg/cg.out" \
    --dump-after=ap_process_request_after_handler \
    /usr/sbin/apache2 -X -d "$root" -f "$root/conf/httpd.conf" >"$root/logs/vg.log" 2>&1 &
vg=$!
bench_stops="$vg"
i=0; until curl -fsS -o /dev/null "$base/api/health" 2>/dev/null; do
    i=$((i+1)); [ $i -lt 600 ] || { echo "instr: server did not start"; exit 1; }; sleep 0.2; done

# batch COUNT PATH [METHOD BODY]: a curl config of COUNT requests on one connection
batch() {
    cfg=$root/logs/batch.cfg; : > "$cfg"
    k=0
    while [ $k -lt "$1" ]; do
        k=$((k+1))
        { [ $k -gt 1 ] && echo next
          echo "url = \"$base$2\""; echo 'output = "/dev/null"'
          echo "header = \"Authorization: Bearer $SB_BENCH_TOKEN\""
          if [ -n "${3:-}" ]; then
              echo 'header = "Content-Type: application/json"'
              echo "data = \"$(printf '%s' "$4" | sed "s/@N@/$k/g; s/\"/\\\\\"/g")\""
          fi; } >> "$cfg"
    done
    curl -sS -K "$cfg"
}
base_dumps=0
dumps() { echo $((base_dumps + $(ls "$root/cg" | grep -c '\.[0-9]*$' || true))); }
wait_dumps() {  # until callgrind has written $1 dumps
    i=0; while [ "$(dumps)" -lt "$1" ]; do
        i=$((i+1)); [ $i -lt 600 ] || { echo "instr: dumps missing"; exit 1; }; sleep 0.1; done
}
measure_route() {  # NAME COUNT PATH [METHOD BODY]
    name=$1; count=$2; shift 2
    before=$(dumps)
    batch 3 "$@"                     # warm: statements prepared, caches filled
    wait_dumps $((before + 3))
    first=$(( $(dumps) + 1 ))
    batch "$count" "$@"
    wait_dumps $((first + count - 1))
    med=$(for k in $(seq "$first" $((first + count - 1))); do
              sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' \
                  "$root/cg/cg.out.$k" | head -1
          done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-36s %12s\n' "$name" "$med"
    if [ -n "${INSTR_KEEP:-}" ]; then   # one request's profile per route, for callgrind_annotate
        cp "$root/cg/cg.out.$((first + count / 2))" \
            "$INSTR_KEEP/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').cg"
    fi
    rm -f "$root"/cg/cg.out.*
    base_dumps=$((first + count - 1))
}
printf '%-36s %12s\n' route 'Ir/request'
measure_route "static file (271 B)" "$instr_n" /.bench-static.txt
measure_route "GET /api/health" "$instr_n" /api/health
measure_route "GET /api/users/profile" "$instr_n" /api/users/profile
measure_route "GET /api/discover?category=Music" "$instr_n" "/api/discover?category=Music"
measure_route "GET /api/discover (2nd page)" "$instr_n" "/api/discover?limit=12&cursor=$cursor"
measure_route "GET /api/discover/search?q=guitar" "$instr_n" "/api/discover/search?q=guitar"
measure_route "GET /api/discover/categories" "$instr_n" /api/discover/categories
measure_route "GET /api/discover/trending" "$instr_n" /api/discover/trending
measure_route "GET /api/discover/:id" "$instr_n" "/api/discover/$someone"
measure_route "GET /api/discover/matches" "$instr_n" /api/discover/matches
measure_route "GET /api/messages/conversations" "$instr_n" /api/messages/conversations
measure_route "POST /api/messages/send" "$instr_n" /api/messages/send POST \
    "{\"receiver\":\"$receiver\",\"content\":\"instr message @N@\",\"messageType\":\"text\"}"
kill "$vg"; wait "$vg" 2>/dev/null || true
bench_stops=""
