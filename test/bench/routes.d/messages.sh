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
[ -n "$send_r" ] || { echo "bench: no result from wrk for POST /api/messages/send" >&2; exit 1; }
set -- $send_r
# like measure: a send that did not answer 2xx fails the bench
if [ "$3" -ne 0 ]; then
    echo "bench: POST /api/messages/send answered $3 non-2xx responses during the run" >&2; exit 1
fi
printf '%-34s %10s %9s %8s %7s\n' "POST /api/messages/send" "$1" "$2" "$4" "$(ratio "$1" "$static_rps")"
