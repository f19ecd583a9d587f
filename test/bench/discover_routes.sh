# Every discover route as a `row NAME URL` (sourced by routes.d/discover.sh and scale.sh,
# which define row, $base and $SB_BENCH_TOKEN).
auth_get() { curl -fsS -H "Authorization: Bearer $SB_BENCH_TOKEN" "$base$1"; }
auth_put() {
    curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $1" -H 'content-type: application/json' \
        -d "$3" "$base$2"
}
# The bench user offers and wants common skills, so /discover/matches has work to do.
bench_skills() {
    auth_put "$1" /api/users/skills/offered '{"skills":[{"skill":"Guitar","category":"Music"},{"skill":"Spanish","category":"Language"}]}'
    auth_put "$1" /api/users/skills/wanted '{"skills":[{"skill":"Piano"},{"skill":"Python"}]}'
}
discover_rows() {
    cursor=$(auth_get "/api/discover?limit=12" | sed -n 's/.*"nextCursor":"\([^"]*\)".*/\1/p')
    someone=$(auth_get "/api/discover?limit=1" | sed -n 's/.*"_id":"\([0-9a-f]*\)".*/\1/p')
    row "GET /api/discover?category=Music" "$base/api/discover?category=Music"
    row "GET /api/discover (2nd page)" "$base/api/discover?limit=12&cursor=$cursor"
    row "GET /api/discover/search?q=guitar" "$base/api/discover/search?q=guitar"
    row "GET /api/discover/categories" "$base/api/discover/categories"
    row "GET /api/discover/trending" "$base/api/discover/trending"
    row "GET /api/discover/:id" "$base/api/discover/$someone"
    # last: its slow requests still running when wrk stops would weigh on the next row
    row "GET /api/discover/matches" "$base/api/discover/matches"
}
