#!/bin/sh
# make bench: wrk on loopback against one server, every route as a ratio of Apache serving a
# small static file in the same run. The server is a generated root with the spec's defaults
# except the rate limits, which are raised so the benchmark measures the code, not the 429s.
# Env: DURATION (s, default 10), CONNS (default 64), THREADS (default 2).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/bench/lib.sh"

# Warm up: let the MPM spawn its children and every child open its store connections.
wrk -t"$threads" -c"$conns" -d3s "$base/.bench-static.txt" >/dev/null
warm 3 "$base/api/users/profile"

printf '%-34s %10s %9s %8s %7s\n' route 'req/s' 'p99 ms' 'errors' 'ratio'
static=$(measure "$base/.bench-static.txt")
static_rps=${static%% *}
row() {
    name=$1; shift
    r=$(measure "$@")
    set -- $r
    printf '%-34s %10s %9s %8s %7s\n' "$name" "$1" "$2" "$3" "$(ratio "$1" "$static_rps")"
}
set -- $static
printf '%-34s %10s %9s %8s %7s\n' "static file (271 B)" "$1" "$2" "$3" "1.00"
row "GET /api/health" "$base/api/health"
row "GET /api/users/profile (auth)" "$base/api/users/profile"
for f in "$top"/test/bench/routes.d/*.sh; do
    [ -f "$f" ] && . "$f"
done
grep -E ':(error|crit|alert|emerg)\]' "$root/logs/error.log" && { echo "bench: errors logged"; exit 1; } || true
