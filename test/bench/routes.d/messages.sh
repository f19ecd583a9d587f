# Messaging over 100,000 seeded messages (sourced by test/bench/run.sh after discover.sh has
# seeded the users; uses $top, $root, $base, row, $static_rps). The bench user gets 200
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
send_r=$(wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$top/test/bench/send.lua" \
    "$base/api/messages/send" | sed -n 's/^SBRESULT //p')
set -- $send_r
printf '%-34s %10s %9s %8s %7s\n' "POST /api/messages/send" "$1" "$2" "$3" \
    "$(awk -v a="$1" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
