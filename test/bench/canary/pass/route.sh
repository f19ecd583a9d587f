# For test/integration/bench.test.mjs (BENCH_ROUTES=this folder): one more well-behaved row, so
# a smoke run passes and reports its targets (measured ones met or not, the rest not measured).
row "GET /api/discover/categories" "$base/api/discover/categories"
