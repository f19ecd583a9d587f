# Messaging over 100,000 seeded messages (sourced by test/bench/run.sh after discover.sh has
# seeded the users; uses $top, $root, $base, row, row_script). The bench user gets 200
# conversations; the rest of the messages are between seeded users.
"$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed-messages 100000 benchuser 200 >/dev/null
chown -R www-data:www-data "$root/data"
wrk -t"$threads" -c"$conns" -d2s -s "$top/test/bench/report.lua" \
    "$base/api/messages/conversations" >/dev/null
row "GET /api/messages/conversations" "$base/api/messages/conversations"
# Sends from the bench user to one of its partners (the messages limiter is raised in
# bench.conf): each is a write transaction with both summaries and two outbox rows.
SB_BENCH_RECEIVER=$(curl -fsS -H "Authorization: Bearer $SB_BENCH_TOKEN" \
    "$base/api/messages/conversations?limit=1" | sed -n 's/.*"otherUser":{"_id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$SB_BENCH_RECEIVER" ] || { echo "bench: no conversation partner"; exit 1; }
export SB_BENCH_RECEIVER
# sliced beside the static file like every row; wrk's count fails the bench on a non-2xx send
row_script "POST /api/messages/send" "$top/test/bench/send.lua" "$base/api/messages/send"
