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
duration=${BENCH_SECONDS:-${DURATION:-10}}; conns=${CONNS:-64}; threads=${THREADS:-2}
routes=${BENCH_ROUTES:-$top/test/bench/routes.d}
warm=$(( duration < 3 ? duration : 3 ))
root=$(mktemp -d /tmp/sb-bench-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18555)
base="http://127.0.0.1:$port"
extra=$root/extra.conf
# The static baseline lives in the server root (not in htdocs: benches may run side by side).
mkdir -p "$root/static"
head -c 271 /dev/zero | tr '\0' 'x' > "$root/static/bench-static.txt"
{ cat "$top/test/bench/bench.conf"
  echo "Alias /.bench-static.txt \"$root/static/bench-static.txt\""
  echo "<Directory \"$root/static\">"; echo "    Require all granted"; echo "</Directory>"
} > "$extra"
"$top/tools/mkroot.sh" "$root" "$port" event "$extra"
ctl() { /usr/sbin/apache2 -d "$root" -f "$root/conf/httpd.conf" "$@"; }
cleanup() { ctl -k stop >/dev/null 2>&1 || true; sleep 0.5; rm -rf "$root"; }
trap cleanup EXIT INT TERM
ctl -k start
i=0; until curl -fsS -o /dev/null "$base/api/health"; do i=$((i+1)); [ $i -lt 100 ]; sleep 0.1; done

# A user to read the profile of.
token=$(curl -fsS -H 'content-type: application/json' \
  -d '{"username":"benchuser","email":"bench@example.org","password":"bench password","firstName":"Bench","lastName":"User"}' \
  "$base/api/auth/register" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "bench: could not register"; exit 1; }
export SB_BENCH_TOKEN=$token

# wrk's summary → "req/s p99_ms errors" (errors: socket errors). The route must answer 2xx
# before (curl, any status) and during the run (wrk: no answer >= 400); else the bench fails.
measure() {
    for url; do :; done
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${SB_BENCH_TOKEN:-}" "$url")
    case $code in
        2??) ;;
        *) echo "bench: $url answers $code, not 2xx" >&2; exit 1 ;;
    esac
    out=$(wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$top/test/bench/report.lua" "$@")
    res=$(echo "$out" | sed -n 's/^SBRESULT //p')
    [ -n "$res" ] || { echo "bench: no result from wrk for $url: $out" >&2; exit 1; }
    set -- $res
    if [ "$3" -ne 0 ]; then
        echo "bench: $url answered $3 non-2xx responses during the run" >&2; exit 1
    fi
    echo "$1 $2 $4"
}

# Warm up: let the MPM spawn its children and every child open its store connections.
wrk -t"$threads" -c"$conns" -d"${warm}s" "$base/.bench-static.txt" >/dev/null
wrk -t"$threads" -c"$conns" -d"${warm}s" -s "$top/test/bench/report.lua" "$base/api/users/profile" >/dev/null

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
