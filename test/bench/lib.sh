# Shared by test/bench/run.sh and test/bench/scale.sh (sourced; needs $top): one benchmark
# server from a generated root with bench.conf, a registered user, and wrk helpers.
# Env: BENCH_SECONDS or DURATION (s of load per route row, default 6; BENCH_SECONDS=1 is a
# smoke run), BENCH_SLICES (the row's load in this many slices, default 3), BENCH_STATIC_SECONDS
# (each slice of the static file between them, default 1), CONNS (default 64), THREADS
# (default 2), BENCH_ROUTES (folder of route scripts, default test/bench/routes.d).
duration=${BENCH_SECONDS:-${DURATION:-6}}; conns=${CONNS:-64}; threads=${THREADS:-2}
slices=${BENCH_SLICES:-3}; [ "$slices" -le "$duration" ] || slices=$duration
slice_s=$(( duration / slices ))           # wrk takes whole seconds
static_s=${BENCH_STATIC_SECONDS:-1}
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
# httpd with core dumps allowed: a crashed child (AH00052) leaves a core in $root/cores
# (CoreDumpDirectory, tools/mkroot.sh), which cleanup keeps in build/cores.
ctl() {
    (ulimit -c unlimited 2>/dev/null || true
     exec /usr/sbin/apache2 -d "$root" -f "$root/conf/httpd.conf" "$@")
}
# keep_cores: every core in $root/cores moved to build/cores with a copy of the module that
# made it (the build will have changed by the time someone reads it); says so on stderr.
keep_cores() {
    for c in "$root"/cores/*; do
        [ -f "$c" ] || continue
        k=$top/build/cores/$(date -u +%Y%m%dT%H%M%S)-$$
        mkdir -p "$k"
        mv "$c" "$k/"
        cp "${SB_MODULE:-$top/build/mod_skillbarter.so}" "$k/" 2>/dev/null || true
        echo "bench: a child left a core: ${k#$top/}/$(basename "$c")" \
            "(gdb /usr/sbin/apache2 ${k#$top/}/$(basename "$c"))" >&2
    done
}
bench_stops=""          # more "kill PID" work for cleanup (background helpers)
cleanup() {
    for pid in $bench_stops; do kill "$pid" 2>/dev/null || true; done
    ctl -k stop >/dev/null 2>&1 || true; sleep 0.5
    keep_cores
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

# wrk_once SECONDS SCRIPT URL: one wrk run → "req/s p99_ms socket_errors". An answer >= 400
# during the run fails the bench (wrk would report a 401 or a 429 as a fast route).
wrk_once() {
    out=$(wrk -t"$threads" -c"$conns" -d"${1}s" --latency -s "$2" "$3")
    res=$(echo "$out" | sed -n 's/^SBRESULT //p')
    [ -n "$res" ] || { echo "bench: no result from wrk for $3: $out" >&2; exit 1; }
    set -- "$3" $res
    if [ "$4" -ne 0 ]; then
        echo "bench: $1 answered $4 non-2xx responses during the run" >&2; exit 1
    fi
    echo "$2 $3 $5"
}
# check_2xx URL: the route answers 2xx before it is measured (curl, any status; wrk counts
# neither 1xx nor 3xx), else the bench fails.
check_2xx() {
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${SB_BENCH_TOKEN:-}" "$1")
    case $code in
        2??) ;;
        *) echo "bench: $1 answers $code, not 2xx" >&2; exit 1 ;;
    esac
}
# measure URL: one run of $duration s → "req/s p99_ms socket_errors" (no baseline beside it).
measure() {
    for url; do :; done
    check_2xx "$url"
    wrk_once "$duration" "$top/test/bench/report.lua" "$url"
}
warm() { wrk -t"$threads" -c"$conns" -d"${1}s" -s "$top/test/bench/report.lua" "$2" >/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }'; }

# sliced SCRIPT URL: the route's load in $slices slices of $slice_s s, each between two slices
# of the static file with the same wrk settings (S R S R ... R S), so every route slice has a
# baseline measured seconds before and after it on this drifting machine. Prints
# "req/s static_req/s ratio min max p99_ms socket_errors": the route's and the static file's
# mean rates, the median of the slice ratios route / mean(static before, static after) and
# their spread, and the median p99 of the route slices. Before each route slice it calls the
# function named by $bench_before_slice, if set (a write route that must not repeat itself).
sliced() {
    sl=$root/slices
    r=$(wrk_once "$static_s" "$top/test/bench/report.lua" "$base/.bench-static.txt")
    echo "S $r" > "$sl"
    i=0
    while [ $i -lt "$slices" ]; do
        [ -z "${bench_before_slice:-}" ] || "$bench_before_slice"
        r=$(wrk_once "$slice_s" "$1" "$2"); echo "R $r" >> "$sl"
        sleep 0.2   # the slice's last requests finish before the static file is measured
        r=$(wrk_once "$static_s" "$top/test/bench/report.lua" "$base/.bench-static.txt")
        echo "S $r" >> "$sl"
        i=$((i + 1))
    done
    awk -f "$top/test/bench/slices.awk" "$sl"
}
# median_of LINE...: lines of sliced's output → one such line: the medians of the rates, the
# ratio and p99, the spread over all of them, the socket errors summed.
median_of() { printf '%s\n' "$@" | awk -f "$top/test/bench/slices.awk" -v combine=1; }

# The rows of this run, machine-readable (keep_results copies them when the run passes):
# "row<TAB>name<TAB>req/s<TAB>static req/s<TAB>ratio<TAB>min<TAB>max<TAB>p99 ms<TAB>errors",
# each followed by its slices (keep_slices).
results=$root/results.tsv
: > "$results"
row_w=36                # width of the route column
row_head() {
    printf "%-${row_w}s %9s %9s %6s %11s %8s %6s\n" route 'req/s' 'static' 'ratio' 'spread' 'p99 ms' 'errors'
}
# print_row NAME "req/s static ratio min max p99 errors": prints and records one row;
# $static_rps is the row's baseline (route scripts printing their own rows divide by it).
print_row() {
    name=$1; set -- $2
    printf "%-${row_w}s %9s %9s %6s %11s %8s %6s\n" "$name" "$1" "$2" "$3" "$4-$5" "$6" "$7"
    printf 'row\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$@" >> "$results"
    static_rps=$2
}
# keep_slices NAME: the last sliced row's slices into $results, in the order run, as
# "slice<TAB>name<TAB>S (static) or R (route)<TAB>req/s<TAB>p99 ms<TAB>errors".
keep_slices() {
    awk -v n="$1" '{ printf "slice\t%s\t%s\t%s\t%s\t%s\n", n, $1, $2, $3, $4 }' "$root/slices" \
        >> "$results"
}
# row NAME URL: a GET route (the bench token sent to /api), sliced beside the static file.
row() {
    check_2xx "$2"
    r=$(sliced "$top/test/bench/report.lua" "$2")
    print_row "$1" "$r"; keep_slices "$1"
}
# row_script NAME SCRIPT URL: a route whose requests a wrk script makes (a POST with a body);
# its answers are checked by wrk's count only.
row_script() {
    r=$(sliced "$2" "$3")
    print_row "$1" "$r"; keep_slices "$1"
}
# targets SUITE: one line per target of test/bench/targets for SUITE (bench or scale), met or
# not met by this run's rows, also appended to $results as
# "target<TAB>label<TAB>value<TAB>min<TAB>max<TAB>threshold<TAB>met|not met|not measured".
targets() {
    awk -F'\t' -v suite="$1" -f "$top/test/bench/targets.awk" "$results" "$top/test/bench/targets" \
        > "$root/targets.tsv"
    cut -f2- "$root/targets.tsv" | while IFS="$(printf '\t')" read -r label v lo hi min verdict; do
        if [ "$verdict" = "not measured" ]; then
            printf "target %-60s not measured\n" "$label:"
        else
            printf "target %-60s %-7s (%s, spread %s-%s)\n" "$label:" "$verdict" "$v" "$lo" "$hi"
        fi
    done
    cat "$root/targets.tsv" >> "$results"
}
# keep_results FILE: this run's rows and targets into FILE (build/bench/...), headed by the
# time, the commit and the load average, once every check has passed.
keep_results() {
    mkdir -p "$(dirname "$1")"
    { printf '# %s commit %s load %s; %s slices of %s s each between %s s of static file\n' \
          "$(date -u +%FT%TZ)" "$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo -)" \
          "$(cut -d' ' -f1-3 /proc/loadavg)" "$slices" "$slice_s" "$static_s"
      cat "$results"; } > "$1.tmp"
    mv "$1.tmp" "$1"
    echo "bench: results in ${1#$top/}"
}
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
