# Every discover route over 10,000 seeded users (sourced by test/bench/run.sh, which defines
# $top, $root, $base and `row NAME URL`). The seed goes into the running server's SQLite file:
# WAL readers in httpd see the new rows at their next query, no restart needed.
. "$top/test/bench/discover_routes.sh"
seed 10000
bench_skills "$SB_BENCH_TOKEN"
# warm the page cache and every child's statements
warm 2 "$base/api/discover?category=Music"
discover_rows
