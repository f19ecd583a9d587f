# Canary for test/integration/bench.test.mjs (BENCH_ROUTES=this folder): a rotated refresh
# token used again, which the module logs at [warn] ("refresh token reuse detected"). Every
# measured route answers 2xx; the bench must fail on the log.
rt=$(curl -fsS -H 'content-type: application/json' \
  -d '{"username":"benchwarn","email":"benchwarn@example.org","password":"bench password","firstName":"Bench","lastName":"Warn"}' \
  "$base/api/auth/register" | sed -n 's/.*"refreshToken":"\([^"]*\)".*/\1/p')
curl -fsS -o /dev/null -H 'content-type: application/json' -d "{\"refreshToken\":\"$rt\"}" "$base/api/auth/refresh"
curl -sS -o /dev/null -H 'content-type: application/json' -d "{\"refreshToken\":\"$rt\"}" "$base/api/auth/refresh"
