# Discover and search over 10,000 seeded users (sourced by test/bench/run.sh, which defines
# $top, $root, $base and `row NAME URL`). The seed goes into the running server's SQLite file:
# WAL readers in httpd see the new rows at their next query, no restart needed.
"$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed 10000 >/dev/null
chown -R www-data:www-data "$root/data"
# warm the page cache and every child's statements
wrk -t"$threads" -c"$conns" -d2s -s "$top/test/bench/report.lua" \
    "$base/api/discover?category=Music" >/dev/null
row "GET /api/discover?category=Music" "$base/api/discover?category=Music"
row "GET /api/discover (2nd page)" \
    "$base/api/discover?limit=12&cursor=$(curl -fsS -H "Authorization: Bearer $SB_BENCH_TOKEN" \
        "$base/api/discover?limit=12" | sed -n 's/.*"nextCursor":"\([^"]*\)".*/\1/p')"
row "GET /api/discover/search?q=guitar" "$base/api/discover/search?q=guitar"
