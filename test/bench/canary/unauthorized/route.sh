# Canary for test/integration/bench.test.mjs (BENCH_ROUTES=this folder): a route measured
# with a token that is not valid answers 401 to every request, fast. The bench must fail.
SB_BENCH_TOKEN=not-a-valid-token
row "GET /api/users/profile (bad token)" "$base/api/users/profile"
