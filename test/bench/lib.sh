# Shared by test/bench/run.sh and test/bench/scale.sh (sourced; needs $top): one benchmark
# server from a generated root with bench.conf, a registered user, and wrk helpers.
# Env: BENCH_SECONDS or DURATION (s per measurement, default 10; BENCH_SECONDS=2 is a smoke
# run), CONNS (default 64), THREADS (default 2), BENCH_ROUTES (folder of route scripts,
# default test/bench/routes.d).
duration=${BENCH_SECONDS:-${DURATION:-10}}; conns=${CONNS:-64}; threads=${THREADS:-2}
routes=${BENCH_ROUTES:-$top/test/bench/routes.d}
warm_s=$(( duration < 3 ? duration : 3 ))
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo "$1"
}
root=$(mktemp -d /tmp/sb-bench-XXXXXX)
port=$(free_port 18555)
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
bench_stops=""          # more "kill PID" work for cleanup (background helpers)
cleanup() {
    for pid in $bench_stops; do kill "$pid" 2>/dev/null || true; done
    ctl -k stop 2>/dev/null || true; sleep 0.5
    rm -rf "$root"
}
trap cleanup EXIT INT TERM
ctl -k start
i=0; until curl -fsS -o /dev/null "$base/api/health"; do i=$((i+1)); [ $i -lt 100 ]; sleep 0.1; done

# register NAME: prints the access token of a new account NAME (password "bench password")
register() {
    curl -fsS -H 'content-type: application/json' \
      -d "{\"username\":\"$1\",\"email\":\"$1@example.org\",\"password\":\"bench password\",\"firstName\":\"Bench\",\"lastName\":\"User\"}" \
      "$base/api/auth/register" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
# login NAME: a fresh access token (they last 15 minutes)
login() {
    curl -fsS -H 'content-type: application/json' \
      -d "{\"login\":\"$1\",\"password\":\"bench password\"}" \
      "$base/api/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
# A user to read the profile of, and whose token every /api row sends.
token=$(register benchuser)
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
warm() { wrk -t"$threads" -c"$conns" -d"${1}s" -s "$top/test/bench/report.lua" "$2" >/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }
# seed N: N more realistic users into the running server's store (WAL readers see them at
# their next query), in batches of at most 100,000 (one transaction each).
seed() {
    left=$1
    while [ "$left" -gt 0 ]; do
        n=$left; [ "$n" -gt 100000 ] && n=100000
        "$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed "$n" >/dev/null
        left=$((left - n))
    done
    # fold the seed's WAL into the database, so the first row measured does not pay for it
    sqlite3 "$root/data/skillbarter.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1 || true
    chown -R www-data:www-data "$root/data"
}
