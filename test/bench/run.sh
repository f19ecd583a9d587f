#!/bin/sh
# make bench: wrk on loopback against one server, every route as a ratio of Apache serving a
# small static file in the same run. The server is a generated root with the spec's defaults
# except the rate limits, which are raised so the benchmark measures the code, not the 429s.
# Env: BENCH_SECONDS or DURATION (s per measurement, default 10; BENCH_SECONDS=2 is a smoke
# run), CONNS (default 64), THREADS (default 2), BENCH_ROUTES (folder of route scripts,
# default test/bench/routes.d).
# The bench fails when a measured route answers anything but 2xx (wrk would report a 401 or
# a 429 as a fast route), and when the error log gets a [warn] or worse, a crashed child
# (AH00052) or an untagged line (sanitizer or glibc text on stderr).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/bench/lib.sh"

# Warm up: let the MPM spawn its children and every child open its store connections.
wrk -t"$threads" -c"$conns" -d"${warm_s}s" "$base/.bench-static.txt" >/dev/null
warm "$warm_s" "$base/api/users/profile"

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
for f in "$routes"/*.sh; do
    [ -f "$f" ] && . "$f"
done
# The log after the parent has exited (the module's cleanups log too): [warn] or worse, a
# child killed by a signal, or a line that is not Apache's "[date] [module:level] ...".
pid=$(cat "$root/run/httpd.pid")
ctl -k stop
n=0; while kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
    n=$((n + 1)); [ $n -lt 200 ] || { echo "bench: httpd did not stop"; exit 1; }; sleep 0.1
done
bad=$(grep -E ':(warn|error|crit|alert|emerg)\]|AH00052|exit signal' "$root/logs/error.log" || true)
untagged=$(grep -vE '^\[[^]]+\] \[[a-z_0-9]*:[a-z0-9]+\] ' "$root/logs/error.log" | grep -v '^$' || true)
if [ -n "$bad$untagged" ]; then
    printf 'bench: the error log is not clean:\n%s\n%s\n' "$bad" "$untagged"
    exit 1
fi
echo "bench: every route answered 2xx; the error log is clean"
