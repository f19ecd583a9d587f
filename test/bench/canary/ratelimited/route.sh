# Canary for test/integration/bench.test.mjs (BENCH_ROUTES=this folder): /api/discover behind
# a limit of 5 per user. The check before the run gets its 200; during the run wrk gets 429s,
# which are quick to answer. The bench must fail on wrk's count.
echo 'SkillBarterRateLimit discover 5 5m user' >> "$root/conf/httpd.conf"
ctl -k graceful
n=0
until curl -fsS -D - -o /dev/null -H "Authorization: Bearer $SB_BENCH_TOKEN" "$base/api/discover" \
        | tr -d '\r' | grep -qi '^ratelimit-limit: 5$'; do
    n=$((n + 1)); [ $n -lt 100 ] || { echo "canary: the limit did not apply"; exit 1; }; sleep 0.1
done
row "GET /api/discover (limit 5)" "$base/api/discover"
