#!/bin/sh
# make bench: wrk on loopback against one server, every route as a ratio of Apache serving a
# small static file measured right beside it: each row's load runs in short slices, each
# between two slices of the static file (S R S R S R S, same wrk settings), and the row's
# ratio is the median of its slice ratios, with their spread (rates on this shared VM drift
# by +-30 % over minutes; a baseline measured once at the start does not hold). The server is
# a generated root with the spec's defaults except the rate limits, which are raised so the
# benchmark measures the code, not the 429s. Env: see lib.sh (BENCH_SECONDS, BENCH_SLICES,
# BENCH_STATIC_SECONDS, CONNS, THREADS, BENCH_ROUTES); BENCH_TSV (default build/bench/last.tsv:
# the rows and targets of a run that passed).
# The bench fails when a measured route answers anything but 2xx (wrk would report a 401 or
# a 429 as a fast route), and when the error log gets a [warn] or worse, a crashed child
# (AH00052) or an untagged line (sanitizer or glibc text on stderr). At the end one line per
# target (test/bench/targets) says whether this run meets it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/test/bench/lib.sh"

# Warm up: let the MPM spawn its children and every child open its store connections.
wrk -t"$threads" -c"$conns" -d"${warm_s}s" "$base/.bench-static.txt" >/dev/null
warm "$warm_s" "$base/api/users/profile"

row_head
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
targets bench
keep_results "${BENCH_TSV:-$top/build/bench/last.tsv}"
