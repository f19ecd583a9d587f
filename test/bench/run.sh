#!/bin/sh
# make bench: wrk on loopback against one server, every route as a ratio of Apache serving a
# small static file in the same run. The server is a generated root with the spec's defaults
# except the rate limits, which are raised so the benchmark measures the code, not the 429s.
# Env: DURATION (s, default 10), CONNS (default 64), THREADS (default 2).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
duration=${DURATION:-10}; conns=${CONNS:-64}; threads=${THREADS:-2}
root=$(mktemp -d /tmp/sb-bench-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18555)
base="http://127.0.0.1:$port"
extra=$root/extra.conf
cat "$top/test/bench/bench.conf" > "$extra"
"$top/tools/mkroot.sh" "$root" "$port" event "$extra"
head -c 271 /dev/zero | tr '\0' 'x' > "$top/build/web/.bench-static.txt"
ctl() { /usr/sbin/apache2 -d "$root" -f "$root/conf/httpd.conf" "$@"; }
cleanup() { ctl -k stop 2>/dev/null || true; sleep 0.5; rm -rf "$root" "$top/build/web/.bench-static.txt"; }
trap cleanup EXIT INT TERM
ctl -k start
i=0; until curl -fsS -o /dev/null "$base/api/health"; do i=$((i+1)); [ $i -lt 100 ]; sleep 0.1; done

# A user to read the profile of.
token=$(curl -fsS -H 'content-type: application/json' \
  -d '{"username":"benchuser","email":"bench@example.org","password":"bench password","firstName":"Bench","lastName":"User"}' \
  "$base/api/auth/register" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "bench: could not register"; exit 1; }
export SB_BENCH_TOKEN=$token

# wrk's summary → "req/s p99_ms non2xx"
measure() {
    out=$(wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$top/test/bench/report.lua" "$@")
    echo "$out" | sed -n 's/^SBRESULT //p'
}

# Warm up: let the MPM spawn its children and every child open its store connections.
wrk -t"$threads" -c"$conns" -d3s "$base/.bench-static.txt" >/dev/null
wrk -t"$threads" -c"$conns" -d3s -s "$top/test/bench/report.lua" "$base/api/users/profile" >/dev/null

printf '%-34s %10s %9s %8s %7s\n' route 'req/s' 'p99 ms' 'errors' 'ratio'
static=$(measure "$base/.bench-static.txt")
static_rps=${static%% *}
row() {
    name=$1; shift
    r=$(measure "$@")
    set -- $r
    printf '%-34s %10s %9s %8s %7s\n' "$name" "$1" "$2" "$3" \
        "$(awk -v a="$1" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
}
set -- $static
printf '%-34s %10s %9s %8s %7s\n' "static file (271 B)" "$1" "$2" "$3" "1.00"
row "GET /api/health" "$base/api/health"
row "GET /api/users/profile (auth)" "$base/api/users/profile"
for f in "$top"/test/bench/routes.d/*.sh; do
    [ -f "$f" ] && . "$f"
done
grep -E ':(error|crit|alert|emerg)\]' "$root/logs/error.log" && { echo "bench: errors logged"; exit 1; } || true
